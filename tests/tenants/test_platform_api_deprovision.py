"""Platform API deprovisioning. pg_dump runs in another process, so the cases that reach it use
committed data, outside the per-test transaction (no django_db mark), and clean up after
themselves. pytest-django creates the test database only for a session that has a django_db test:
the 404 case below is one, so this module run alone still never reaches the dev database."""

from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from tenants import provisioning
from tenants.models import Domain, Tenant
from tenants.services import tenant_provision
from tests.tenants.platform import URL, api_client, delete_platform_user, platform_user

STAFF_EMAIL = "ops-commit@entraide.example"


@pytest.fixture
def committed_staff_and_tenant(django_db_setup, django_db_blocker, settings, tmp_path: Path):
    settings.TENANT_EXPORT_DIR = str(tmp_path)
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
            provisioning.schema_drop("t_rennes")
            delete_platform_user(STAFF_EMAIL)


def test_deprovision_exports_then_drops(committed_staff_and_tenant, django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        response = api_client(committed_staff_and_tenant).post(
            f"{URL}rennes/deprovision/", {"confirm_slug": "rennes"}, content_type="application/json"
        )

        assert response.status_code == 200
        body = response.json()
        exports = list(tmp_path.glob("rennes-*.dump"))
        assert len(exports) == 1
        assert body == {
            "slug": "rennes",
            "export_path": str(exports[0]),
            "export_bytes": exports[0].stat().st_size,
        }
        assert exports[0].read_bytes().startswith(b"PGDMP")
        assert not schema_exists("t_rennes")
        assert not Tenant.objects.filter(slug="rennes").exists()
        assert not Domain.objects.filter(domain="rennes.entraide.test").exists()


def test_deprovision_needs_the_slug_repeated(
    committed_staff_and_tenant, django_db_blocker, tmp_path
):
    with django_db_blocker.unblock():
        response = api_client(committed_staff_and_tenant).post(
            f"{URL}rennes/deprovision/", {"confirm_slug": "paris"}, content_type="application/json"
        )

        assert response.status_code == 400
        assert response.json()["code"] == "confirmation_mismatch"
        assert list(response.json()["fields"]) == ["confirm_slug"]
        assert Tenant.objects.get(slug="rennes").status == Tenant.Status.ACTIVE
        assert schema_exists("t_rennes")
        assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_deprovision_unknown_tenant_is_a_404(settings, tmp_path):
    settings.TENANT_EXPORT_DIR = str(tmp_path)
    staff = platform_user("ops@entraide.example", staff=True, superuser=True)

    response = api_client(staff).post(
        f"{URL}atlantis/deprovision/", {"confirm_slug": "atlantis"}, content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "tenant_not_found"
    assert list(tmp_path.iterdir()) == []
