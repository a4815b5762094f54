"""/gestion/personnes/ and /gestion/organisations/: people and roles in the back office.

Tenant admins only (anonymous → sign in, volunteers and moderators → 403, a moderator posting an
admin action → 403); a fixed number of queries however many people; refusals render the page
with the reason and change nothing; another tenant's ids are a 404 and its sessions are nobody.
"""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from accounts.models import User
from billing.entitlements import entitlement_limit
from engagement.organizations.models import OrganizationMembership
from engagement.participations.models import Participation
from tenants.audit.models import AuditEvent
from tests.accounts.conftest import login, make_user, session_user_id
from tests.engagement.factories import (
    MembershipFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Role = User.Role
PEOPLE = "/gestion/personnes/"
ORGANIZATIONS = "/gestion/organisations/"


def person_url(user: User, action: str = "") -> str:
    return f"{PEOPLE}{user.pk}/{action}"


def state(tenant: Any, user: User) -> tuple[str, bool, bool]:
    with tenant_context(tenant):
        user.refresh_from_db()
        return (user.role, user.is_staff, user.is_active)


def actions(tenant: Any) -> list[str]:
    """The audit rows of people and roles (the sign-ins of the test's clients are recorded too)."""
    with tenant_context(tenant):
        events = AuditEvent.objects.exclude(action__startswith="auth.")
        return list(events.order_by("id").values_list("action", flat=True))


def volunteer_in(tenant: Any, email: str = "camille@paris.example", **fields: Any) -> User:
    return make_user(tenant, email, first_name="Camille", last_name="Durand", **fields)


def page(response: Any) -> str:
    return response.content.decode()


# --- Who may open what ----------------------------------------------------------------------------


def _get_paths(tenant: Any) -> list[str]:
    someone = volunteer_in(tenant)
    with tenant_context(tenant):
        organization = OrganizationFactory()
    return [
        PEOPLE,
        f"{PEOPLE}inviter/",
        person_url(someone),
        ORGANIZATIONS,
        f"{ORGANIZATIONS}{organization.pk}/",
    ]


def test_anonymous_visitors_are_sent_to_sign_in(paris, client_for):
    client = client_for(paris)
    for path in _get_paths(paris):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("fixture", ["backoffice_volunteer", "backoffice_moderator"])
def test_volunteers_and_moderators_get_a_403_page(request, paris, fixture):
    client = request.getfixturevalue(fixture)(paris)
    for path in _get_paths(paris):
        assert client.get(path).status_code == 403, path


def test_the_moderators_navigation_has_no_people_entry(paris, backoffice_moderator):
    response = backoffice_moderator(paris).get("/gestion/")

    assert response.status_code == 200
    assert f'href="{PEOPLE}"' not in page(response)


def test_a_tenant_admin_opens_every_page_in_french(paris, backoffice_admin):
    client = backoffice_admin(paris)
    for path in _get_paths(paris):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Language"] == "fr"
    listing = page(client.get(PEOPLE))
    assert f'<a href="{PEOPLE}" aria-current="page">Personnes</a>' in listing
    assert "Inviter une personne" in listing


def test_a_moderator_posting_admin_actions_gets_403_and_nothing_changes(
    paris, backoffice_moderator
):
    client = backoffice_moderator(paris)
    someone = volunteer_in(paris)
    with tenant_context(paris):
        organization = OrganizationFactory()
        membership = MembershipFactory(organization=organization)
    before = actions(paris)

    posts = [
        (person_url(someone, "role/"), {"role": Role.ADMIN}),
        (person_url(someone, "suspendre/"), {}),
        (person_url(someone, "reactiver/"), {}),
        (person_url(someone, "invitation/"), {}),
        (f"{PEOPLE}inviter/", {"email": "new@paris.example", "role": Role.ADMIN}),
        (f"{ORGANIZATIONS}{organization.pk}/administrateurs/", {"email": someone.email}),
        (
            f"{ORGANIZATIONS}{organization.pk}/membres/{membership.pk}/retirer/",
            {"confirm_last_admin": "on"},
        ),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 403, path

    assert state(paris, someone) == (Role.VOLUNTEER, False, True)
    assert actions(paris) == before
    with tenant_context(paris):
        assert not User.objects.filter(email="new@paris.example").exists()
        assert OrganizationMembership.objects.filter(pk=membership.pk).exists()
        assert not OrganizationMembership.objects.filter(user=someone).exists()


# --- Other tenants --------------------------------------------------------------------------------


def test_a_montreal_user_id_is_not_found_on_paris(paris, montreal, backoffice_admin):
    client = backoffice_admin(paris)
    with tenant_context(montreal):
        # An id no Paris user has (ids are per schema).
        stranger = User.objects.create_user(email="stranger@montreal.example", pk=987_654)
    with tenant_context(paris):
        assert not User.objects.filter(pk=stranger.pk).exists()

    assert client.get(person_url(stranger)).status_code == 404
    assert client.post(person_url(stranger, "role/"), {"role": Role.ADMIN}).status_code == 404
    assert client.post(person_url(stranger, "suspendre/")).status_code == 404
    assert state(montreal, stranger) == (Role.VOLUNTEER, False, True)


def test_the_same_id_in_paris_shows_the_paris_person_only(paris, montreal, backoffice_admin):
    client = backoffice_admin(paris)
    montreal_user = volunteer_in(montreal, "homonyme@montreal.example")
    with tenant_context(paris):
        paris_user = User.objects.filter(pk=montreal_user.pk).first()

    response = client.get(person_url(montreal_user))

    assert "homonyme@montreal.example" not in page(response)
    if paris_user is None:
        assert response.status_code == 404
    else:
        assert paris_user.email in page(response)


def test_a_paris_session_is_nobody_on_montreal(paris, montreal, client_for, backoffice_admin):
    client = backoffice_admin(paris)
    elsewhere = client_for(montreal)
    elsewhere.cookies = client.cookies
    target = volunteer_in(montreal, "cible@montreal.example")

    response = elsewhere.get(PEOPLE)
    posted = elsewhere.post(person_url(target, "role/"), {"role": Role.ADMIN})

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PEOPLE}"
    assert (posted.status_code, posted["Location"]) == (
        302,
        f"/accounts/login/?next={person_url(target, 'role/')}",
    )
    assert state(montreal, target) == (Role.VOLUNTEER, False, True)


# --- Finding people -------------------------------------------------------------------------------


def test_people_are_found_by_name_or_email_with_their_facts(paris, backoffice_admin):
    client = backoffice_admin(paris)
    camille = volunteer_in(paris)
    make_user(paris, "dominique@paris.example", first_name="Dominique", role=Role.MODERATOR)
    with tenant_context(paris):
        ParticipationFactory.create_batch(3, volunteer=camille)

    by_name = page(client.get(PEOPLE, {"q": "camille durand"}))
    by_email = page(client.get(PEOPLE, {"q": "DOMINIQUE@"}))
    moderators = page(client.get(PEOPLE, {"role": Role.MODERATOR}))

    assert "1 personne" in by_name
    assert f'href="{person_url(camille)}">Camille Durand</a>' in by_name
    assert "<td>3</td>" in by_name  # participations
    assert "Bénévole" in by_name
    assert "dominique@paris.example" in by_email and "camille@" not in by_email
    assert "dominique@paris.example" in moderators and "camille@" not in moderators


@pytest.mark.parametrize(
    ("query", "field"), [({"role": "owner"}, "role"), ({"status": "banned"}, "status")]
)
def test_an_unknown_filter_is_a_400_with_the_field(paris, backoffice_admin, query, field):
    response = backoffice_admin(paris).get(PEOPLE, query)

    assert response.status_code == 400
    assert f'href="#id_{field}"' in page(response)  # the error summary points at the field
    assert "Sélectionnez un choix valide" in page(response)


def test_the_list_costs_the_same_queries_for_1_and_30_people(paris, backoffice_admin):
    client = backoffice_admin(paris)
    client.get(PEOPLE)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PEOPLE).status_code == 200
        return len(captured)

    small = queries()
    with tenant_context(paris):
        slot = SlotFactory(capacity=100)
        for _ in range(30):
            ParticipationFactory(slot=slot, volunteer=UserFactory())

    assert queries() == small
    # Schema, session, user, second factor; then the count and the page of people.
    assert small <= 6


