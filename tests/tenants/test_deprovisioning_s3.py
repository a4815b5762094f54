"""Deprovisioning with the files in a bucket (MEDIA_STORAGE=s3): the tenant's objects go into the
archive, then its prefix is emptied, and nothing of another tenant's. pg_dump runs in another
process, so the tenant is committed: outside the per-test transaction, cleaned up after."""

import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from tenants.models import Tenant
from tenants.provisioning import schema_drop
from tenants.services import tenant_deprovision, tenant_provision
from tests.engagement.pictures import picture


@pytest.fixture
def committed_tenant(django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        result = tenant_provision(
            kind="city", name="Brest", slug="brest", admin_email="admin@brest.example"
        )
        yield result.tenant
        connection.set_schema_to_public()
        Tenant.objects.filter(slug="brest").delete()
        schema_drop("t_brest")


def test_deprovisioning_archives_then_empties_the_tenants_prefix(
    s3_media, committed_tenant, django_db_blocker, tmp_path: Path
):
    with django_db_blocker.unblock():
        connection.set_tenant(committed_tenant)
        name = default_storage.save("exports/x.csv", ContentFile(b"exported"))
        connection.set_schema_to_public()
        committed_tenant.logo.save("logo.png", ContentFile(picture("PNG")), save=True)
        s3_media.put("t_brest_bis/keep.png", b"k")
        assert s3_media.keys() == sorted(
            [f"t_brest/{name}", f"public/{committed_tenant.logo.name}", "t_brest_bis/keep.png"]
        )

        result = tenant_deprovision(slug="brest", export_dir=tmp_path)

    assert s3_media.keys() == ["t_brest_bis/keep.png"]
    assert result.media_export_path is not None
    with tarfile.open(result.media_export_path, "r:gz") as bundle:
        assert bundle.getnames() == [name]
    assert result.export_path.read_bytes().startswith(b"PGDMP")
