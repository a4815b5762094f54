"""Media on object storage: what a logo upload, a logo read and a signed-URL download cost,
on local disk and through the S3 API (moto's server on loopback, tests/s3_server.py: an
in-process S3-compatible server, so these are the client's and the protocol's costs, not a
network's).

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python bench/media_storage.py [N]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from tenants.storage import PrefixS3Storage  # noqa: E402
from tests.engagement.pictures import picture  # noqa: E402
from tests.s3_server import LoopbackS3Server, S3Media  # noqa: E402


def timed(label: str, action: Callable[[], object], runs: int) -> None:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"| {label} | median {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms |")


def main(runs: int) -> None:
    logo = picture("PNG", size=(256, 256))
    print(f"logo: {len(logo)} bytes, {runs} runs each\n")
    print("| Measure | Result |\n|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        disk = FileSystemStorage(location=folder)
        names: list[str] = []
        timed(
            "Local disk: save a logo",
            lambda: names.append(disk.save("o/logo.png", ContentFile(logo))),
            runs,
        )
        timed("Local disk: read it back", lambda: disk.open(names[-1]).read(), runs)

    server = LoopbackS3Server().start()
    media = S3Media.create(server)
    try:
        with override_settings(MEDIA_STORAGE="s3", MEDIA_S3=media.options()):
            bucket = PrefixS3Storage(prefix="t_bench")
            saved: list[str] = []
            timed(
                "S3 (moto): save a logo (PUT, name checked first)",
                lambda: saved.append(bucket.save("organizations/logo.png", ContentFile(logo))),
                runs,
            )
            timed(
                "S3 (moto): read it back (HEAD + GET)",
                lambda: bucket.open(saved[-1]).read(),
                runs,
            )
            timed("S3: sign a download URL (no request)", lambda: bucket.url(saved[-1]), runs)

            def round_trip() -> None:
                response = requests.get(bucket.url(saved[-1], expire=60), timeout=5)
                assert response.status_code == 200 and response.content == logo

            timed("S3 (moto): sign + GET the signed URL", round_trip, runs)
    finally:
        media.destroy()
        server.stop()
    print(f"\nPython {sys.version.split()[0]}, MEDIA_ROOT unused ({settings.MEDIA_ROOT})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
