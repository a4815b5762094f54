"""Archive and restore with the files in a bucket (MEDIA_STORAGE=s3): the tenant's objects go
into the archive, the archive into the bucket (`public/archives/`), then the tenant's prefix is
emptied and nothing of another tenant's; a restore fetches the archive back and puts the files
under the new schema's prefix. pg_dump and pg_restore run in other processes, so the tenant is
committed: outside the per-test transaction, cleaned up after."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import tenant_context

from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.lifecycle import restore_job_request, restore_job_run, tenant_archive_request
from tenants.models import DeprovisionJob, RestoreJob, Tenant
from tenants.outbox.models import OutboxMessage
from tenants.services import tenant_provision
from tests.engagement.pictures import picture
from tests.tenants.test_restore import tenants_forget

SLUGS = ("brest", "brest-bis")


@pytest.fixture
def archived(s3_media, django_db_blocker, tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    """Brest, with an export file and a logo in the bucket, archived (eager tasks)."""
    settings.TENANT_EXPORT_DIR = str(tmp_path)
    with django_db_blocker.unblock():
        tenants_forget(SLUGS)
        tenant = tenant_provision(
            kind="city", name="Brest", slug="brest", admin_email="admin@brest.example"
        ).tenant
        with tenant_context(tenant):
            name = default_storage.save("organizations/x.png", ContentFile(b"\x89PNG brest"))
        tenant.logo.save("logo.png", ContentFile(picture("PNG")), save=True)
        s3_media.put("t_brest_bis_old/keep.png", b"k")
        assert s3_media.keys() == sorted(
            [f"t_brest/{name}", f"public/{tenant.logo.name}", "t_brest_bis_old/keep.png"]
        )
        queued = tenant_archive_request(slug="brest", actor=None, source="command")
        job = DeprovisionJob.objects.get(pk=queued.pk)
        assert job.status == DeprovisionJob.Status.SUCCEEDED, job.error
        yield job, name
        tenants_forget(SLUGS)
        OutboxMessage.objects.all().delete()


def test_the_archive_goes_to_the_bucket_and_the_tenants_prefix_is_emptied(
    archived, s3_media, tmp_path
):
    job, name = archived
    dump, media = Path(job.export_path), Path(job.media_export_path)
    assert s3_media.keys() == sorted(
        [
            f"public/archives/{dump.name}",
            f"public/archives/{dump.with_suffix('.json').name}",
            f"public/archives/{media.name}",
            "t_brest_bis_old/keep.png",
        ]
    )
    assert s3_media.get(f"public/archives/{dump.name}").startswith(b"PGDMP")
    assert s3_media.head(f"public/archives/{dump.name}")["CacheControl"] == "private, no-store"
    # No local copy is left: any worker fetches it from the bucket.
    assert list(tmp_path.iterdir()) == []
    s3_media.client.download_file(
        s3_media.name, f"public/archives/{media.name}", str(tmp_path / "m")
    )
    with tarfile.open(tmp_path / "m", "r:gz") as bundle:
        assert bundle.getnames() == [name]


def test_a_restore_fetches_the_archive_and_puts_the_files_under_the_new_schema(
    archived, s3_media, django_db_blocker, tmp_path
):
    job, name = archived
    with django_db_blocker.unblock():
        queued = restore_job_request(
            archive_id=job.pk, target_slug="brest-bis", actor=None, source="command"
        )
        assert restore_job_run(job_id=queued.pk) is None  # run already (eager)
        restored = RestoreJob.objects.get(pk=queued.pk)
        assert restored.status == RestoreJob.Status.SUCCEEDED, restored.error
        tenant = Tenant.objects.get(slug="brest-bis")
        assert tenant.logo.name.startswith("branding/brest-bis/")

    assert s3_media.get(f"t_brest_bis/{name}") == b"\x89PNG brest"
    assert f"public/{tenant.logo.name}" in s3_media.keys()
    assert s3_media.keys("t_brest/") == []
    assert list(tmp_path.iterdir()) == []  # the fetched copies are gone again


def test_an_archive_missing_from_the_bucket_is_refused_before_anything(
    archived, s3_media, django_db_blocker
):
    job, _name = archived
    s3_media.delete(f"public/archives/{Path(job.export_path).name}")
    with django_db_blocker.unblock(), pytest.raises(ProvisioningError) as error:
        restore_job_request(archive_id=job.pk, target_slug="brest-bis", actor=None, source="x")
    assert error.value.code == TenantErrorCode.ARCHIVE_INVALID
    assert "is missing" in error.value.message
