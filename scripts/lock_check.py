"""Check that the lock files pin every dependency pyproject.toml asks for, within its range.

Offline and deterministic (the lock is read, not recomputed): `make lint` and `make venv` run it,
so a dependency added to pyproject.toml without `make lock` fails at once instead of being
installed unpinned, or not at all, in the image.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s\\;]+)")


def pins(lock: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def problems(requirements: list[str], lock: Path) -> list[str]:
    pinned = pins(lock)
    wrong = []
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        version = pinned.get(name)
        if version is None:
            wrong.append(f"{lock.name}: {requirement.name} is not pinned")
        elif not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{lock.name}: {requirement.name}=={version} is outside {text!r}")
    for line in lock.read_text().splitlines():
        if line and not line.startswith((" ", "#")) and "==" in line and "--hash" not in line:
            if not line.rstrip().endswith("\\"):
                wrong.append(f"{lock.name}: {line.split()[0]} has no hashes")
    return wrong


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = list(project["dependencies"])
    dev = runtime + list(project["optional-dependencies"]["dev"])
    wrong = problems(runtime, ROOT / "requirements" / "production.txt")
    wrong += problems(dev, ROOT / "requirements" / "dev.txt")
    if wrong:
        print("The lock files do not match pyproject.toml; run `make lock`:", file=sys.stderr)
        for line in wrong:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