def test_a_suspended_or_invited_person_shows_their_status(paris, backoffice_admin):
    client = backoffice_admin(paris)
    suspended = volunteer_in(paris, "suspendu@paris.example")
    make_user(paris, "invite@paris.example", password=None)
    with tenant_context(paris):
        User.objects.filter(pk=suspended.pk).update(is_active=False)

    listing = page(client.get(PEOPLE))
    invited_only = page(client.get(PEOPLE, {"status": "invited"}))

    assert 'data-status="suspended">Suspendu' in listing
    assert 'data-status="invited">Invitation en attente' in listing
    assert "invite@paris.example" in invited_only and "suspendu@" not in invited_only


# --- A person's page ------------------------------------------------------------------------------


def test_a_persons_page_shows_participations_and_organizations(paris, backoffice_admin):
    client = backoffice_admin(paris)
    camille = volunteer_in(paris)
    with tenant_context(paris):
        participation = ParticipationFactory(
            volunteer=camille, status=Participation.Status.WAITLISTED
        )
        membership = MembershipFactory(
            user=camille, organization=OrganizationFactory(name="Les Amis")
        )

    response = client.get(person_url(camille))
    content = page(response)

    assert response.status_code == 200
    assert participation.slot.mission.title in content
    assert "Sur liste d&#x27;attente" in content
    assert f'href="{ORGANIZATIONS}{membership.organization_id}/">Les Amis</a>' in content


