"""Archive (export + drop, with the manifest) and restore, to the same slug or a new one, all or
nothing. pg_dump and pg_restore run in other processes, so these tests commit their data and
clean up after themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from accounts.models import User
from tenants.archives import branding_files_drop
from tenants.deprovisioning import deprovision_job_request, deprovision_job_run
from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.lifecycle import restore_job_request, restore_job_run, tenant_archive_request
from tenants.models import DeprovisionJob, Domain, PlatformAuditEntry, RestoreJob, Tenant
from tenants.outbox.models import OutboxMessage
from tenants.provisioning import schema_drop
from tenants.services import tenant_provision

SLUGS = ("rouen", "rouen-bis", "rouen-ter", "caen")


def tenants_forget(slugs: tuple[str, ...] = SLUGS) -> None:
    """Remove every trace of these tenants (rows, schema, branding files, jobs, audit)."""
    connection.set_schema_to_public()
    for slug in slugs:
        Tenant.objects.filter(slug=slug).delete()
        schema_drop(Tenant.schema_name_for(slug))
        branding_files_drop(slug)
    RestoreJob.objects.filter(target_slug__in=slugs).delete()
    DeprovisionJob.objects.filter(tenant_slug__in=slugs).delete()
    PlatformAuditEntry.objects.filter(tenant_slug__in=slugs).delete()


@pytest.fixture
def archived(django_db_blocker, tmp_path: Path, settings):
    """Rouen, with a member and an uploaded file and custom branding, archived to tmp_path.

    Tasks run eagerly in tests: a job queued by a request has run once its transaction commits.
    """
    settings.TENANT_EXPORT_DIR = str(tmp_path)
    assert connection.settings_dict["NAME"].startswith("test_")
    with django_db_blocker.unblock():
        tenants_forget()
        tenant = tenant_provision(
            kind="city",
            name="Rouen",
            slug="rouen",
            admin_email="admin@rouen.example",
            tagline="Rouen s’entraide",
            primary_color="#123456",
        ).tenant
        Tenant.objects.filter(pk=tenant.pk).update(billing_plan="city_essential")
        tenant.logo.save("rouen.png", ContentFile(b"\x89PNG brand"), save=True)
        with tenant_context(tenant):
            User.objects.create_user(email="marie@rouen.example", password="x" * 12)
        connection.set_schema_to_public()
        media = Path(settings.MEDIA_ROOT) / "t_rouen" / "organizations"
        media.mkdir(parents=True, exist_ok=True)
        (media / "logo.png").write_bytes(b"\x89PNG rouen")
        queued = tenant_archive_request(slug="rouen", actor=None, source="command")
        # Already run (eager); running it again is a no-op.
        assert deprovision_job_run(job_id=queued.pk, export_dir=tmp_path) is None
        job = DeprovisionJob.objects.get(pk=queued.pk)
        assert job.status == DeprovisionJob.Status.SUCCEEDED, job.error
        yield job
        tenants_forget()
        OutboxMessage.objects.all().delete()
        for slug in SLUGS:
            import shutil

            shutil.rmtree(
                Path(settings.MEDIA_ROOT) / Tenant.schema_name_for(slug), ignore_errors=True
            )


def _restore(archive: DeprovisionJob, slug: str) -> RestoreJob:
    job = restore_job_request(archive_id=archive.pk, target_slug=slug, actor=None, source="command")
    assert restore_job_run(job_id=job.pk) is None  # run already, on commit (eager tasks)
    return RestoreJob.objects.get(pk=job.pk)


def test_archive_writes_the_manifest_beside_the_dump(archived, django_db_blocker):
    manifest = json.loads(Path(archived.export_path).with_suffix(".json").read_text())
    assert manifest["slug"] == "rouen" and manifest["schema_name"] == "t_rouen"
    assert manifest["tenant"]["tagline"] == "Rouen s’entraide"
    assert manifest["tenant"]["billing_plan"] == "city_essential"
    assert manifest["domains"][0]["domain"] == "rouen.entraide.test"
    assert ["accounts", "0001_initial"] in manifest["migrations"]
    with django_db_blocker.unblock():
        assert not schema_exists("t_rouen")


def test_the_branding_files_travel_with_the_archive(archived, django_db_blocker):
    manifest = json.loads(Path(archived.export_path).with_suffix(".json").read_text())
    assert set(manifest["branding_files"]) == {"logo"}
    assert manifest["branding_files"]["logo"]["name"] == "rouen.png"
    # Archived: the platform's copy is gone with the tenant.
    assert not (Path(settings.MEDIA_ROOT) / "platform" / "branding" / "rouen").exists()
    with django_db_blocker.unblock():
        job = _restore(archived, "rouen-bis")
        assert job.status == RestoreJob.Status.SUCCEEDED, job.error
        tenant = Tenant.objects.get(slug="rouen-bis")
        assert tenant.logo.name == "branding/rouen-bis/rouen.png"
        with tenant.logo.open("rb") as logo:
            assert logo.read() == b"\x89PNG brand"
        assert not tenant.social_image


def test_restore_to_a_new_slug_then_to_its_own(archived, django_db_blocker):
    with django_db_blocker.unblock():
        job = _restore(archived, "rouen-bis")
        assert job.status == RestoreJob.Status.SUCCEEDED, job.error
        assert (job.step, job.percent) == (RestoreJob.Step.DONE, 100)
        tenant = Tenant.objects.get(slug="rouen-bis")
        assert tenant.schema_name == "t_rouen_bis" and tenant.status == Tenant.Status.ACTIVE
        assert (tenant.tagline, tenant.primary_color, tenant.billing_plan) == (
            "Rouen s’entraide",
            "#123456",
            "city_essential",
        )
        assert list(Domain.objects.filter(tenant=tenant).values_list("domain", flat=True)) == [
            "rouen-bis.entraide.test"
        ]
        assert not schema_exists("t_rouen")
        with tenant_context(tenant):
            assert User.objects.filter(email="marie@rouen.example").exists()
        connection.set_schema_to_public()
        logo = Path(settings.MEDIA_ROOT) / "t_rouen_bis" / "organizations" / "logo.png"
        assert logo.read_bytes() == b"\x89PNG rouen"

        # The same archive again, under its own slug (its schema name is free again).
        again = _restore(archived, "rouen")
        assert again.status == RestoreJob.Status.SUCCEEDED, again.error
        assert Tenant.objects.get(slug="rouen").schema_name == "t_rouen"

        # A third copy would need t_rouen, which the restored Rouen now uses: refused, cleanly.
        third = _restore(archived, "rouen-ter")
        assert third.status == RestoreJob.Status.FAILED
        assert third.error.startswith("schema_in_use")
        assert not Tenant.objects.filter(slug="rouen-ter").exists()
        assert not schema_exists("t_rouen_ter")
        assert schema_exists("t_rouen") and schema_exists("t_rouen_bis")


def test_restored_instance_answers_on_its_host(archived, django_db_blocker, client):
    with django_db_blocker.unblock():
        assert _restore(archived, "caen").status == RestoreJob.Status.SUCCEEDED
        response = client.get("/", HTTP_HOST="caen.entraide.test")
        assert response.status_code == 200
        assert "Rouen" in response.content.decode()


@pytest.mark.parametrize(
    ("slug", "code"),
    [("www", TenantErrorCode.SLUG_RESERVED), ("Not A Slug", TenantErrorCode.SLUG_INVALID)],
)
def test_restore_refuses_a_bad_slug_at_once(archived, django_db_blocker, slug, code):
    with django_db_blocker.unblock(), pytest.raises(ProvisioningError) as error:
        restore_job_request(archive_id=archived.pk, target_slug=slug, actor=None, source="api")
    assert error.value.code == code
    with django_db_blocker.unblock():
        assert not RestoreJob.objects.exists()


def test_restore_refuses_a_taken_slug(archived, django_db_blocker):
    with django_db_blocker.unblock():
        with pytest.raises(ProvisioningError) as error:
            restore_job_request(
                archive_id=archived.pk, target_slug="paris", actor=None, source="api"
            )
        assert error.value.code == TenantErrorCode.SLUG_TAKEN
        with pytest.raises(ProvisioningError) as error:
            restore_job_request(archive_id=987654, target_slug="caen", actor=None, source="api")
        assert error.value.code == TenantErrorCode.ARCHIVE_NOT_FOUND


def test_restore_refuses_a_missing_or_corrupt_export(archived, django_db_blocker):
    dump = Path(archived.export_path)
    manifest = dump.with_suffix(".json")
    with django_db_blocker.unblock():
        original = dump.read_bytes()
        dump.write_bytes(b"PGDMP this is not a dump")
        with pytest.raises(ProvisioningError, match="unreadable") as error:
            restore_job_request(
                archive_id=archived.pk, target_slug="caen", actor=None, source="api"
            )
        assert error.value.code == TenantErrorCode.ARCHIVE_INVALID
        dump.write_bytes(original)

        kept = manifest.read_text()
        manifest.write_text("{not json")
        with pytest.raises(ProvisioningError, match="manifest") as error:
            restore_job_request(
                archive_id=archived.pk, target_slug="caen", actor=None, source="api"
            )
        manifest.unlink()
        with pytest.raises(ProvisioningError, match="missing"):
            restore_job_request(
                archive_id=archived.pk, target_slug="caen", actor=None, source="api"
            )
        manifest.write_text(kept)

        dump.unlink()
        with pytest.raises(ProvisioningError, match="missing"):
            restore_job_request(
                archive_id=archived.pk, target_slug="caen", actor=None, source="api"
            )
        assert not RestoreJob.objects.exists()
        assert not Tenant.objects.filter(slug="caen").exists()


def test_restore_refuses_an_export_from_newer_code(archived, django_db_blocker):
    manifest_path = Path(archived.export_path).with_suffix(".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"].append(["engagement", "9999_from_the_future"])
    manifest_path.write_text(json.dumps(manifest))
    with django_db_blocker.unblock(), pytest.raises(ProvisioningError) as error:
        restore_job_request(archive_id=archived.pk, target_slug="caen", actor=None, source="api")
    assert error.value.code == TenantErrorCode.ARCHIVE_TOO_NEW
    assert "engagement.9999_from_the_future" in error.value.message


def test_a_failure_midway_leaves_no_half_tenant(archived, django_db_blocker, monkeypatch):
    def migrate_fails(*args, **kwargs):
        raise RuntimeError("migrations broke")

    monkeypatch.setattr("tenants.lifecycle.call_command", migrate_fails)
    with django_db_blocker.unblock():
        job = _restore(archived, "caen")
        assert job.status == RestoreJob.Status.FAILED
        assert "migrations broke" in job.error
        assert not Tenant.objects.filter(slug="caen").exists()
        assert not Domain.objects.filter(domain="caen.entraide.test").exists()
        assert not schema_exists("t_caen") and not schema_exists("t_rouen")
        assert not (Path(settings.MEDIA_ROOT) / "t_caen").exists()
        assert not (Path(settings.MEDIA_ROOT) / "platform" / "branding" / "caen").exists()
        # And the archive is still good: the same restore succeeds once the cause is gone.
        monkeypatch.undo()
        assert _restore(archived, "caen").status == RestoreJob.Status.SUCCEEDED


def test_restore_request_is_audited(archived, django_db_blocker):
    with django_db_blocker.unblock():
        job = restore_job_request(
            archive_id=archived.pk, target_slug="caen", actor=None, source="api"
        )
        entry = PlatformAuditEntry.objects.get(action="tenant.restore")
        assert entry.details == {"archive_id": archived.pk, "from_slug": "rouen", "job_id": job.pk}
        assert PlatformAuditEntry.objects.filter(
            action="tenant.archive", tenant_slug="rouen"
        ).exists()
        RestoreJob.objects.filter(pk=job.pk).delete()


def test_deprovision_request_still_works_without_the_console(archived, django_db_blocker):
    with django_db_blocker.unblock(), pytest.raises(ProvisioningError):
        deprovision_job_request(slug="rouen")  # gone: archived


def test_restore_command(archived, django_db_blocker):
    from io import StringIO

    from django.core.management import call_command

    output = StringIO()
    with django_db_blocker.unblock():
        call_command("tenant_restore", stdout=output)
        assert "rouen" in output.getvalue()
        call_command(
            "tenant_restore", "--archive", str(archived.pk), "--slug", "caen", stdout=output
        )
        assert "Restored to 'caen'" in output.getvalue()
        assert Tenant.objects.get(slug="caen").status == Tenant.Status.ACTIVE
