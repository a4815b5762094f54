"""Deprovisioning runs pg_dump in another process, so its tenant must be committed: these tests
run outside the per-test transaction and clean up after themselves."""

import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_tenants.utils import schema_exists

from tenants.models import Domain, Tenant
from tenants.provisioning import schema_drop
from tenants.services import tenant_provision


@pytest.fixture
def committed_tenant(django_db_blocker):
    with django_db_blocker.unblock():
        result = tenant_provision(
            kind="city", name="Nantes", slug="nantes", admin_email="admin@nantes.example"
        )
        yield result.tenant
        Tenant.objects.filter(slug="nantes").delete()
        schema_drop("t_nantes")


def test_deprovision_exports_then_drops_everything(
    committed_tenant, django_db_blocker, tmp_path: Path
):
    media = Path(settings.MEDIA_ROOT) / "t_nantes"
    (media / "organizations").mkdir(parents=True, exist_ok=True)
    (media / "organizations" / "logo.png").write_bytes(b"\x89PNG fake")
    output = StringIO()
    with django_db_blocker.unblock():
        call_command(
            "deprovision_tenant",
            "--slug",
            "nantes",
            "--yes",
            "--export-dir",
            str(tmp_path),
            stdout=output,
        )

        (archive,) = tmp_path.glob("nantes-*-media.tar.gz")
        with tarfile.open(archive) as files:
            assert "./organizations/logo.png" in files.getnames()
        assert not media.exists()
        assert str(archive) in output.getvalue()
        exports = list(tmp_path.glob("nantes-*.dump"))
        assert len(exports) == 1
        assert exports[0].stat().st_size > 1000
        assert exports[0].read_bytes().startswith(b"PGDMP")
        assert not schema_exists("t_nantes")
        assert not Tenant.objects.filter(slug="nantes").exists()
        assert not Domain.objects.filter(domain="nantes.entraide.test").exists()


def test_failed_export_keeps_the_schema(committed_tenant, django_db_blocker, tmp_path, monkeypatch):
    monkeypatch.setattr("tenants.provisioning.shutil.which", lambda name: "/bin/false")

    with django_db_blocker.unblock():
        with pytest.raises(Exception, match="pg_dump"):
            call_command(
                "deprovision_tenant", "--slug", "nantes", "--yes", "--export-dir", str(tmp_path)
            )

        assert schema_exists("t_nantes")
        assert Tenant.objects.get(slug="nantes").status == Tenant.Status.DISABLED
