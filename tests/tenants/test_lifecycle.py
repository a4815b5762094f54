"""Suspension (the suspended page, reactivation as it was) and the audit of lifecycle actions."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.lifecycle import tenant_reactivate, tenant_suspend
from tenants.models import PlatformAuditEntry, Tenant

pytestmark = pytest.mark.django_db


def _signed_in(client_for, tenant):
    client = client_for(tenant)
    with tenant_context(tenant):
        user = User.objects.get(email=f"admin@{tenant.slug}.example")
        client.force_login(user)
    connection.set_schema_to_public()
    return client


def test_suspended_tenant_answers_a_503_page_in_its_language_and_look(client_for, paris):
    tenant_suspend(slug="paris", reason="Unpaid", actor=None, source="command")
    client = client_for(paris)
    response = client.get("/missions/")
    assert response.status_code == 503
    assert response["Retry-After"] == "3600"
    assert response["Content-Language"] == "fr"
    page = response.content.decode()
    assert "Paris" in page and "#0d2a5c" in page  # the tenant's name and colours
    assert "Cette instance est suspendue" in page
    assert "support@entraide.app" in page
    assert "Unpaid" not in page  # the reason is for staff, not for visitors


def test_suspended_page_follows_the_tenant_language(client_for, acme, montreal):
    for tenant, text in [
        (acme, "This instance is suspended"),
        (montreal, "Cette instance est suspendue"),
    ]:
        tenant_suspend(slug=tenant.slug, reason="Contract ended", actor=None, source="command")
        assert text in client_for(tenant).get("/").content.decode()


def test_suspended_api_answers_json_and_health_checks_still_answer(client_for, paris):
    tenant_suspend(slug="paris", reason="Unpaid", actor=None, source="command")
    client = client_for(paris)
    response = client.get("/api/v1/missions/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["code"] == "tenant_suspended" and body["fields"] == {}
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_suspended_page_needs_no_query_and_no_session(client_for, paris, django_assert_num_queries):
    tenant_suspend(slug="paris", reason="Unpaid", actor=None, source="command")
    client = _signed_in(client_for, paris)
    client.get("/")  # routes cached
    with django_assert_num_queries(0):
        response = client.get("/gestion/")
    assert response.status_code == 503
    assert "Set-Cookie" not in response.headers or "sessionid" not in response["Set-Cookie"]


def test_reactivating_brings_everything_back_sessions_included(client_for, paris):
    client = _signed_in(client_for, paris)
    assert client.get("/accounts/api/me/").status_code == 200
    tenant_suspend(slug="paris", reason="Unpaid", actor=None, source="command")
    assert client.get("/accounts/api/me/").status_code == 503
    tenant, changed = tenant_reactivate(slug="paris", actor=None, source="command")
    assert changed and tenant.status == Tenant.Status.ACTIVE
    assert (tenant.suspended_at, tenant.suspension_reason) == (None, "")
    assert client.get("/accounts/api/me/").status_code == 200


def test_suspend_and_reactivate_are_idempotent_and_audited_once(paris):
    first, changed = tenant_suspend(
        slug="paris", reason=" Unpaid  invoices ", actor=None, source="api"
    )
    assert changed and first.suspension_reason == "Unpaid invoices"
    again, changed = tenant_suspend(slug="paris", reason="Other", actor=None, source="api")
    assert not changed and again.suspension_reason == "Unpaid invoices"
    assert tenant_reactivate(slug="paris", actor=None, source="api")[1]
    assert not tenant_reactivate(slug="paris", actor=None, source="api")[1]
    actions = list(PlatformAuditEntry.objects.order_by("pk").values_list("action", "source"))
    assert actions == [("tenant.suspend", "api"), ("tenant.reactivate", "api")]


@pytest.mark.parametrize(
    ("slug", "reason", "code"),
    [
        ("nowhere", "x", TenantErrorCode.TENANT_NOT_FOUND),
        ("paris", "", TenantErrorCode.REASON_INVALID),
        ("paris", "   ", TenantErrorCode.REASON_INVALID),
        ("paris", "x" * 301, TenantErrorCode.REASON_INVALID),
    ],
)
def test_bad_suspensions_are_refused(paris, slug, reason, code):
    with pytest.raises(ProvisioningError) as error:
        tenant_suspend(slug=slug, reason=reason, actor=None, source="api")
    assert error.value.code == code
    assert not PlatformAuditEntry.objects.exists()


def test_a_tenant_being_archived_is_neither_suspended_nor_reactivated(paris):
    Tenant.objects.filter(slug="paris").update(status=Tenant.Status.DISABLED)
    for call in (
        lambda: tenant_suspend(slug="paris", reason="x", actor=None, source="api"),
        lambda: tenant_reactivate(slug="paris", actor=None, source="api"),
    ):
        with pytest.raises(ProvisioningError) as error:
            call()
        assert error.value.code == TenantErrorCode.TENANT_BEING_ARCHIVED


def test_other_tenants_are_untouched(client_for, paris, montreal):
    tenant_suspend(slug="paris", reason="Unpaid", actor=None, source="api")
    assert client_for(montreal).get("/").status_code == 200


def test_tenant_suspend_command(paris):
    from io import StringIO

    from django.core.management import CommandError, call_command

    output = StringIO()
    call_command("tenant_suspend", "--slug", "paris", "--reason", "Unpaid", stdout=output)
    assert "suspended" in output.getvalue()
    assert Tenant.objects.get(slug="paris").status == Tenant.Status.SUSPENDED
    call_command("tenant_suspend", "--slug", "paris", "--reactivate", stdout=output)
    assert Tenant.objects.get(slug="paris").status == Tenant.Status.ACTIVE
    assert list(PlatformAuditEntry.objects.values_list("source", flat=True)) == [
        "command",
        "command",
    ]
    with pytest.raises(CommandError, match="reason"):
        call_command("tenant_suspend", "--slug", "paris")
    with pytest.raises(CommandError, match="No tenant"):
        call_command("tenant_suspend", "--slug", "nowhere", "--reason", "x")


def test_tenant_restore_command_refuses_bad_input(paris):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="slug is required"):
        call_command("tenant_restore", "--archive", "1")
    with pytest.raises(CommandError, match="No archive"):
        call_command("tenant_restore", "--archive", "999999", "--slug", "lille")
