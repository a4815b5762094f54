"""The "SSO required" switch: no password login or sign-up, except a break-glass admin with MFA."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate
from django_tenants.utils import tenant_context

from accounts.errors import AccountsError
from accounts.models import User
from accounts.services import sign_in_policy_update
from accounts.sso.services import connection_delete
from tenants.audit.models import AuditEvent
from tenants.models import Tenant
from tests.accounts.conftest import (
    PASSWORD,
    login,
    login_with_mfa,
    make_user,
    mfa_enable,
    session_user_id,
)
from tests.accounts.sso.saml_flow import post_to_acs, respond, start_login


@pytest.fixture
def acme_sso_required(acme: Any, acme_admin: User, acme_saml: Any) -> str:
    """SSO required on Acme, turned on by its admin (who has MFA); returns the admin's secret."""
    secret = mfa_enable(acme, acme_admin)
    with tenant_context(acme):
        sign_in_policy_update(
            tenant=acme, actor=acme_admin, sso_required=True, allowed_email_domains=["acme.example"]
        )
    acme.refresh_from_db()
    return secret


def test_turning_it_on_is_recorded(acme, acme_admin, acme_sso_required):
    assert Tenant.objects.get(pk=acme.pk).sso_required is True
    with tenant_context(acme):
        event = AuditEvent.objects.get(action="sign_in_policy.updated")
    assert (event.actor_id, event.target_type, event.target_id) == (
        acme_admin.pk,
        "tenant",
        acme.pk,
    )
    assert event.data == {
        "tenant": "acme",
        "before": {"sso_required": False, "allowed_email_domains": []},
        "after": {"sso_required": True, "allowed_email_domains": ["acme.example"]},
    }


def test_volunteer_password_login_is_refused(acme, client_for, acme_sso_required):
    make_user(acme, "bob@acme.example")
    client = client_for(acme)

    response = login(client, "bob@acme.example")

    assert response.status_code == 200
    assert session_user_id(acme, client) is None
    with tenant_context(acme):
        assert authenticate(username="bob@acme.example", password=PASSWORD) is None


def test_break_glass_admin_with_mfa_signs_in_with_password(
    acme, acme_admin, client_for, acme_sso_required
):
    client = client_for(acme)

    response = login_with_mfa(client, acme_admin.email, acme_sso_required)

    assert response.status_code == 302
    assert session_user_id(acme, client) == str(acme_admin.pk)


def test_admin_without_mfa_cannot_use_a_password(acme, client_for, acme_sso_required):
    make_user(acme, "admin2@acme.example", role=User.Role.ADMIN)
    client = client_for(acme)

    response = login(client, "admin2@acme.example")

    assert response.status_code == 200
    assert session_user_id(acme, client) is None


def test_signup_is_closed(acme, client_for, acme_sso_required):
    response = client_for(acme).post(
        "/accounts/signup/",
        {
            "email": "new@acme.example",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_terms": "on",
        },
    )

    assert response.status_code == 200
    assert 'data-reason="sso_required"' in response.content.decode()
    with tenant_context(acme):
        assert User.objects.filter(email="new@acme.example").exists() is False


def test_sso_still_signs_in_and_creates_accounts(acme, client_for, acme_saml, acme_sso_required):
    client = client_for(acme)

    response = post_to_acs(client, respond(acme_saml, start_login(client, acme_saml)))

    assert response.status_code == 302
    with tenant_context(acme):
        assert session_user_id(acme, client) == str(User.objects.get(email="jane@acme.example").pk)


def test_login_page_leads_with_sso(acme, client_for, acme_sso_required):
    page = client_for(acme).get("/accounts/login/").content.decode()

    assert 'action="/accounts/saml/acme/login/?process=login"' in page
    # The company's one connection is the main button, named after the company.
    assert "Sign in with Acme Corp" in page
    assert 'id="sso-required-notice"' in page
    assert "No account yet?" not in page


def test_cannot_remove_the_last_sso_connection(acme, acme_admin, acme_sso_required):
    with tenant_context(acme), pytest.raises(AccountsError) as refused:
        connection_delete(tenant=acme, actor=acme_admin, provider="saml")

    assert refused.value.code == "sso_connection_missing"


def test_turning_it_on_needs_a_connection(acme, acme_admin):
    mfa_enable(acme, acme_admin)
    with tenant_context(acme), pytest.raises(AccountsError) as refused:
        sign_in_policy_update(
            tenant=acme, actor=acme_admin, sso_required=True, allowed_email_domains=[]
        )

    assert refused.value.code == "sso_connection_missing"
    assert Tenant.objects.get(pk=acme.pk).sso_required is False


def test_turning_it_on_needs_the_actor_to_have_mfa(acme, acme_admin, acme_saml):
    with tenant_context(acme), pytest.raises(AccountsError) as refused:
        sign_in_policy_update(
            tenant=acme, actor=acme_admin, sso_required=True, allowed_email_domains=[]
        )

    assert refused.value.code == "mfa_required"
    assert Tenant.objects.get(pk=acme.pk).sso_required is False


def test_turning_it_on_needs_the_sso_entitlement(paris, paris_admin):
    mfa_enable(paris, paris_admin)
    with tenant_context(paris), pytest.raises(AccountsError) as refused:
        sign_in_policy_update(
            tenant=paris, actor=paris_admin, sso_required=True, allowed_email_domains=[]
        )

    assert refused.value.code == "sso_not_entitled"
    assert Tenant.objects.get(pk=paris.pk).sso_required is False


def test_invalid_domain_is_refused(acme, acme_admin):
    with tenant_context(acme), pytest.raises(AccountsError) as refused:
        sign_in_policy_update(
            tenant=acme,
            actor=acme_admin,
            sso_required=False,
            allowed_email_domains=["acme.example", "not a domain"],
        )

    assert (refused.value.code, refused.value.field) == (
        "email_domain_not_allowed",
        "allowed_email_domains",
    )
    assert Tenant.objects.get(pk=acme.pk).allowed_email_domains == []
