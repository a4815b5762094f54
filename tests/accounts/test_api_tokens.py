"""API tokens of a tenant (accounts.api_tokens) and their authentication on the API
(accounts.authentication.ApiTokenAuthentication): valid, expired, revoked, another tenant's, a
creator who is no longer an admin, the scope, the last-use note at most once a minute."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.api_tokens.models import ApiToken
from accounts.api_tokens.services import (
    MAX_ACTIVE_TOKENS,
    CreatedApiToken,
    api_token_create,
    api_token_expiry_bounds,
    api_token_revoke,
)
from accounts.errors import AccountsError
from accounts.errors import AccountsErrorCode as Code
from accounts.models import User
from engagement.missions.models import Mission
from tenants.audit.models import AuditEvent
from tenants.signing import tenant_tag
from tests.accounts.conftest import make_user
from tests.engagement.factories import MissionFactory
from tests.tenancy import tenant_today

pytestmark = pytest.mark.django_db

ME = "/accounts/api/me/"
READ = ApiToken.Scope.READ
READ_WRITE = ApiToken.Scope.READ_WRITE


def _create(tenant: Any, admin: User, *, scope: str = READ, **kwargs: Any) -> CreatedApiToken:
    with tenant_context(tenant):
        expires_on = kwargs.pop("expires_on", None) or api_token_expiry_bounds()[0]
        return api_token_create(
            actor=admin, name="Intranet", scope=scope, expires_on=expires_on, **kwargs
        )


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def admin(paris: Any) -> User:
    return make_user(paris, "tokens.admin@paris.example", role=User.Role.ADMIN)


def _in_review(tenant: Any) -> Mission:
    with tenant_context(tenant):
        return MissionFactory(status=Mission.Status.IN_REVIEW)


def _status(tenant: Any, mission: Mission) -> str:
    with tenant_context(tenant):
        return Mission.objects.get(pk=mission.pk).status


# --- what is stored ------------------------------------------------------------------------------


def test_the_token_names_its_tenant_and_only_its_hash_is_kept(paris, admin):
    created = _create(paris, admin)

    prefix, tag, secret = created.secret.split("_", 2)
    assert (prefix, tag) == ("ent", tenant_tag(paris))
    assert len(secret) == 43
    with tenant_context(paris):
        stored = ApiToken.objects.get()
        values = ApiToken.objects.values_list().get()
    assert stored.secret_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret not in [str(value) for value in values]
    assert secret not in [str(value) for value in values]
    assert stored.hint == created.secret[-4:]
    assert stored.created_by_id == admin.pk
    assert stored.last_used_at is None


def test_creation_and_revocation_are_audited(paris, admin):
    created = _create(paris, admin, scope=READ_WRITE)
    with tenant_context(paris):
        api_token_revoke(actor=admin, token=created.token)
        api_token_revoke(actor=admin, token=created.token)  # again: nothing more
        rows = list(
            AuditEvent.objects.order_by("id").values_list(
                "actor_id", "action", "target_type", "target_id"
            )
        )

    assert rows == [
        (admin.pk, "api_token.created", "apitoken", created.token.pk),
        (admin.pk, "api_token.revoked", "apitoken", created.token.pk),
    ]


# --- the API ------------------------------------------------------------------------------------


def test_a_valid_token_acts_as_its_creator(paris, admin, client_for):
    created = _create(paris, admin)

    response = client_for(paris).get(ME, **_bearer(created.secret))

    assert response.status_code == 200
    assert response.json()["email"] == "tokens.admin@paris.example"
    with tenant_context(paris):
        assert ApiToken.objects.get().last_used_at is not None


def test_a_read_token_cannot_write(paris, admin, client_for):
    created = _create(paris, admin, scope=READ)
    mission = _in_review(paris)

    response = client_for(paris).post(
        f"/api/v1/missions/{mission.pk}/publish/",
        data="{}",
        content_type="application/json",
        **_bearer(created.secret),
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Ce jeton est en lecture seule.",
        "code": "token_read_only",
        "fields": {},
    }
    assert _status(paris, mission) == Mission.Status.IN_REVIEW
    # It still reads.
    assert client_for(paris).get(ME, **_bearer(created.secret)).status_code == 200


def test_a_read_write_token_writes_and_the_audit_trail_names_it(paris, admin, client_for):
    created = _create(paris, admin, scope=READ_WRITE)
    mission = _in_review(paris)

    response = client_for(paris).post(
        f"/api/v1/missions/{mission.pk}/publish/",
        data="{}",
        content_type="application/json",
        HTTP_USER_AGENT="integration-bot/1.0",
        **_bearer(created.secret),
    )

    assert response.status_code == 200, response.content
    assert _status(paris, mission) == Mission.Status.PUBLISHED
    with tenant_context(paris):
        event = AuditEvent.objects.get(action="mission.published")
    assert event.actor_id == admin.pk
    assert event.data["api_token_id"] == created.token.pk
    assert (event.ip, event.user_agent) == ("127.0.0.1", "integration-bot/1.0")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("revoke", "token_revoked"),
        ("expire", "token_expired"),
        ("suspend_creator", "token_owner_not_admin"),
        ("demote_creator", "token_owner_not_admin"),
    ],
)
def test_a_token_that_may_no_longer_be_used_is_refused(paris, admin, client_for, change, code):
    created = _create(paris, admin, scope=READ_WRITE)
    assert client_for(paris).get(ME, **_bearer(created.secret)).status_code == 200
    with tenant_context(paris):
        if change == "revoke":
            api_token_revoke(actor=admin, token=created.token)
        elif change == "expire":
            ApiToken.objects.filter(pk=created.token.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1),
                created_at=timezone.now() - timedelta(days=2),
            )
        elif change == "suspend_creator":
            User.objects.filter(pk=admin.pk).update(is_active=False)
        else:
            User.objects.filter(pk=admin.pk).update(role=User.Role.MODERATOR)
    mission = _in_review(paris)

    read = client_for(paris).get(ME, **_bearer(created.secret))
    write = client_for(paris).post(
        f"/api/v1/missions/{mission.pk}/publish/",
        data="{}",
        content_type="application/json",
        **_bearer(created.secret),
    )

    for response in (read, write):
        assert response.status_code == 401
        assert response.json()["code"] == code
        assert set(response.json()) == {"detail", "code", "fields"}
    assert _status(paris, mission) == Mission.Status.IN_REVIEW


def test_a_token_expires_at_the_end_of_its_last_day(paris, admin):
    created = _create(paris, admin, expires_on=tenant_today(paris) + timedelta(days=3))

    local = timezone.localtime(created.token.expires_at, created.token.expires_at.tzinfo)
    assert local.date() == tenant_today(paris) + timedelta(days=4)
    assert (local.hour, local.minute) == (0, 0)
    assert str(local.tzinfo) == paris.timezone


def test_a_token_of_paris_is_nobody_on_montreal(paris, montreal, admin, client_for):
    created = _create(paris, admin)

    response = client_for(montreal).get(ME, **_bearer(created.secret))

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_a_token_of_paris_is_refused_on_montreal_even_if_its_hash_were_there(
    paris, montreal, admin, client_for
):
    """The row copied into Montréal's schema (same hash, a Montréal admin as creator): the tag
    names Paris, so Montréal refuses it before any lookup."""
    created = _create(paris, admin, scope=READ_WRITE)
    montreal_admin = make_user(montreal, "tokens.admin@montreal.example", role=User.Role.ADMIN)
    with tenant_context(montreal):
        ApiToken.objects.create(
            name="copy",
            scope=READ_WRITE,
            secret_hash=created.token.secret_hash,
            hint=created.token.hint,
            created_by=montreal_admin,
            expires_at=created.token.expires_at,
        )

    response = client_for(montreal).get(ME, **_bearer(created.secret))

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    with tenant_context(montreal):
        assert ApiToken.objects.get().last_used_at is None
    # The positive control: Montréal's own token works there.
    own = _create(montreal, montreal_admin)
    answer = client_for(montreal).get(ME, **_bearer(own.secret))
    assert answer.json()["email"] == "tokens.admin@montreal.example"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer ent_",
        "Bearer ent_abc",
        "Bearer ent_abcdefgh_",
        "Bearer xyz_abcdefgh_secret",
        "Bearer ent_" + "a" * 200,
        "Bearer ent_é_secret",
    ],
)
def test_malformed_bearer_tokens_are_refused(paris, admin, client_for, header):
    _create(paris, admin)

    response = client_for(paris).get(ME, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["code"] in {"token_invalid", "authentication_failed"}


def test_an_altered_token_is_refused(paris, admin, client_for):
    created = _create(paris, admin)
    altered = created.secret[:-1] + ("A" if created.secret[-1] != "A" else "B")

    response = client_for(paris).get(ME, **_bearer(altered))

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_drf_tokens_keep_working_and_the_challenge_is_unchanged(paris, admin, client_for):
    anonymous = client_for(paris).get(ME)

    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"


def test_the_last_use_is_written_at_most_once_a_minute(paris, admin, client_for):
    created = _create(paris, admin)
    client = client_for(paris)
    client.get(ME, **_bearer(created.secret))
    with tenant_context(paris):
        first = ApiToken.objects.get().last_used_at

    with CaptureQueriesContext(connection) as again:
        client.get(ME, **_bearer(created.secret))
    with tenant_context(paris):
        assert ApiToken.objects.get().last_used_at == first
        ApiToken.objects.update(last_used_at=first - timedelta(seconds=61))
    with CaptureQueriesContext(connection) as later:
        client.get(ME, **_bearer(created.secret))

    def updates(queries: CaptureQueriesContext) -> int:
        return sum(
            query["sql"].startswith('UPDATE "api_tokens_apitoken"')
            for query in queries.captured_queries
        )

    assert first is not None
    assert updates(again) == 0
    assert updates(later) == 1
    with tenant_context(paris):
        assert ApiToken.objects.get().last_used_at > first


# --- the rules of creation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "scope", "days", "field"),
    [
        ("", READ, 30, "name"),
        ("   ", READ, 30, "name"),
        ("x" * 81, READ, 30, "name"),
        ("bell\x07", READ, 30, "name"),
        ("Intranet", "admin", 30, "scope"),
        ("Intranet", READ, 0, "expires_on"),
        ("Intranet", READ, -1, "expires_on"),
        ("Intranet", READ, 366, "expires_on"),
    ],
)
def test_bad_input_creates_nothing(paris, admin, name, scope, days, field):
    with tenant_context(paris), pytest.raises(AccountsError) as refused:
        api_token_create(
            actor=admin,
            name=name,
            scope=scope,
            expires_on=tenant_today(paris) + timedelta(days=days),
        )

    assert (refused.value.code, refused.value.field) == (Code.INVALID, field)
    with tenant_context(paris):
        assert ApiToken.objects.count() == 0
        assert AuditEvent.objects.count() == 0


def test_a_year_is_the_longest_lifetime(paris, admin):
    created = _create(paris, admin, expires_on=tenant_today(paris) + timedelta(days=365))

    assert created.token.expires_at - timezone.now() < timedelta(days=366, hours=1)


@pytest.mark.parametrize("role", [User.Role.VOLUNTEER, User.Role.MODERATOR])
def test_only_tenant_admins_create_or_revoke(paris, admin, role):
    other = make_user(paris, f"{role}@paris.example", role=role)
    created = _create(paris, admin)

    with tenant_context(paris):
        with pytest.raises(AccountsError) as creating:
            api_token_create(
                actor=other,
                name="x",
                scope=READ,
                expires_on=tenant_today(paris) + timedelta(days=5),
            )
        with pytest.raises(AccountsError) as revoking:
            api_token_revoke(actor=other, token=created.token)
        assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1

    assert creating.value.code == revoking.value.code == Code.FORBIDDEN


def test_the_number_of_working_tokens_is_bounded(paris, admin):
    for _ in range(MAX_ACTIVE_TOKENS):
        _create(paris, admin)

    with pytest.raises(AccountsError) as refused:
        _create(paris, admin)
    with tenant_context(paris):
        api_token_revoke(actor=admin, token=ApiToken.objects.first())
    _create(paris, admin)

    assert refused.value.code == Code.TOKEN_LIMIT_REACHED
    with tenant_context(paris):
        assert ApiToken.objects.count() == MAX_ACTIVE_TOKENS + 1


def test_deleting_the_creator_deletes_their_tokens(paris, admin):
    _create(paris, admin)

    with tenant_context(paris):
        User.objects.filter(pk=admin.pk).delete()
        assert ApiToken.objects.count() == 0


def test_the_api_schema_describes_the_tokens(paris, client_for):
    schema = client_for(paris).get("/api/schema/?format=json").json()

    scheme = schema["components"]["securitySchemes"]["apiTokenAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {"apiTokenAuth": []} in schema["paths"]["/api/v1/me/profile/"]["get"]["security"]
