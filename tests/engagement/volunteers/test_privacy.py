"""GDPR: download my data (JSON), delete my account with participations anonymised."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.db.models import Count, Sum
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from accounts.models import User
from engagement.organizations.models import OrganizationMembership
from engagement.participations.models import Participation
from engagement.volunteers.models import VolunteerProfile
from tenants.audit.models import AuditEvent
from tenants.legal.services import terms_accept_current
from tests.accounts.conftest import (
    login,
    login_with_mfa,
    make_user,
    mfa_enable,
    session_user_id,
    set_password,
    tenant_admin,
)
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
    VolunteerProfileFactory,
)


@pytest.fixture
def lea(paris: Any) -> User:
    return make_user(paris, "lea@example.org", first_name="Léa", last_name="Martin")


@pytest.fixture
def engaged(paris: Any, lea: User) -> dict[str, Any]:
    """Léa's footprint in Paris: profile, membership, one attended date, one upcoming."""
    with tenant_context(paris):
        organization = OrganizationFactory(name="Restos du Cœur")
        mission = MissionFactory(organization=organization, title="Maraude du soir")
        past = SlotFactory(
            mission=mission,
            starts_at=timezone.now() - timedelta(days=10),
            ends_at=timezone.now() - timedelta(days=10) + timedelta(hours=3),
        )
        upcoming = SlotFactory(mission=mission, capacity=1)
        attended = ParticipationFactory(
            slot=past,
            volunteer=lea,
            status=Participation.Status.ATTENDED,
            hours=Decimal("3.00"),
            message="Je viens avec un ami",
        )
        confirmed = ParticipationFactory(slot=upcoming, volunteer=lea, message="À bientôt")
        waiting = ParticipationFactory(
            slot=upcoming, volunteer=UserFactory(), status=Participation.Status.WAITLISTED
        )
        other = ParticipationFactory(
            slot=past, status=Participation.Status.ATTENDED, hours=Decimal("2.50")
        )
        VolunteerProfileFactory(user=lea, radius_km=12, home_label="Paris 11e")
        MembershipFactory(organization=organization, user=lea, role="editor")
        EmailAddress.objects.create(user=lea, email="lea@work.example", verified=False)
        SocialAccount.objects.create(
            user=lea,
            provider="facebook",
            uid="10001",
            extra_data={"id": "10001", "name": "Léa Martin", "access_token": "EAAB-secret"},
        )
    return {
        "organization": organization,
        "mission": mission,
        "attended": attended,
        "confirmed": confirmed,
        "waiting": waiting,
        "other": other,
    }


def lea_client(paris: Any, client_for: Any) -> Any:
    client = client_for(paris)
    login(client, "lea@example.org")
    return client


def organization_totals(paris: Any, organization: Any) -> dict[str, Any]:
    with tenant_context(paris):
        return Participation.objects.filter(
            slot__mission__organization=organization, status="attended"
        ).aggregate(count=Count("id"), hours=Sum("hours"))


# --- export -------------------------------------------------------------------------------------


@pytest.fixture
def paris_admin(paris):
    admin = tenant_admin(paris)
    set_password(paris, admin)
    return admin


def test_export_downloads_everything_about_me_without_secrets(paris, client_for, lea, engaged):
    client = lea_client(paris, client_for)

    response = client.get("/accounts/privacy/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="entraide-paris-my-data-'
    )
    data = json.loads(response.content)
    attended, confirmed = engaged["attended"], engaged["confirmed"]
    assert data["format_version"] == 1
    assert data["tenant"] == {"name": "Paris", "slug": "paris"}
    assert {key: data["account"][key] for key in ("id", "email", "first_name", "last_name")} == {
        "id": lea.pk,
        "email": "lea@example.org",
        "first_name": "Léa",
        "last_name": "Martin",
    }
    assert (data["account"]["role"], data["account"]["has_password"]) == ("volunteer", True)
    assert data["email_addresses"] == [
        {"email": "lea@example.org", "verified": True, "primary": True},
        {"email": "lea@work.example", "verified": False, "primary": False},
    ]
    assert [
        (account["provider"], account["uid"], account["data"])
        for account in data["social_accounts"]
    ] == [("facebook", "10001", {"id": "10001", "name": "Léa Martin"})]
    assert "EAAB-secret" not in response.content.decode()
    assert data["two_factor"] == []
    assert data["volunteer_profile"]["radius_km"] == 12
    assert data["volunteer_profile"]["home_label"] == "Paris 11e"
    assert data["organization_memberships"] == [
        {"organization": "Restos du Cœur", "role": "editor"}
    ]
    assert sorted(
        (
            item["id"],
            item["mission"],
            item["organization"],
            item["status"],
            item["hours"],
            item["message"],
        )
        for item in data["participations"]
    ) == sorted(
        [
            (
                attended.pk,
                "Maraude du soir",
                "Restos du Cœur",
                "attended",
                "3.00",
                "Je viens avec un ami",
            ),
            (confirmed.pk, "Maraude du soir", "Restos du Cœur", "confirmed", None, "À bientôt"),
        ]
    )


def test_export_lists_second_factors_but_never_their_secrets(paris, lea, client_for):
    secret = mfa_enable(paris, lea)
    from engagement.volunteers.privacy import user_export_data

    with tenant_context(paris):
        data = user_export_data(user=lea)

    assert [item["type"] for item in data["two_factor"]] == ["totp"]
    assert secret not in json.dumps(data)