def test_a_persons_page_costs_the_same_queries_whatever_they_did(paris, backoffice_admin):
    client = backoffice_admin(paris)
    camille = volunteer_in(paris)
    with tenant_context(paris):
        ParticipationFactory(volunteer=camille)
        MembershipFactory(user=camille)
    client.get(person_url(camille))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(person_url(camille)).status_code == 200
        return len(captured)

    small = queries()
    with tenant_context(paris):
        for _ in range(12):
            ParticipationFactory(volunteer=camille)
        for _ in range(4):
            MembershipFactory(user=camille)

    assert queries() == small
    # Schema, session, user, second factor; the person, their participations (count and page)
    # and their memberships.
    assert small <= 8


# --- Roles ----------------------------------------------------------------------------------------


def test_an_admin_appoints_a_moderator_then_an_admin(paris, backoffice_admin):
    client = backoffice_admin(paris)
    camille = volunteer_in(paris)

    first = client.post(person_url(camille, "role/"), {"role": Role.MODERATOR})
    second = client.post(person_url(camille, "role/"), {"role": Role.ADMIN})

    assert (first.status_code, first["Location"]) == (302, person_url(camille))
    assert second.status_code == 302
    assert state(paris, camille) == (Role.ADMIN, True, True)
    with tenant_context(paris):
        events = list(
            AuditEvent.objects.filter(action="user.role_changed", target_id=camille.pk)
            .order_by("id")
            .values_list("actor_id", "data")
        )
    assert events == [
        (client.user.pk, {"old_role": "volunteer", "new_role": "moderator", "by_self": False}),
        (client.user.pk, {"old_role": "moderator", "new_role": "admin", "by_self": False}),
    ]
    assert "est maintenant : Administrateur" in page(client.get(person_url(camille)))


@pytest.mark.parametrize("role", ["owner", "", "ADMIN"])
def test_an_unknown_role_is_a_400_next_to_the_field(paris, backoffice_admin, role):
    client = backoffice_admin(paris)
    camille = volunteer_in(paris)
    before = actions(paris)

    response = client.post(person_url(camille, "role/"), {"role": role})

    assert response.status_code == 400
    assert 'href="#role-role_0"' in page(response)  # the error summary points at the field
    assert state(paris, camille) == (Role.VOLUNTEER, False, True)
    assert actions(paris) == before


