"""Roles (accounts/roles.py): role changes with is_staff in step, the last admin, an admin's own
demotion, the plan's limit of admins, suspension ending sessions."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import translation

from accounts.errors import AccountsError, AccountsErrorCode
from accounts.models import User
from accounts.roles import (
    user_reactivate,
    user_role_change,
    user_sessions_end,
    user_suspend,
)
from accounts.services import user_create
from billing.entitlements import entitlement_limit
from tenants.audit.models import AuditEvent
from tests.accounts.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

Role = User.Role
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, their source language."""
    with translation.override("en"):
        yield


def person(role: str = Role.VOLUNTEER, **fields: Any) -> User:
    fields.setdefault("email", f"{role}-{next(_numbers)}@roles.example")
    return user_create(role=role, password=PASSWORD, email_verified=True, **fields)


def active_admins() -> list[int]:
    return sorted(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True))


def access(user: User) -> tuple[str, bool, bool, bool]:
    user.refresh_from_db()
    return (user.role, user.is_staff, user.is_superuser, user.is_active)


def audit(action: str) -> list[dict[str, Any]]:
    return list(
        AuditEvent.objects.filter(action=action).order_by("id").values_list("data", flat=True)
    )


def only_admin(actor: User) -> None:
    """Arrange a tenant whose only active admin is `actor` (provisioning's admin suspended)."""
    User.objects.filter(role=Role.ADMIN).exclude(pk=actor.pk).update(is_active=False)
    assert active_admins() == [actor.pk]


def fill_admin_places() -> None:
    """Active admins up to the plan's limit."""
    limit = entitlement_limit(connection.tenant, "max_tenant_admins")
    assert limit is not None
    while len(active_admins()) < limit:
        person(Role.ADMIN)


# --- Roles ---------------------------------------------------------------------------------------


def test_is_staff_follows_the_role_on_every_change(in_paris):
    actor = person(Role.ADMIN)
    someone = person()

    user_role_change(user=someone, actor=actor, role=Role.MODERATOR)
    assert access(someone) == (Role.MODERATOR, False, False, True)
    user_role_change(user=someone, actor=actor, role=Role.ADMIN)
    assert access(someone) == (Role.ADMIN, True, False, True)
    User.objects.filter(pk=someone.pk).update(is_superuser=True)
    user_role_change(user=someone, actor=actor, role=Role.VOLUNTEER)
    assert access(someone) == (Role.VOLUNTEER, False, False, True)

    assert audit("user.role_changed") == [
        {"old_role": "volunteer", "new_role": "moderator", "by_self": False},
        {"old_role": "moderator", "new_role": "admin", "by_self": False},
        {"old_role": "admin", "new_role": "volunteer", "by_self": False},
    ]
    assert AuditEvent.objects.filter(action="user.role_changed").first().actor_id == actor.pk


def test_the_same_role_again_changes_nothing(in_paris):
    actor = person(Role.ADMIN)
    moderator = person(Role.MODERATOR)

    user_role_change(user=moderator, actor=actor, role=Role.MODERATOR)

    assert access(moderator) == (Role.MODERATOR, False, False, True)
    assert audit("user.role_changed") == []


def test_an_unknown_role_is_refused_and_nothing_changes(in_paris):
    actor = person(Role.ADMIN)
    someone = person()

    with pytest.raises(AccountsError) as raised:
        user_role_change(user=someone, actor=actor, role="owner")

    assert (raised.value.code, raised.value.field) == (AccountsErrorCode.INVALID, "role")
    assert access(someone) == (Role.VOLUNTEER, False, False, True)
    assert audit("user.role_changed") == []


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.VOLUNTEER])
def test_only_a_tenant_admin_changes_roles(in_paris, role):
    actor = person(role)
    someone = person()

    with pytest.raises(AccountsError) as raised:
        user_role_change(user=someone, actor=actor, role=Role.ADMIN)

    assert raised.value.code == AccountsErrorCode.FORBIDDEN
    assert access(someone) == (Role.VOLUNTEER, False, False, True)


def test_a_suspended_admin_cannot_act(in_paris):
    actor = person(Role.ADMIN)
    User.objects.filter(pk=actor.pk).update(is_active=False)
    actor.refresh_from_db()
    someone = person()

    with pytest.raises(AccountsError) as raised:
        user_suspend(user=someone, actor=actor)

    assert raised.value.code == AccountsErrorCode.FORBIDDEN
    assert access(someone) == (Role.VOLUNTEER, False, False, True)


def test_an_admin_demoted_meanwhile_cannot_act(in_paris):
    """The actor object still says admin; the locked rows say otherwise."""
    actor = person(Role.ADMIN)
    User.objects.filter(pk=actor.pk).update(role=Role.VOLUNTEER)
    someone = person()

    with pytest.raises(AccountsError) as raised:
        user_role_change(user=someone, actor=actor, role=Role.MODERATOR)

    assert raised.value.code == AccountsErrorCode.FORBIDDEN
    assert access(someone) == (Role.VOLUNTEER, False, False, True)


def test_the_last_admin_cannot_be_demoted_even_when_confirmed(in_paris):
    actor = person(Role.ADMIN)
    only_admin(actor)

    with pytest.raises(AccountsError) as raised:
        user_role_change(user=actor, actor=actor, role=Role.MODERATOR, confirm_self=True)

    assert raised.value.code == AccountsErrorCode.LAST_TENANT_ADMIN
    assert "last administrator" in raised.value.message
    assert access(actor) == (Role.ADMIN, True, False, True)
    assert audit("user.role_changed") == []


