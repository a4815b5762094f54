"""Platform API for the lifecycle: suspend, reactivate, archive, restore, restore jobs, archives,
usage in the tenants list, the audit. Staff token only, on the public host only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User
from tenants.models import (
    DeprovisionJob,
    Domain,
    PlatformAuditEntry,
    RestoreJob,
    Tenant,
    TenantUsage,
)
from tests.tenants.platform import URL, api_client, platform_user

pytestmark = pytest.mark.django_db
API = "/api/platform/v1/"


@pytest.fixture
def staff() -> User:
    return platform_user("ops@entraide.example", staff=True, superuser=True)


def _post(user, path, body=None):
    return api_client(user).post(f"{API}{path}", body or {}, content_type="application/json")


def test_suspend_then_reactivate(staff, paris, client_for):
    response = _post(staff, "tenants/paris/suspend/", {"reason": "Unpaid"})
    assert response.status_code == 200
    body = response.json()
    assert body["changed"] is True
    assert body["tenant"]["status"] == "suspended"
    assert body["tenant"]["suspension_reason"] == "Unpaid"
    assert client_for(paris).get("/").status_code == 503

    # Again: idempotent, 200 with changed false (the first reason is kept).
    again = _post(staff, "tenants/paris/suspend/", {"reason": "Other"})
    assert (again.status_code, again.json()["changed"]) == (200, False)
    assert again.json()["tenant"]["suspension_reason"] == "Unpaid"

    response = _post(staff, "tenants/paris/reactivate/")
    assert (response.status_code, response.json()["changed"]) == (200, True)
    assert response.json()["tenant"]["status"] == "active"
    assert client_for(paris).get("/").status_code == 200
    assert _post(staff, "tenants/paris/reactivate/").json()["changed"] is False

    entries = PlatformAuditEntry.objects.order_by("pk")
    assert [(e.action, e.source, e.actor_id) for e in entries] == [
        ("tenant.suspend", "api", staff.pk),
        ("tenant.reactivate", "api", staff.pk),
    ]


def test_suspend_errors(staff, paris):
    response = _post(staff, "tenants/paris/suspend/", {})
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    response = _post(staff, "tenants/paris/suspend/", {"reason": "   "})
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert _post(staff, "tenants/nowhere/suspend/", {"reason": "x"}).status_code == 404
    assert _post(staff, "tenants/nowhere/reactivate/").status_code == 404
    Tenant.objects.filter(slug="paris").update(status=Tenant.Status.DISABLED)
    response = _post(staff, "tenants/paris/suspend/", {"reason": "x"})
    assert (response.status_code, response.json()["code"]) == (409, "tenant_being_archived")


def test_archive_alias_queues_the_deprovisioning_and_audits_it(staff, paris):
    response = _post(staff, "tenants/paris/archive/", {"confirm_slug": "paris"})
    assert response.status_code == 202
    job = DeprovisionJob.objects.get(tenant_slug="paris")
    assert response.json()["id"] == job.pk
    entry = PlatformAuditEntry.objects.get(action="tenant.archive")
    assert (entry.source, entry.actor_id, entry.details) == ("api", staff.pk, {"job_id": job.pk})
    assert _post(staff, "tenants/paris/archive/", {"confirm_slug": "lyon"}).status_code == 400
    assert _post(staff, "tenants/nowhere/archive/", {"confirm_slug": "nowhere"}).status_code == 404


def _archive(tmp_path) -> DeprovisionJob:
    return DeprovisionJob.objects.create(
        tenant_slug="lille",
        status=DeprovisionJob.Status.SUCCEEDED,
        export_path=str(tmp_path / "lille.dump"),
        export_bytes=1234,
        finished_at=timezone.now(),
    )


def test_archives_list_and_restore_refusals(staff, paris, tmp_path):
    archive = _archive(tmp_path)
    DeprovisionJob.objects.create(tenant_slug="lyon", status=DeprovisionJob.Status.FAILED)
    listing = api_client(staff).get(f"{API}archives/").json()
    assert [row["id"] for row in listing["results"]] == [archive.pk]

    cases = [
        ({}, 400, "invalid"),
        ({"target_slug": "www"}, 400, "slug_reserved"),
        ({"target_slug": "Lille!"}, 400, "slug_invalid"),
        ({"target_slug": "paris"}, 409, "slug_taken"),
        ({"target_slug": "lille"}, 400, "archive_invalid"),  # the dump is missing
    ]
    for body, status, code in cases:
        response = _post(staff, f"archives/{archive.pk}/restore/", body)
        assert response.status_code == status, (body, response.json())
        if code != "invalid":
            assert response.json()["code"] == code
            assert "archive" in response.json()["fields"] or "slug" in response.json()["fields"]
    assert _post(staff, "archives/999999/restore/", {"target_slug": "lille"}).status_code == 404
    assert not RestoreJob.objects.exists()
    assert not PlatformAuditEntry.objects.filter(action="tenant.restore").exists()


def test_restore_job_status(staff, tmp_path):
    job = RestoreJob.objects.create(archive=_archive(tmp_path), target_slug="lille")
    response = api_client(staff).get(f"{API}restore-jobs/{job.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["target_slug"], body["status"], body["percent"]) == ("lille", "queued", 0)
    assert body["status_url"] == f"{API}restore-jobs/{job.pk}/"
    assert api_client(staff).get(f"{API}restore-jobs/999999/").status_code == 404


def test_usage_is_in_the_list_and_the_detail(staff, paris, django_assert_num_queries):
    TenantUsage.objects.create(
        tenant=paris,
        members=12,
        missions=3,
        participations=7,
        schema_bytes=1000,
        media_bytes=24,
        refreshed_at=timezone.now(),
    )
    detail = api_client(staff).get(f"{URL}paris/").json()
    assert detail["usage"]["members"] == 12
    assert detail["usage"]["storage_bytes"] == 1024
    rows = {row["slug"]: row for row in api_client(staff).get(URL).json()["results"]}
    assert rows["paris"]["usage"]["participations"] == 7
    assert rows["montreal"]["usage"] is None


@pytest.mark.parametrize("count", [3, 30])
def test_tenant_list_queries_do_not_grow_with_tenants(
    staff, paris, count, django_assert_num_queries
):
    for index in range(count):
        tenant = Tenant.objects.create(
            kind="city", name=f"T{index}", slug=f"town{index:02d}", schema_name=f"t_town{index:02d}"
        )
        Domain.objects.create(
            domain=f"town{index:02d}.entraide.test",
            tenant=tenant,
            is_primary=True,
            is_verified=True,
        )
        TenantUsage.objects.create(tenant=tenant, refreshed_at=timezone.now())
    client = api_client(staff)
    client.get(URL, {"page_size": 100})
    with django_assert_num_queries(5):  # token and user, count, tenants with usage, domains
        response = client.get(URL, {"page_size": 100})
    assert len(response.json()["results"]) >= count


def test_audit_list_with_filters(staff, paris, montreal):
    _post(staff, "tenants/paris/suspend/", {"reason": "Unpaid"})
    _post(staff, "tenants/montreal/suspend/", {"reason": "Abuse"})
    _post(staff, "tenants/paris/reactivate/")
    body = api_client(staff).get(f"{API}audit/", {"tenant": "paris"}).json()
    assert [row["action"] for row in body["results"]] == ["tenant.reactivate", "tenant.suspend"]
    assert body["results"][1]["details"] == {"reason": "Unpaid"}
    assert body["results"][0]["actor_email"] == "ops@entraide.example"
    only = api_client(staff).get(f"{API}audit/", {"action": "tenant.suspend"}).json()
    assert {row["tenant_slug"] for row in only["results"]} == {"paris", "montreal"}
    assert api_client(staff).get(f"{API}audit/", {"tenant": "not a slug"}).status_code == 400


LIFECYCLE = [
    ("post", "tenants/paris/suspend/", {"reason": "x"}),
    ("post", "tenants/paris/reactivate/", {}),
    ("post", "tenants/paris/archive/", {"confirm_slug": "paris"}),
    ("get", "archives/", None),
    ("post", "archives/1/restore/", {"target_slug": "lille"}),
    ("get", "restore-jobs/1/", None),
    ("get", "audit/", None),
]


@pytest.mark.parametrize(("method", "path", "body"), LIFECYCLE)
def test_lifecycle_endpoints_are_for_staff_tokens_on_the_public_host(
    staff, paris, montreal, method, path, body
):
    plain = platform_user("someone@entraide.example", staff=False, superuser=False)
    url = f"{API}{path}"

    def call(client):
        return getattr(client, method)(url, body, content_type="application/json")

    assert call(api_client()).status_code == 401
    assert call(api_client(plain)).status_code == 403
    # A tenant's own superuser token is nobody here.
    connection.set_tenant(montreal)
    boss = User.objects.create_user(email="boss@montreal.example", is_staff=True, is_superuser=True)
    key = Token.objects.create(user=boss).key
    connection.set_schema_to_public()
    assert call(api_client(host="entraide.test")).status_code == 401
    response = getattr(api_client(), method)(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 401
    # And on a tenant host, even a staff token: 404.
    assert call(api_client(staff, host=montreal.primary_host)).status_code == 404
    assert Tenant.objects.get(slug="paris").status == Tenant.Status.ACTIVE
    assert not PlatformAuditEntry.objects.exists()