def test_an_admin_lowers_their_own_role_only_with_the_box_ticked(paris, backoffice_admin):
    client = backoffice_admin(paris)
    me = client.user

    refused = client.post(person_url(me, "role/"), {"role": Role.MODERATOR})

    assert refused.status_code == 400
    assert "cochez la case pour confirmer" in page(refused)
    assert 'name="confirm_self"' in page(refused)
    assert state(paris, me) == (Role.ADMIN, True, True)

    done = client.post(person_url(me, "role/"), {"role": Role.MODERATOR, "confirm_self": "on"})

    assert (done.status_code, done["Location"]) == (302, "/")
    assert state(paris, me) == (Role.MODERATOR, False, True)
    assert client.get(PEOPLE).status_code == 403


def test_the_last_admin_stays_admin_even_when_confirmed(paris, backoffice_admin):
    client = backoffice_admin(paris)
    me = client.user
    with tenant_context(paris):
        User.objects.filter(role=Role.ADMIN).exclude(pk=me.pk).update(is_active=False)

    response = client.post(person_url(me, "role/"), {"role": Role.VOLUNTEER, "confirm_self": "on"})

    assert response.status_code == 409
    assert "dernier administrateur de ce site" in page(response)
    assert state(paris, me) == (Role.ADMIN, True, True)


def test_the_plan_limit_of_admins_is_named_and_nothing_changes(paris, backoffice_admin):
    client = backoffice_admin(paris)
    limit = entitlement_limit(paris, "max_tenant_admins")
    assert limit == 5  # city_essential (tests/billing/conftest.py)
    with tenant_context(paris):
        while User.objects.filter(role=Role.ADMIN, is_active=True).count() < limit:
            UserFactory(role=Role.ADMIN)
    camille = volunteer_in(paris)
    before = actions(paris)

    promoted = client.post(person_url(camille, "role/"), {"role": Role.ADMIN})
    invited = client.post(
        f"{PEOPLE}inviter/", {"email": "sixieme@paris.example", "role": Role.ADMIN}
    )

    assert promoted.status_code == 409
    assert "permet 5 administrateurs" in page(promoted)
    assert state(paris, camille) == (Role.VOLUNTEER, False, True)
    assert invited.status_code == 409
    assert "permet 5 administrateurs" in page(invited)
    assert actions(paris) == before
    with tenant_context(paris):
        assert User.objects.filter(role=Role.ADMIN, is_active=True).count() == 5
        assert not User.objects.filter(email="sixieme@paris.example").exists()


# --- Suspension -----------------------------------------------------------------------------------


def test_suspension_signs_the_person_out_and_keeps_them_out(paris, client_for, backoffice_admin):
    admin = backoffice_admin(paris)
    camille = volunteer_in(paris)
    theirs = client_for(paris)
    login(theirs, camille.email)
    assert session_user_id(paris, theirs) == str(camille.pk)

    response = admin.post(person_url(camille, "suspendre/"))

    assert (response.status_code, response["Location"]) == (302, person_url(camille))
    assert state(paris, camille) == (Role.VOLUNTEER, False, False)
    # Their next request is anonymous, and their session is gone for good.
    signed_out = theirs.get("/mes-engagements/")
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith("/accounts/login/")
    assert session_user_id(paris, theirs) is None
    # Signing in again leads to the page that says why.
    attempt = login(client_for(paris), camille.email)
    assert (attempt.status_code, attempt["Location"]) == (302, "/accounts/inactive/")
    inactive = client_for(paris).get("/accounts/inactive/")
    assert "Compte suspendu" in page(inactive)
    assert "a suspendu ce compte" in page(inactive)

    # Reactivated, they sign in again (the old session stays ended).
    assert admin.post(person_url(camille, "reactiver/")).status_code == 302
    assert state(paris, camille) == (Role.VOLUNTEER, False, True)
    assert theirs.get("/mes-engagements/").status_code == 302
    assert login(client_for(paris), camille.email)["Location"] == "/"
    assert actions(paris)[-2:] == ["user.suspended", "user.reactivated"]