def test_an_admin_lowers_their_own_role_only_when_they_confirm(in_paris):
    actor = person(Role.ADMIN)
    assert len(active_admins()) > 1

    with pytest.raises(AccountsError) as raised:
        user_role_change(user=actor, actor=actor, role=Role.MODERATOR)
    assert (raised.value.code, raised.value.field) == (
        AccountsErrorCode.SELF_CHANGE_UNCONFIRMED,
        "confirm_self",
    )
    assert access(actor) == (Role.ADMIN, True, False, True)

    user_role_change(user=actor, actor=actor, role=Role.MODERATOR, confirm_self=True)

    assert access(actor) == (Role.MODERATOR, False, False, True)
    assert audit("user.role_changed") == [
        {"old_role": "admin", "new_role": "moderator", "by_self": True}
    ]


def test_the_plan_bounds_the_number_of_admins(in_paris):
    actor = person(Role.ADMIN)
    fill_admin_places()
    admins = active_admins()
    assert len(admins) == 5  # city_essential
    someone = person(Role.MODERATOR)

    with pytest.raises(AccountsError) as raised:
        user_role_change(user=someone, actor=actor, role=Role.ADMIN)

    assert (raised.value.code, raised.value.field) == (
        AccountsErrorCode.TENANT_ADMIN_LIMIT_REACHED,
        "role",
    )
    assert "allows 5 tenant administrators" in raised.value.message
    assert access(someone) == (Role.MODERATOR, False, False, True)
    assert active_admins() == admins

    # A place freed, the promotion goes through.
    user_role_change(user=User.objects.get(pk=admins[-1]), actor=actor, role=Role.VOLUNTEER)
    user_role_change(user=someone, actor=actor, role=Role.ADMIN)
    assert access(someone) == (Role.ADMIN, True, False, True)


def test_a_suspended_person_can_be_made_admin_but_not_reactivated_beyond_the_limit(in_paris):
    actor = person(Role.ADMIN)
    suspended = person()
    user_suspend(user=suspended, actor=actor)
    fill_admin_places()

    # A suspended admin takes no place...
    user_role_change(user=suspended, actor=actor, role=Role.ADMIN)
    assert access(suspended) == (Role.ADMIN, True, False, False)
    # ...until reactivated, which the limit refuses.
    with pytest.raises(AccountsError) as raised:
        user_reactivate(user=suspended, actor=actor)

    assert raised.value.code == AccountsErrorCode.TENANT_ADMIN_LIMIT_REACHED
    assert access(suspended) == (Role.ADMIN, True, False, False)
    assert audit("user.reactivated") == []


def test_a_company_plan_allows_ten_admins(in_acme):
    """company_standard: ten active admins, not one more."""
    actor = person(Role.ADMIN)
    assert entitlement_limit(connection.tenant, "max_tenant_admins") == 10
    fill_admin_places()
    with pytest.raises(AccountsError):
        user_role_change(user=person(), actor=actor, role=Role.ADMIN)
    assert len(active_admins()) == 10


# --- Suspension ----------------------------------------------------------------------------------


def _session_for(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store["_auth_user_backend"] = "accounts.backends.TenantAuthenticationBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def test_suspension_ends_the_persons_sessions_and_only_theirs(in_paris):
    actor = person(Role.ADMIN)
    someone = person()
    other = person()
    theirs = [_session_for(someone), _session_for(someone)]
    kept = _session_for(other)

    user_suspend(user=someone, actor=actor)

    assert access(someone) == (Role.VOLUNTEER, False, False, False)
    assert not Session.objects.filter(session_key__in=theirs).exists()
    assert Session.objects.filter(session_key=kept).exists()
    assert audit("user.suspended") == [{"sessions_ended": 2, "by_self": False}]
    # Suspending again changes nothing.
    user_suspend(user=someone, actor=actor)
    assert len(audit("user.suspended")) == 1


def test_user_sessions_end_reads_expired_and_foreign_rows_without_failing(in_paris):
    someone = person()
    Session.objects.create(
        session_key="x" * 32, session_data="not signed data", expire_date="2100-01-01T00:00Z"
    )

    assert user_sessions_end(user=someone) == 0
    assert Session.objects.filter(session_key="x" * 32).exists()


def test_an_admin_suspends_themself_only_when_they_confirm(in_paris):
    actor = person(Role.ADMIN)

    with pytest.raises(AccountsError) as raised:
        user_suspend(user=actor, actor=actor)
    assert (raised.value.code, raised.value.field) == (
        AccountsErrorCode.SELF_CHANGE_UNCONFIRMED,
        "confirm_self",
    )
    assert access(actor)[3] is True

    user_suspend(user=actor, actor=actor, confirm_self=True)
    assert access(actor)[3] is False


def test_the_last_admin_cannot_be_suspended(in_paris):
    actor = person(Role.ADMIN)
    only_admin(actor)

    with pytest.raises(AccountsError) as raised:
        user_suspend(user=actor, actor=actor, confirm_self=True)

    assert raised.value.code == AccountsErrorCode.LAST_TENANT_ADMIN
    assert access(actor) == (Role.ADMIN, True, False, True)


def test_reactivation_lets_the_person_in_again_with_a_new_sign_in(in_paris, paris, client_for):
    actor = person(Role.ADMIN)
    someone = person()
    client = client_for(paris)
    assert login(client, someone.email).status_code == 302
    connection.set_tenant(paris)
    user_suspend(user=someone, actor=actor)

    user_reactivate(user=someone, actor=actor)

    assert access(someone)[3] is True
    assert audit("user.reactivated") == [{}]
    # The session of before the suspension stays ended.
    response = client.get("/mes-engagements/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