def test_export_lists_the_terms_of_use_accepted(paris, lea):
    from engagement.volunteers.privacy import user_export_data

    with tenant_context(paris):
        terms_accept_current(user=lea)
        data = user_export_data(user=lea)

    assert [(item["version"], item["source"]) for item in data["terms_acceptances"]] == [
        (1, "signup")
    ]
    assert data["terms_acceptances"][0]["accepted_at"]


def test_export_costs_a_fixed_number_of_queries(paris, lea, engaged, django_assert_max_num_queries):
    from engagement.volunteers.privacy import user_export_data

    with tenant_context(paris):
        for _ in range(5):
            ParticipationFactory(volunteer=lea)
        # Friends add one query per list: friendships, blocks, invitations, recommendations
        # and notifications (engagement.friends.selectors.friends_export); certificates one.
        with django_assert_max_num_queries(19):
            data = user_export_data(user=lea)

    assert len(data["participations"]) == 7


def test_export_needs_a_signed_in_person(paris, client_for):
    response = client_for(paris).get("/accounts/privacy/export/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/privacy/export/"


def test_export_api_with_a_token_of_this_tenant(paris, lea, client_for):
    with tenant_context(paris):
        token = Token.objects.create(user=lea)

    response = client_for(paris).get(
        "/accounts/api/me/export/", HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert response.status_code == 200
    assert response.json()["account"]["email"] == "lea@example.org"


# --- deletion -----------------------------------------------------------------------------------


def test_delete_anonymises_participations_and_keeps_organization_totals(
    paris, client_for, lea, engaged
):
    mfa_secret = mfa_enable(paris, lea)

    organization = engaged["organization"]
    totals_before = organization_totals(paris, organization)
    client = client_for(paris)
    login_with_mfa(client, "lea@example.org", mfa_secret)

    response = client.post("/accounts/privacy/delete/", {"confirmation": "LEA@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert session_user_id(paris, client) is None
    assert (
        organization_totals(paris, organization)
        == totals_before
        == {
            "count": 2,
            "hours": Decimal("5.50"),
        }
    )
    with tenant_context(paris):
        assert User.objects.filter(email="lea@example.org").exists() is False
        attended = Participation.objects.get(pk=engaged["attended"].pk)
        assert (
            attended.volunteer_id,
            attended.is_anonymised,
            attended.message,
            attended.status,
            attended.hours,
        ) == (None, True, "", "attended", Decimal("3.00"))
        cancelled = Participation.objects.get(pk=engaged["confirmed"].pk)
        assert (cancelled.volunteer_id, cancelled.is_anonymised, cancelled.status) == (
            None,
            True,
            "cancelled",
        )
        # Her seat went to the first person on the waiting list.
        assert Participation.objects.get(pk=engaged["waiting"].pk).status == "confirmed"
        assert Participation.objects.get(pk=engaged["other"].pk).volunteer_id is not None
        assert VolunteerProfile.objects.filter(user_id=lea.pk).exists() is False
        assert OrganizationMembership.objects.filter(user_id=lea.pk).exists() is False
        assert EmailAddress.objects.filter(user_id=lea.pk).exists() is False
        assert SocialAccount.objects.filter(user_id=lea.pk).exists() is False
        assert Authenticator.objects.filter(user_id=lea.pk).exists() is False
        event = AuditEvent.objects.get(action="account.deleted")
        assert (event.actor_id, event.target_type, event.target_id) == (None, "user", lea.pk)
        assert event.data == {
            "by_self": True,
            "participations_anonymised": 2,
            "participations_cancelled": 1,
        }


def test_delete_needs_the_address_typed(paris, client_for, lea):
    client = lea_client(paris, client_for)

    response = client.post("/accounts/privacy/delete/", {"confirmation": "someone@else.org"})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'aria-describedby="id_confirmation_errors"' in page
    with tenant_context(paris):
        assert User.objects.filter(pk=lea.pk).exists() is True
    assert session_user_id(paris, client) == str(lea.pk)


def test_last_tenant_admin_cannot_delete_their_account(paris, paris_admin, client_for):
    secret = mfa_enable(paris, paris_admin)

    client = client_for(paris)
    login_with_mfa(client, paris_admin.email, secret)

    response = client.post("/accounts/privacy/delete/", {"confirmation": paris_admin.email})

    assert response.status_code == 400
    with tenant_context(paris):
        assert User.objects.filter(pk=paris_admin.pk).exists() is True


def test_admin_can_leave_when_another_admin_remains(paris, paris_admin):
    from engagement.volunteers.privacy import user_delete_account

    make_user(paris, "second-admin@paris.example", role=User.Role.ADMIN)
    with tenant_context(paris):
        user_delete_account(user=paris_admin, actor=paris_admin)
        assert User.objects.filter(pk=paris_admin.pk).exists() is False


def test_privacy_page_of_paris_is_anonymous_on_acme(paris, acme, client_for, lea):
    from django.test import Client

    client = lea_client(paris, client_for)
    on_acme = Client(HTTP_HOST=acme.primary_host)
    on_acme.cookies["sessionid"] = client.cookies["sessionid"].value

    response = on_acme.get("/accounts/privacy/export/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