def test_an_admin_suspends_themself_only_with_the_box_ticked(paris, backoffice_admin):
    client = backoffice_admin(paris)
    me = client.user

    refused = client.post(person_url(me, "suspendre/"))
    assert refused.status_code == 400
    assert state(paris, me)[2] is True

    done = client.post(person_url(me, "suspendre/"), {"confirm_self": "on"})

    assert (done.status_code, done["Location"]) == (302, "/")
    assert state(paris, me)[2] is False
    assert session_user_id(paris, client) is None


def test_reactivating_an_admin_beyond_the_limit_is_refused(paris, backoffice_admin):
    client = backoffice_admin(paris)
    suspended_admin = make_user(paris, "ancien.admin@paris.example", role=Role.ADMIN)
    with tenant_context(paris):
        User.objects.filter(pk=suspended_admin.pk).update(is_active=False)
        while User.objects.filter(role=Role.ADMIN, is_active=True).count() < 5:
            UserFactory(role=Role.ADMIN)

    response = client.post(person_url(suspended_admin, "reactiver/"))

    assert response.status_code == 409
    assert "permet 5 administrateurs" in page(response)
    assert state(paris, suspended_admin) == (Role.ADMIN, True, False)


# --- Invitations ----------------------------------------------------------------------------------


def test_an_admin_invites_a_person_who_gets_the_email(
    paris, backoffice_admin, django_capture_on_commit_callbacks
):
    client = backoffice_admin(paris)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{PEOPLE}inviter/",
            {
                "email": "Nouveau.Moderateur@Paris.example",
                "first_name": "Nour",
                "role": Role.MODERATOR,
            },
        )

    with tenant_context(paris):
        invited = User.objects.get(email="nouveau.moderateur@paris.example")
        assert AuditEvent.objects.filter(action="user.invited", target_id=invited.pk).exists()
    assert (response.status_code, response["Location"]) == (302, person_url(invited))
    assert state(paris, invited) == (Role.MODERATOR, False, True)
    assert [message.to for message in mail.outbox] == [["nouveau.moderateur@paris.example"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    detail = page(client.get(person_url(invited)))
    assert "Invitation en attente" in detail
    assert "Renvoyer l’invitation" in detail


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "pas-une-adresse", "role": Role.VOLUNTEER}, "Saisissez une adresse"),
        ({"email": "ok@paris.example", "role": "owner"}, "Sélectionnez un choix valide"),
        ({"email": "camille@paris.example", "role": Role.VOLUNTEER}, "utilise déjà cette adresse"),
    ],
)
def test_bad_invitations_are_a_400_and_create_nothing(paris, backoffice_admin, data, message):
    client = backoffice_admin(paris)
    volunteer_in(paris)
    with tenant_context(paris):
        before = User.objects.count()

    response = client.post(f"{PEOPLE}inviter/", data)

    assert response.status_code == 400
    assert message in page(response)
    with tenant_context(paris):
        assert User.objects.count() == before


def test_resending_an_invitation(paris, backoffice_admin, django_capture_on_commit_callbacks):
    client = backoffice_admin(paris)
    invited = make_user(paris, "pas.encore@paris.example", password=None)
    joined = volunteer_in(paris)

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(person_url(invited, "invitation/"))
    nothing = client.post(person_url(joined, "invitation/"))

    assert (sent.status_code, sent["Location"]) == (302, person_url(invited))
    assert [message.to for message in mail.outbox] == [["pas.encore@paris.example"]]
    assert nothing.status_code == 409
    assert "rien à envoyer" in page(nothing)
    assert actions(paris).count("user.invitation_resent") == 1


# --- Organizations and their admins ---------------------------------------------------------------


@pytest.fixture
def association(paris):
    with tenant_context(paris):
        organization = OrganizationFactory(name="Les Restos du Quartier")
        first_admin = MembershipFactory(organization=organization)
    return organization, first_admin


