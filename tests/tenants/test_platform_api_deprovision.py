"""Platform API deprovisioning: the request queues a job (202 and a status URL), a worker runs
it. pg_dump runs in another process, so the cases that reach it use committed data, outside the
per-test transaction (no django_db mark), and clean up after themselves. pytest-django creates
the test database only for a session that has a django_db test: the 404 case below is one, so
this module run alone still never reaches the dev database."""

from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from tenants import provisioning
from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.models import DeprovisionJob, Domain, Tenant
from tenants.outbox.models import OutboxMessage
from tenants.services import tenant_provision
from tests.tenants.platform import URL, api_client, delete_platform_user, platform_user
from tests.tenants.private_redis import RedisServer, deliver, pointed_at

STAFF_EMAIL = "ops-commit@entraide.example"
JOBS_URL = "/api/platform/v1/deprovision-jobs/"


@pytest.fixture
def committed_staff_and_tenant(django_db_setup, django_db_blocker, settings, tmp_path: Path):
    settings.TENANT_EXPORT_DIR = str(tmp_path / "exports")
    # Committed rows: never anywhere but a test database.
    assert connection.settings_dict["NAME"].startswith("test_")
    with django_db_blocker.unblock():
        try:
            staff = platform_user(STAFF_EMAIL, staff=True, superuser=True)
            tenant_provision(
                kind="city", name="Rennes", slug="rennes", admin_email="a@rennes.example"
            )
            connection.set_schema_to_public()
            yield staff
        finally:
            # Also after a failed setup: committed rows would outlive the test session's tests.
            connection.set_schema_to_public()
            Tenant.objects.filter(slug="rennes").delete()
            DeprovisionJob.objects.filter(tenant_slug="rennes").delete()
            OutboxMessage.objects.all().delete()
            provisioning.schema_drop("t_rennes")
            delete_platform_user(STAFF_EMAIL)


@pytest.fixture
def broker(tmp_path, settings):
    """Celery sends to a Redis of the test's own, not eagerly: a request only queues."""
    server = RedisServer(str(tmp_path))
    server.start()
    with pointed_at(server, settings):
        yield server
    server.stop()


def _request(staff, slug="rennes", confirm="rennes"):
    return api_client(staff).post(
        f"{URL}{slug}/deprovision/", {"confirm_slug": confirm}, content_type="application/json"
    )


def test_deprovision_answers_202_at_once_and_a_worker_exports_then_drops(
    committed_staff_and_tenant, django_db_blocker, broker, settings
):
    exports = Path(settings.TENANT_EXPORT_DIR)
    with django_db_blocker.unblock():
        response = _request(committed_staff_and_tenant)

        assert response.status_code == 202
        job = DeprovisionJob.objects.get(tenant_slug="rennes")
        body = response.json()
        assert response["Location"] == body["status_url"] == f"{JOBS_URL}{job.pk}/"
        assert (body["status"], body["step"], body["percent"]) == ("queued", "queued", 0)
        # Nothing done inside the request: the tenant, its schema, no export yet.
        assert Tenant.objects.get(slug="rennes").status == Tenant.Status.ACTIVE
        assert schema_exists("t_rennes")
        assert not exports.exists()
        (message,) = broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE)

        assert deliver(message) == "succeeded"  # a worker takes the job

        status = api_client(committed_staff_and_tenant).get(body["status_url"]).json()
        (dump,) = exports.glob("rennes-*.dump")
        assert status["status"] == "succeeded"
        assert (status["step"], status["percent"], status["error"]) == ("done", 100, "")
        assert (status["export_path"], status["export_bytes"]) == (
            str(dump),
            dump.stat().st_size,
        )
        assert status["started_at"] is not None and status["finished_at"] is not None
        assert dump.read_bytes().startswith(b"PGDMP")
        assert not schema_exists("t_rennes")
        assert not Tenant.objects.filter(slug="rennes").exists()
        assert not Domain.objects.filter(domain="rennes.entraide.test").exists()
        # Delivered again: the job is done, nothing runs twice.
        assert deliver(message) is None
        assert len(list(exports.glob("rennes-*.dump"))) == 1


def test_a_second_request_returns_the_job_in_progress(
    committed_staff_and_tenant, django_db_blocker, broker, settings
):
    with django_db_blocker.unblock():
        first = _request(committed_staff_and_tenant)
        second = _request(committed_staff_and_tenant)

        assert (first.status_code, second.status_code) == (202, 202)
        assert first.json()["id"] == second.json()["id"]
        assert DeprovisionJob.objects.filter(tenant_slug="rennes").count() == 1
        assert len(broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE)) == 1


def test_a_failed_export_is_reported_on_the_job_and_drops_nothing(
    committed_staff_and_tenant, django_db_blocker, broker, settings, monkeypatch
):
    def export_fails(schema_name, path):
        raise ProvisioningError(
            "pg_dump of 't_rennes' failed: disk full", code=TenantErrorCode.EXPORT_FAILED
        )

    monkeypatch.setattr(provisioning, "schema_export", export_fails)
    with django_db_blocker.unblock():
        body = _request(committed_staff_and_tenant).json()
        (message,) = broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE)

        assert deliver(message) == "failed"

        status = api_client(committed_staff_and_tenant).get(body["status_url"]).json()
        assert (status["status"], status["step"], status["percent"]) == (
            "failed",
            "exporting_schema",
            10,
        )
        assert status["error"] == "export_failed: pg_dump of 't_rennes' failed: disk full"
        assert Tenant.objects.get(slug="rennes").status == Tenant.Status.DISABLED
        assert schema_exists("t_rennes")


def test_deprovision_needs_the_slug_repeated(
    committed_staff_and_tenant, django_db_blocker, settings
):
    with django_db_blocker.unblock():
        response = _request(committed_staff_and_tenant, confirm="paris")

        assert response.status_code == 400
        assert response.json()["code"] == "confirmation_mismatch"
        assert list(response.json()["fields"]) == ["confirm_slug"]
        assert Tenant.objects.get(slug="rennes").status == Tenant.Status.ACTIVE
        assert schema_exists("t_rennes")
        assert not DeprovisionJob.objects.exists()
        assert not Path(settings.TENANT_EXPORT_DIR).exists()


@pytest.mark.django_db
def test_deprovision_unknown_tenant_is_a_404(settings, tmp_path):
    settings.TENANT_EXPORT_DIR = str(tmp_path)
    staff = platform_user("ops@entraide.example", staff=True, superuser=True)

    response = _request(staff, slug="atlantis", confirm="atlantis")

    assert response.status_code == 404
    assert response.json()["code"] == "tenant_not_found"
    assert not DeprovisionJob.objects.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_job_status_is_for_platform_staff_only(settings):
    staff = platform_user("ops@entraide.example", staff=True, superuser=True)
    volunteer = platform_user("someone@entraide.example", staff=False, superuser=False)
    job = DeprovisionJob.objects.create(tenant_slug="rennes")

    assert api_client(staff).get(f"{JOBS_URL}{job.pk}/").json()["status"] == "queued"
    assert api_client(staff).get(f"{JOBS_URL}{job.pk + 1000}/").status_code == 404
    assert api_client(volunteer).get(f"{JOBS_URL}{job.pk}/").status_code == 403
    assert api_client().get(f"{JOBS_URL}{job.pk}/").status_code in (401, 403)
