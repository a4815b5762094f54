"""Invitations (accounts/invitations.py): an account created by an admin with a set-password
e-mail, the address and role checks, the plan's limit, sending the invitation or the address
confirmation again."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import translation

from accounts.errors import AccountsError, AccountsErrorCode
from accounts.invitations import Invitation, user_invitation_resend, user_invite
from accounts.models import User
from accounts.services import user_create
from tests.accounts.conftest import PASSWORD
from tests.accounts.test_roles import access, audit, fill_admin_places, person

pytestmark = pytest.mark.django_db

Role = User.Role


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, their source language."""
    with translation.override("en"):
        yield


def test_an_invited_person_gets_an_account_and_a_link_to_choose_a_password(
    in_paris, paris, django_capture_on_commit_callbacks
):
    actor = person(Role.ADMIN)

    with django_capture_on_commit_callbacks(execute=True):
        invited = user_invite(
            actor=actor,
            email=" Nouvelle.Moderatrice@Example.org ",
            role=Role.MODERATOR,
            first_name="Nina",
            last_name="  Simone ",
        )

    connection.set_tenant(paris)
    invited.refresh_from_db()
    assert (invited.email, invited.first_name, invited.last_name) == (
        "nouvelle.moderatrice@example.org",
        "Nina",
        "Simone",
    )
    assert access(invited) == (Role.MODERATOR, False, False, True)
    assert not invited.has_usable_password()
    assert EmailAddress.objects.get(user=invited).verified
    assert audit("user.invited") == [{"role": "moderator"}]
    assert [message.to for message in mail.outbox] == [["nouvelle.moderatrice@example.org"]]
    body = mail.outbox[0].body
    assert mail.outbox[0].subject.startswith(f"[{paris.name}] ")
    # The tenant's language (French in Paris) and a set-password link on its own origin.
    assert "Choisissez votre mot de passe" in body
    assert f"{paris.base_url}/accounts/password/reset/key/" in body


def test_an_invitation_to_an_address_in_use_is_refused(in_paris):
    actor = person(Role.ADMIN)
    existing = person(email="deja@example.org")

    with pytest.raises(AccountsError) as raised:
        user_invite(actor=actor, email="DEJA@example.org", role=Role.VOLUNTEER)

    assert (raised.value.code, raised.value.field) == (AccountsErrorCode.EMAIL_TAKEN, "email")
    assert User.objects.filter(email__iexact="deja@example.org").get() == existing


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [("pas-une-adresse", Role.VOLUNTEER, "email"), ("ok@example.org", "owner", "role")],
)
def test_bad_invitations_create_nothing(in_paris, email, role, field):
    actor = person(Role.ADMIN)
    before = User.objects.count()

    with pytest.raises(AccountsError) as raised:
        user_invite(actor=actor, email=email, role=role)

    assert raised.value.field == field
    assert User.objects.count() == before


def test_an_invitation_as_admin_respects_the_plan(in_paris):
    actor = person(Role.ADMIN)
    fill_admin_places()

    with pytest.raises(AccountsError) as raised:
        user_invite(actor=actor, email="sixieme@example.org", role=Role.ADMIN)

    assert raised.value.code == AccountsErrorCode.TENANT_ADMIN_LIMIT_REACHED
    assert not User.objects.filter(email="sixieme@example.org").exists()


def test_a_company_invites_only_its_own_domains(in_acme, acme):
    actor = person(Role.ADMIN)

    with pytest.raises(AccountsError) as raised:
        user_invite(actor=actor, email="someone@gmail.example", role=Role.VOLUNTEER)

    assert (raised.value.code, raised.value.field) == (
        AccountsErrorCode.EMAIL_DOMAIN_NOT_ALLOWED,
        "email",
    )
    assert not User.objects.filter(email="someone@gmail.example").exists()


def test_resending_sends_what_is_pending(in_paris, paris, django_capture_on_commit_callbacks):
    actor = person(Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invited = user_invite(actor=actor, email="invitee@example.org", role=Role.VOLUNTEER)
    connection.set_tenant(paris)
    unconfirmed = user_create(email="unconfirmed@example.org", password=PASSWORD)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = user_invitation_resend(user=invited, actor=actor)
        second = user_invitation_resend(user=unconfirmed, actor=actor)

    assert (first, second) == (Invitation.SET_PASSWORD, Invitation.CONFIRM_EMAIL)
    assert [message.to for message in mail.outbox] == [
        ["invitee@example.org"],
        ["unconfirmed@example.org"],
    ]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert f"{paris.base_url}/accounts/confirm-email/" in mail.outbox[1].body
    connection.set_tenant(paris)
    assert [data["kind"] for data in audit("user.invitation_resent")] == [
        "set_password",
        "confirm_email",
    ]


def test_nothing_to_resend_to_someone_who_joined(in_paris):
    actor = person(Role.ADMIN)
    joined = person()

    with pytest.raises(AccountsError) as raised:
        user_invitation_resend(user=joined, actor=actor)

    assert raised.value.code == AccountsErrorCode.INVITATION_NOT_PENDING
    assert audit("user.invitation_resent") == []


def test_the_confirmation_link_sent_again_confirms_the_address(
    paris, client_for, django_capture_on_commit_callbacks
):
    connection.set_tenant(paris)
    actor = person(Role.ADMIN)
    unconfirmed = user_create(email="toconfirm@example.org", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        user_invitation_resend(user=unconfirmed, actor=actor)
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/confirm-email/" in line
    )
    path = link[link.index("/accounts/confirm-email/") :].strip()

    response = Client(HTTP_HOST=paris.primary_host).post(path)

    assert response.status_code == 302
    connection.set_tenant(paris)
    assert EmailAddress.objects.get(user=unconfirmed).verified