def test_an_admin_appoints_an_organization_admin_by_email(paris, backoffice_admin, association):
    client = backoffice_admin(paris)
    organization, _ = association
    camille = volunteer_in(paris)
    with tenant_context(paris):
        editor = MembershipFactory(organization=organization, role="editor").user

    added = client.post(
        f"{ORGANIZATIONS}{organization.pk}/administrateurs/", {"email": "CAMILLE@paris.example"}
    )
    promoted = client.post(
        f"{ORGANIZATIONS}{organization.pk}/administrateurs/", {"email": editor.email}
    )

    assert (added.status_code, added["Location"]) == (302, f"{ORGANIZATIONS}{organization.pk}/")
    assert promoted.status_code == 302
    with tenant_context(paris):
        roles = dict(
            OrganizationMembership.objects.filter(organization=organization).values_list(
                "user_id", "role"
            )
        )
        added_events = list(
            AuditEvent.objects.filter(action="organization.member_added")
            .order_by("id")
            .values_list("data", flat=True)
        )
    assert roles[camille.pk] == roles[editor.pk] == "admin"
    assert [(event["user_id"], event["previous_role"]) for event in added_events] == [
        (camille.pk, None),
        (editor.pk, "editor"),
    ]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("personne@paris.example", "invitez d’abord la personne"),
        ("pas-une-adresse", "Saisissez une adresse"),
    ],
)
def test_appointing_an_unknown_address_is_a_400(
    paris, backoffice_admin, association, email, message
):
    client = backoffice_admin(paris)
    organization, _ = association

    response = client.post(f"{ORGANIZATIONS}{organization.pk}/administrateurs/", {"email": email})

    assert response.status_code == 400
    assert message in page(response)
    with tenant_context(paris):
        assert OrganizationMembership.objects.filter(organization=organization).count() == 1


def test_the_last_organization_admin_goes_only_when_confirmed(paris, backoffice_admin, association):
    client = backoffice_admin(paris)
    organization, last_admin = association
    path = f"{ORGANIZATIONS}{organization.pk}/membres/{last_admin.pk}/retirer/"

    refused = client.post(path)

    assert refused.status_code == 409
    assert "cochez la case pour confirmer" in page(refused)
    with tenant_context(paris):
        assert OrganizationMembership.objects.filter(pk=last_admin.pk).exists()

    removed = client.post(path, {"confirm_last_admin": "on"})

    assert removed.status_code == 302
    with tenant_context(paris):
        assert not OrganizationMembership.objects.filter(pk=last_admin.pk).exists()
        event = AuditEvent.objects.get(action="organization.member_removed")
    assert event.actor_id == client.user.pk
    assert event.data["last_admin"] is True
    assert "n’a pas d’administrateur" in page(client.get(f"{ORGANIZATIONS}{organization.pk}/"))


def test_another_organizations_membership_is_not_found(paris, backoffice_admin, association):
    client = backoffice_admin(paris)
    organization, _ = association
    with tenant_context(paris):
        elsewhere = MembershipFactory()

    response = client.post(
        f"{ORGANIZATIONS}{organization.pk}/membres/{elsewhere.pk}/retirer/",
        {"confirm_last_admin": "on"},
    )

    assert response.status_code == 404
    with tenant_context(paris):
        assert OrganizationMembership.objects.filter(pk=elsewhere.pk).exists()


def test_the_organization_pages_cost_the_same_queries_whatever_the_size(
    paris, backoffice_admin, association
):
    client = backoffice_admin(paris)
    organization, _ = association
    detail = f"{ORGANIZATIONS}{organization.pk}/"
    client.get(ORGANIZATIONS)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    small = (queries(ORGANIZATIONS), queries(detail))
    with tenant_context(paris):
        for _ in range(8):
            MembershipFactory(organization=organization, role="editor")
            MembershipFactory(organization=OrganizationFactory())

    assert (queries(ORGANIZATIONS), queries(detail)) == small
    # Schema, session, user, second factor; then two queries each.
    assert max(small) <= 6


def test_an_email_address_of_another_tenant_is_unknown_here(
    paris, montreal, backoffice_admin, association
):
    client = backoffice_admin(paris)
    organization, _ = association
    make_user(montreal, "quebecoise@montreal.example")

    response = client.post(
        f"{ORGANIZATIONS}{organization.pk}/administrateurs/",
        {"email": "quebecoise@montreal.example"},
    )

    assert response.status_code == 400
    with tenant_context(paris):
        assert not EmailAddress.objects.filter(email="quebecoise@montreal.example").exists()
