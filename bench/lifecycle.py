"""The platform console's operations on demo-sized tenants: suspend / reactivate latency, usage
refresh, archive (pg_dump + files + manifest, then drop) and restore (pg_restore, rename,
migrations, files).

    .venv/bin/python bench/lifecycle.py [N]      # N extra tenants for the usage refresh, default 50

Seeds the demo (`seed_demo`: the demo cities and company), then:
1. suspends and reactivates one demo tenant 20 times: the service call, and the time until a
   request to its host answers the suspended page (503) or the page again (routing cache);
2. refreshes the usage of the demo tenants, then of N more (empty) tenants;
3. archives one demo tenant and restores it, to a new slug then to its own.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, machine_description  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 50
ROUNDS = 20


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> None:
    with bench_database() as info:
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client
        from django.utils import timezone

        from tenants.lifecycle import tenant_reactivate, tenant_restore, tenant_suspend
        from tenants.models import DeprovisionJob, Tenant
        from tenants.services import tenant_deprovision, tenant_provision
        from tenants.usage import usage_refresh_all

        print(f"# bench/lifecycle.py — {machine_description()}")
        print(f"database ready in {info.seconds_to_prepare:.1f} s")
        started = time.perf_counter()
        call_command("seed_demo", verbosity=0)
        demo = list(Tenant.objects.order_by("slug").values_list("slug", flat=True))
        print(f"seed_demo: {len(demo)} tenants in {time.perf_counter() - started:.1f} s ({demo})")
        slug = "paris" if "paris" in demo else demo[0]
        host = f"{slug}.{settings.BASE_DOMAIN}"
        client = Client(HTTP_HOST=host)
        assert client.get("/").status_code == 200

        suspend, reactivate, to_page = [], [], []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            tenant_suspend(slug=slug, reason="bench", actor=None, source="command")
            suspend.append(time.perf_counter() - t0)
            assert client.get("/").status_code == 503
            to_page.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            tenant_reactivate(slug=slug, actor=None, source="command")
            reactivate.append(time.perf_counter() - t0)
            assert client.get("/").status_code == 200
        print(f"suspend (service): {_ms(suspend)}")
        print(f"suspend until the host answers 503: {_ms(to_page)}")
        print(f"reactivate (service): {_ms(reactivate)}")
        cached = []
        tenant_suspend(slug=slug, reason="bench", actor=None, source="command")
        client.get("/")
        for _ in range(200):
            t0 = time.perf_counter()
            client.get("/missions/")
            cached.append(time.perf_counter() - t0)
        tenant_reactivate(slug=slug, actor=None, source="command")
        print(f"suspended page, cached route (whole request): {_ms(cached)}")

        count, seconds = usage_refresh_all()
        print(f"usage refresh, {count} demo tenants: {seconds:.2f} s")
        for index in range(N):
            extra = f"extra{index:03d}"
            tenant_provision(
                kind="city", name=f"Extra {index}", slug=extra, admin_email=f"a@{extra}.example"
            )
        count, seconds = usage_refresh_all()
        print(
            f"usage refresh, {count} tenants: {seconds:.2f} s "
            f"({seconds / count * 1000:.0f} ms per tenant)"
        )

        with tempfile.TemporaryDirectory() as export_dir:
            t0 = time.perf_counter()
            result = tenant_deprovision(slug=slug, export_dir=Path(export_dir))
            archive_seconds = time.perf_counter() - t0
            media = result.media_export_path.stat().st_size if result.media_export_path else 0
            print(
                f"archive {slug}: {archive_seconds:.2f} s "
                f"(dump {result.export_bytes / 1e6:.2f} MB, files {media / 1e6:.2f} MB)"
            )
            archive = DeprovisionJob.objects.create(
                tenant_slug=slug,
                status=DeprovisionJob.Status.SUCCEEDED,
                export_path=str(result.export_path),
                export_bytes=result.export_bytes,
                media_export_path=str(result.media_export_path or ""),
                finished_at=timezone.now(),
            )
            for target in (f"{slug}-restored", slug):
                t0 = time.perf_counter()
                tenant_restore(archive=archive, target_slug=target, progress=lambda s, p: None)
                print(f"restore to {target}: {time.perf_counter() - t0:.2f} s")
                if target != slug:
                    tenant_deprovision(slug=target, export_dir=Path(export_dir))
            restored = Client(HTTP_HOST=host)
            print(f"restored {slug} answers {restored.get('/').status_code}")


if __name__ == "__main__":
    main()
