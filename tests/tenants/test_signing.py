"""Every token the product issues names its tenant (tenants/signing.py).

The token matrix is generated from tenants.signing.REGISTRY: every registered kind, minted on
each of Paris, Montréal, Acme and the public host, is sent to every host through real HTTP
requests. Minted elsewhere it is refused (404/401/403 or an "invalid link" page) and nothing
changes in any schema; minted on the same host it works (the positive control). The attack
from issue 11 is reproduced: the same user pk, EmailAddress pk, e-mail and password hash exist
in every schema, so only the tenant binding tells them apart.

The guard tests fail when code signs something outside the registry, or when a kind has no
matrix harness.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import resolve
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from accounts.api_tokens.services import api_token_create, api_token_expiry_bounds
from accounts.models import User
from accounts.services import user_set_password_path
from engagement.alerts.models import SavedSearch
from engagement.alerts.services import saved_search_create
from engagement.backoffice.models import ExportJob
from engagement.backoffice.services_exports import export_download_token
from engagement.calendars.services import calendar_feed_create
from engagement.directory.models import DirectoryIdentity
from engagement.directory.services import directory_token_create
from engagement.emails.delivery import EmailCategory, unsubscribe_token
from engagement.emails.models import EmailPreferences
from engagement.friends.models import FriendInvitation, Friendship
from engagement.friends.services import friend_link_create
from engagement.missions.search import MissionSearchFilters
from engagement.organizations.models import OrganizationInvitation, OrganizationMembership
from engagement.organizations.services import organization_invite
from engagement.participations.models import Participation
from engagement.programmes.models import EmployeeProfile
from engagement.reminders.models import Reminder
from engagement.reminders.services import Action, reminder_answer_token
from engagement.reports.services import certificate_issue
from engagement.worktime.links import Decision, work_time_decision_token
from engagement.worktime.models import WorkTimeRequest
from signup.models import SignupRequest
from signup.services import signup_handoff_url
from tenants.audit.models import AuditEvent
from tenants.context import tenant_context
from tenants.signing import (
    PUBLIC_SCOPE,
    REGISTRY,
    InvalidToken,
    Mechanism,
    TenantCookieStorage,
    UnknownTokenKind,
    stored_token,
    tenant_dumps,
    tenant_loads,
    tenant_scope,
)
from tests.engagement.factories import (
    ExportJobFactory,
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOSTS = ("paris", "montreal", "acme", "public")
TENANT_HOSTS = HOSTS[:3]

# The victim of issue 11's attack, identical in every schema: far above what the sequences
# reach in a test session, so the explicit pks never collide with rows the services create.
VICTIM_PK = 990_001
ADDRESS_PK = 990_001
VICTIM_EMAIL = "victim@example.org"
OLD_PASSWORD = "an old long passphrase"
NEW_PASSWORD = "a new long passphrase"
PROBE = "signing-probe-7c1e"


@dataclass
class World:
    """The four hosts, and the victim with the same pk, address and password in each schema."""

    tenants: dict[str, Any]
    client_for: Callable[..., Client]
    # Filled by a harness's prepare(): e.g. the organizations of the invitation case.
    extra: dict[str, Any] = field(default_factory=dict)

    def scope(self, host: str) -> AbstractContextManager[Any]:
        if host == "public":
            return schema_context("public")
        return tenant_context(self.tenants[host])

    def client(self, host: str) -> Client:
        return self.client_for(self.tenants[host] if host != "public" else None)

    def victim(self, host: str) -> User:
        with self.scope(host):
            return User.objects.get(pk=VICTIM_PK)


def _victim_create(world: World, host: str, password_hash: str) -> None:
    """Rows written directly: the attack needs chosen pks, which no service lets one pick."""
    with world.scope(host):
        staff = host == "public"  # platform staff: what the console and platform API accept
        user = User.objects.create_user(
            pk=VICTIM_PK, email=VICTIM_EMAIL, is_staff=staff, is_superuser=staff
        )
        User.objects.filter(pk=user.pk).update(password=password_hash)
        if host != "public":
            EmailAddress.objects.create(
                pk=ADDRESS_PK, user=user, email=VICTIM_EMAIL, primary=True, verified=False
            )


@pytest.fixture
def world(paris: Any, montreal: Any, acme: Any, client_for: Callable[..., Client]) -> World:
    world = World(
        tenants={"paris": paris, "montreal": montreal, "acme": acme, "public": None},
        client_for=client_for,
    )
    password_hash = make_password(OLD_PASSWORD)
    for host in HOSTS:
        _victim_create(world, host, password_hash)
    return world


def _logged_in(world: World, host: str) -> Client:
    client = world.client(host)
    with world.scope(host):
        user = User.objects.get(pk=VICTIM_PK)
        client.force_login(user)
        if host == "public":
            # Platform staff: the console also wants the second factor passed in the session.
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device, _ = TOTPDevice.objects.get_or_create(
                user=user, name="console", defaults={"confirmed": True}
            )
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


def _visitor(world: World, host: str) -> Client:
    """Who follows a link: anyone, except on a private tenant (Acme), whose pages answer its
    signed-in members only (tenants.private_access): there, the victim signed in."""
    tenant = world.tenants[host] if host != "public" else None
    if tenant is not None and tenant.is_private:
        return _logged_in(world, host)
    return world.client(host)


# --- one harness per registered kind -------------------------------------------------------------


@dataclass(frozen=True)
class Harness:
    """How a kind is minted and used over HTTP, and what its use changes.

    mint(world, origin) -> token; use(world, target, token) -> response;
    snapshot(world) -> the state a successful use changes, in every schema (compared before and
    after); leaked(response) -> the response shows what only the token's owner may see.
    """

    origins: tuple[str, ...]
    serves: tuple[str, ...]
    mint: Callable[[World, str], str]
    use: Callable[[World, str, str], HttpResponse]
    refused: frozenset[int]
    accepted: frozenset[int]
    snapshot: Callable[[World], dict[str, Any]] = lambda world: {}
    leaked: Callable[[HttpResponse], bool] = lambda response: False
    prepare: Callable[[World], None] = lambda world: None


# e-mail confirmation: the key allauth's adapter puts in the e-mail.


def _confirmation_mint(world: World, origin: str) -> str:
    if origin == "public":
        # No sign-up on the public host: a key signed in its scope, as a forger there would.
        with world.scope(origin):
            return tenant_dumps("email_confirmation", ADDRESS_PK)
    from django.core import mail

    client = _logged_in(world, origin)
    before = len(mail.outbox)
    response = client.post("/accounts/email/", {"action_send": "", "email": VICTIM_EMAIL})
    assert response.status_code == 302, response.content[:300]
    assert len(mail.outbox) == before + 1
    match = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[-1].body)
    assert match is not None, mail.outbox[-1].body
    return match.group(1)


def _confirmation_use(world: World, target: str, key: str) -> HttpResponse:
    client = world.client(target)
    page = client.get(f"/accounts/confirm-email/{key}/")
    response = client.post(f"/accounts/confirm-email/{key}/")
    # The page and the action agree: an invalid link is a 404 page, a valid one a form.
    assert (page.status_code == 404) == (response.status_code == 404)
    return response


def _confirmation_snapshot(world: World) -> dict[str, Any]:
    state = {}
    for host in TENANT_HOSTS:
        with world.scope(host):
            state[host] = EmailAddress.objects.get(pk=ADDRESS_PK).verified
    return state


# password reset: the link allauth e-mails, and the set-password link of a tenant's first admin.


def _reset_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        return user_set_password_path(user=User.objects.get(pk=VICTIM_PK))


def _reset_use(world: World, target: str, path: str) -> HttpResponse:
    client = world.client(target)
    response = client.get(path)
    form_path = response["Location"] if response.status_code == 302 else path
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return client.post(form_path, data)


def _reset_snapshot(world: World) -> dict[str, Any]:
    return {host: world.victim(host).password for host in HOSTS}


# messages cookie: Django's messages framework keeps pending messages in a signed cookie.


def _messages_mint(world: World, origin: str) -> str:
    tenant = world.tenants[origin]
    host = tenant.primary_host if tenant is not None else settings.BASE_DOMAIN
    with world.scope(origin):
        request = RequestFactory().get("/", HTTP_HOST=host)
        storage = TenantCookieStorage(request)
        storage.add(messages.INFO, PROBE)
        response = HttpResponse()
        storage.update(response)
    return response.cookies["messages"].value


def _messages_use(world: World, target: str, cookie: str) -> HttpResponse:
    client = _visitor(world, target)
    client.cookies["messages"] = cookie
    return client.get("/")


# invitation: a random token stored in the tenant's schema.


def _invitation_prepare(world: World) -> None:
    for host in TENANT_HOSTS:
        with world.scope(host):
            membership = MembershipFactory(organization=OrganizationFactory())
            world.extra[host] = membership


def _invitation_mint(world: World, origin: str) -> str:
    membership = world.extra[origin]
    with world.scope(origin):
        invitation = organization_invite(
            organization=membership.organization,
            actor=membership.user,
            email=VICTIM_EMAIL,
            role=OrganizationMembership.Role.EDITOR,
        )
    return invitation.token


def _invitation_use(world: World, target: str, token: str) -> HttpResponse:
    if target == "public":
        return world.client(target).post(f"/organisation/invitation/{token}/")
    return _logged_in(world, target).post(f"/organisation/invitation/{token}/")


def _invitation_snapshot(world: World) -> dict[str, Any]:
    state = {}
    for host in TENANT_HOSTS:
        with world.scope(host):
            state[host] = (
                OrganizationMembership.objects.filter(user_id=VICTIM_PK).count(),
                OrganizationInvitation.objects.filter(accepted_at__isnull=False).count(),
            )
    return state


# friend_invitation: a random token stored in the tenant's schema (a link to become friends).


def _friend_invitation_prepare(world: World) -> None:
    for host in TENANT_HOSTS:
        with world.scope(host):
            world.extra[f"friend:{host}"] = UserFactory()


def _friend_invitation_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        return friend_link_create(inviter=world.extra[f"friend:{origin}"]).token


def _friend_invitation_use(world: World, target: str, token: str) -> HttpResponse:
    if target == "public":
        return world.client(target).post(f"/amis/invitation/{token}/", {"answer": "accept"})
    return _logged_in(world, target).post(f"/amis/invitation/{token}/", {"answer": "accept"})


def _friend_invitation_snapshot(world: World) -> dict[str, Any]:
    state = {}
    for host in TENANT_HOSTS:
        with world.scope(host):
            state[host] = (
                Friendship.objects.filter(addressee_id=VICTIM_PK).count(),
                FriendInvitation.objects.filter(used_at__isnull=False).count(),
            )
    return state


# session and API token: random keys stored in the schema.


def _session_mint(world: World, origin: str) -> str:
    return _logged_in(world, origin).cookies[settings.SESSION_COOKIE_NAME].value


def _session_use(world: World, target: str, key: str) -> HttpResponse:
    client = world.client(target)
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    if target == "public":
        return client.get("/console/")
    return client.get("/accounts/api/me/")


def _token_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        return Token.objects.create(user_id=VICTIM_PK).key


def _token_use(world: World, target: str, key: str) -> HttpResponse:
    path = "/api/platform/v1/tenants/" if target == "public" else "/accounts/api/me/"
    return world.client(target).get(path, HTTP_AUTHORIZATION=f"Token {key}")


# export download: a signed link to a finished export of the back office, for its admin.

EXPORT_PK = 990_001


def _export_prepare(world: World) -> None:
    """In every tenant, the victim is a tenant admin (with a second factor, as /gestion/ asks)
    and has a finished export with the same pk: only the link's tenant binding tells them
    apart."""
    for host in TENANT_HOSTS:
        with world.scope(host):
            User.objects.filter(pk=VICTIM_PK).update(role=User.Role.ADMIN)
            Authenticator.objects.create(user_id=VICTIM_PK, type=Authenticator.Type.TOTP, data={})
            ExportJobFactory(
                pk=EXPORT_PK,
                requested_by_id=VICTIM_PK,
                status=ExportJob.Status.DONE,
                expires_at=timezone.now() + timedelta(hours=1),
                content=f"{PROBE} {host}".encode(),
            )


def _export_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        if origin == "public":
            # No back office on the public host: a link signed in its scope, as a forger would.
            return tenant_dumps("export_download", {"job": EXPORT_PK, "user": VICTIM_PK})
        return export_download_token(job=ExportJob.objects.get(pk=EXPORT_PK))


def _export_use(world: World, target: str, token: str) -> HttpResponse:
    path = f"/gestion/exports/telechargement/{token}/"
    if target == "public":
        return world.client(target).get(path)
    return _logged_in(world, target).get(path)


def _export_snapshot(world: World) -> dict[str, Any]:
    state = {}
    for host in TENANT_HOSTS:
        with world.scope(host):
            state[host] = AuditEvent.objects.filter(action="export.downloaded").count()
    return state


def _export_leaked(response: HttpResponse) -> bool:
    if not getattr(response, "streaming", False):
        return PROBE in response.content.decode()
    return PROBE.encode() in b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.fixture
def _export_files_removed(world: World) -> Iterator[None]:
    """The rows roll back with the test; the files the exports stored would not."""
    yield
    for host in TENANT_HOSTS:
        with world.scope(host):
            for job in ExportJob.objects.exclude(file=""):
                job.file.storage.delete(job.file.name)


# reminder answer: the "Yes, I'm coming" / "I can't come" / hours links of reminder e-mails.

REMINDER_PK = 990_001


def _reminder_prepare(world: World) -> None:
    """In every tenant, the victim has a confirmed participation and a "Still coming?" reminder
    with the same pk: only the link's tenant binding tells them apart."""
    for host in TENANT_HOSTS:
        with world.scope(host):
            participation = ParticipationFactory(volunteer_id=VICTIM_PK)
            Reminder.objects.create(
                pk=REMINDER_PK, participation=participation, kind=Reminder.Kind.STILL_COMING
            )


def _reminder_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        if origin == "public":
            # No reminders on the public host: a link signed in its scope, as a forger would.
            return tenant_dumps("reminder_answer", {"r": REMINDER_PK, "a": "yes"})
        return reminder_answer_token(
            reminder=Reminder.objects.get(pk=REMINDER_PK), action=Action.YES
        )


def _reminder_use(world: World, target: str, token: str) -> HttpResponse:
    return _visitor(world, target).post(f"/rappels/{token}/")


def _reminder_snapshot(world: World) -> dict[str, Any]:
    state = {}
    for host in TENANT_HOSTS:
        with world.scope(host):
            state[host] = Reminder.objects.filter(answer=Reminder.Answer.COMING).count()
    return state


# tenant API token: `ent_<tenant tag>_<secret>`, only its hash stored in the tenant's schema.


def _tenant_api_token_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        # Tokens act as their creator while they are a tenant admin.
        User.objects.filter(pk=VICTIM_PK).update(role=User.Role.ADMIN)
        return api_token_create(
            actor=User.objects.get(pk=VICTIM_PK),
            name="probe",
            scope="read",
            expires_on=api_token_expiry_bounds()[0],
        ).secret


def _tenant_api_token_use(world: World, target: str, token: str) -> HttpResponse:
    path = "/api/platform/v1/tenants/" if target == "public" else "/accounts/api/me/"
    return world.client(target).get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


# directory token: `scim_<tenant tag>_<secret>`, only its hash stored; SCIM on companies only.


def _directory_token_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        User.objects.filter(pk=VICTIM_PK).update(role=User.Role.ADMIN)
        return directory_token_create(actor=User.objects.get(pk=VICTIM_PK)).secret


def _directory_token_use(world: World, target: str, token: str) -> HttpResponse:
    body = {"userName": f"{PROBE}@example.org", "emails": [{"value": f"{PROBE}@example.org"}]}
    return world.client(target).post(
        "/scim/v2/Users",
        data=body,
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _directory_token_snapshot(world: World) -> dict[str, Any]:
    counts = {}
    for host in TENANT_HOSTS:
        with world.scope(host):
            counts[host] = DirectoryIdentity.objects.filter(user_name__startswith=PROBE).count()
    return counts


# calendar feed: a random token, only its hash stored in the tenant's schema.


def _calendar_feed_prepare(world: World) -> None:
    """In every tenant the victim has a participation on a mission whose title is the probe,
    so a feed served to the wrong tenant would show it."""
    for host in TENANT_HOSTS:
        with world.scope(host):
            ParticipationFactory(
                volunteer=User.objects.get(pk=VICTIM_PK),
                slot=SlotFactory(mission=MissionFactory(title=f"{PROBE} {host}")),
            )


def _calendar_feed_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        return calendar_feed_create(owner=User.objects.get(pk=VICTIM_PK)).token


def _calendar_feed_use(world: World, target: str, token: str) -> HttpResponse:
    return world.client(target).get(f"/agenda/{token}.ics")


# saved-search unsubscribe: a random token stored in the tenant's schema, used without a session.


def _unsubscribe_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        saved_search = saved_search_create(
            user=User.objects.get(pk=VICTIM_PK),
            name=PROBE,
            frequency="daily",
            filters=MissionSearchFilters(),
        )
        return saved_search.unsubscribe_token


def _unsubscribe_use(world: World, target: str, token: str) -> HttpResponse:
    return world.client(target).post(f"/alertes/desabonnement/{token}/")


def _unsubscribe_snapshot(world: World) -> dict[str, Any]:
    state = {}
    for host in TENANT_HOSTS:
        with world.scope(host):
            state[host] = SavedSearch.objects.filter(is_active=False).count()
    return state


# e-mail unsubscribe: a signed {user, category}; a POST turns the category off (RFC 8058).


def _email_unsubscribe_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        if origin == "public":
            return tenant_dumps("email_unsubscribe", {"u": VICTIM_PK, "c": "organization_messages"})
        return unsubscribe_token(
            tenant=world.tenants[origin],
            user=User.objects.get(pk=VICTIM_PK),
            category=EmailCategory.ORGANIZATION_MESSAGES,
        )


def _email_unsubscribe_use(world: World, target: str, token: str) -> HttpResponse:
    return world.client(target).post(f"/e-mails/desabonnement/{token}/")


def _email_unsubscribe_snapshot(world: World) -> dict[str, Any]:
    state = {}
    for host in TENANT_HOSTS:
        with world.scope(host):
            state[host] = list(
                EmailPreferences.objects.filter(user_id=VICTIM_PK).values_list(
                    "organization_messages", flat=True
                )
            )
    return state


# work-time decision: the approve / refuse links of the e-mail to an employee's manager.

WORK_TIME_REQUEST_PK = 990_001


def _work_time_prepare(world: World) -> None:
    """In every tenant the victim manages an employee whose pending request has the same pk:
    only the link's tenant binding tells them apart."""
    for host in TENANT_HOSTS:
        with world.scope(host):
            employee = UserFactory()
            EmployeeProfile.objects.create(user=employee, manager_id=VICTIM_PK)
            WorkTimeRequest.objects.create(
                pk=WORK_TIME_REQUEST_PK,
                participation=ParticipationFactory(volunteer=employee),
                employee=employee,
                hours=1,
                year=timezone.now().year,
            )


def _work_time_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        if origin == "public":
            # No requests on the public host: a link signed in its scope, as a forger would.
            return tenant_dumps("work_time_decision", {"r": WORK_TIME_REQUEST_PK, "a": "approve"})
        return work_time_decision_token(
            work_time_request=WorkTimeRequest.objects.get(pk=WORK_TIME_REQUEST_PK),
            decision=Decision.APPROVE,
        )


def _work_time_use(world: World, target: str, token: str) -> HttpResponse:
    # The victim, the request's approver in every tenant, is signed in on the target.
    return _logged_in(world, target).post(f"/temps-benevole/decision/{token}/")


def _work_time_snapshot(world: World) -> dict[str, Any]:
    state = {}
    for host in TENANT_HOSTS:
        with world.scope(host):
            state[host] = WorkTimeRequest.objects.filter(status="approved").count()
    return state


# certificate: a random token stored in the tenant's schema; its public page shows what the
# certificate states (here the holder's name, marked with the probe).


def _certificate_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        User.objects.filter(pk=VICTIM_PK).update(first_name=PROBE, last_name=origin)
        started = timezone.now() - timedelta(days=2)
        ParticipationFactory(
            volunteer_id=VICTIM_PK,
            slot=SlotFactory(starts_at=started, ends_at=started + timedelta(hours=3)),
            status=Participation.Status.ATTENDED,
            hours=2,
            decided_at=timezone.now(),
        )
        return certificate_issue(volunteer=User.objects.get(pk=VICTIM_PK), year=None).token


def _certificate_use(world: World, target: str, token: str) -> HttpResponse:
    return world.client(target).get(f"/certificats/{token}/")


# signup_email: the link of the e-mail that confirms a sign-up's address (base domain only).

SIGNUP_PUBLIC_ID = "5e1f0000-0000-4000-8000-00000000beef"


def _signup_email_prepare(world: World) -> None:
    with world.scope("public"):
        SignupRequest.objects.create(
            public_id=SIGNUP_PUBLIC_ID,
            kind="city",
            name="Probe",
            slug="signing-probe",
            country="FR",
            language="fr",
            email=VICTIM_EMAIL,
            plan_code="city_essential",
            terms_accepted_at=timezone.now(),
        )


def _signup_email_mint(world: World, origin: str) -> str:
    with world.scope(origin):
        return tenant_dumps("signup_email", {"s": SIGNUP_PUBLIC_ID})


def _signup_email_use(world: World, target: str, token: str) -> HttpResponse:
    return world.client(target).get(f"/signup/verify/{token}/")


def _signup_email_snapshot(world: World) -> dict[str, Any]:
    with world.scope("public"):
        return {"public": SignupRequest.objects.filter(email_verified_at__isnull=False).count()}


# signup_handoff: the progress page's single-use link that signs the new admin in.


def _signup_handoff_mint(world: World, origin: str) -> str:
    tenant = world.tenants[origin]
    with world.scope("public"):
        signup = SignupRequest.objects.create(
            kind=tenant.kind,
            name=tenant.name,
            slug=f"handoff-{origin}",
            country="FR",
            language="fr",
            email=VICTIM_EMAIL,
            plan_code="city_essential",
            terms_accepted_at=timezone.now(),
            status=SignupRequest.Status.READY,
            tenant=tenant,
            admin_user_id=VICTIM_PK,
        )
        url = signup_handoff_url(signup=signup)
    assert url is not None
    return url.rstrip("/").rsplit("/", 1)[1]


def _signup_handoff_use(world: World, target: str, token: str) -> HttpResponse:
    return world.client(target).get(f"/accounts/bienvenue/{token}/")


def _signup_handoff_snapshot(world: World) -> dict[str, Any]:
    with world.scope("public"):
        return {
            host: SignupRequest.objects.filter(
                tenant=world.tenants[host], handoff_used_at__isnull=False
            ).count()
            for host in TENANT_HOSTS
        }


def _shows_the_victim(response: HttpResponse) -> bool:
    # The API answers with the victim's record; the console with its index for staff only.
    return response.status_code == 200


HARNESSES: dict[str, Harness] = {
    "signup_email": Harness(
        origins=HOSTS,
        serves=("public",),
        prepare=_signup_email_prepare,
        mint=_signup_email_mint,
        use=_signup_email_use,
        # The "invalid link" page on the base domain; no such route on tenants.
        refused=frozenset({400, 404}),
        accepted=frozenset({302}),
        snapshot=_signup_email_snapshot,
    ),
    "signup_handoff": Harness(
        origins=TENANT_HOSTS,
        serves=TENANT_HOSTS,
        mint=_signup_handoff_mint,
        use=_signup_handoff_use,
        refused=frozenset({404}),
        accepted=frozenset({302}),
        snapshot=_signup_handoff_snapshot,
    ),
    "email_confirmation": Harness(
        origins=HOSTS,
        serves=TENANT_HOSTS,
        mint=_confirmation_mint,
        use=_confirmation_use,
        refused=frozenset({404}),
        accepted=frozenset({302}),
        snapshot=_confirmation_snapshot,
    ),
    "password_reset": Harness(
        origins=HOSTS,
        serves=TENANT_HOSTS,
        mint=_reset_mint,
        use=_reset_use,
        # allauth's "bad token" page (200) on tenants; no such route on the public host.
        refused=frozenset({200, 404}),
        accepted=frozenset({302}),
        snapshot=_reset_snapshot,
    ),
    "messages_cookie": Harness(
        origins=HOSTS,
        serves=HOSTS,
        mint=_messages_mint,
        use=_messages_use,
        refused=frozenset({200}),
        accepted=frozenset({200}),
        leaked=lambda response: PROBE in response.content.decode(),
    ),
    "invitation": Harness(
        origins=TENANT_HOSTS,
        serves=TENANT_HOSTS,
        prepare=_invitation_prepare,
        mint=_invitation_mint,
        use=_invitation_use,
        refused=frozenset({404}),
        accepted=frozenset({302}),
        snapshot=_invitation_snapshot,
    ),
    "friend_invitation": Harness(
        origins=TENANT_HOSTS,
        serves=TENANT_HOSTS,
        prepare=_friend_invitation_prepare,
        mint=_friend_invitation_mint,
        use=_friend_invitation_use,
        refused=frozenset({404}),
        accepted=frozenset({302}),
        snapshot=_friend_invitation_snapshot,
    ),
    "session": Harness(
        origins=HOSTS,
        serves=HOSTS,
        mint=_session_mint,
        use=_session_use,
        # Anonymous: the API's 401 (token authentication gives the challenge), the console's
        # redirect to its login page.
        refused=frozenset({302, 401}),
        accepted=frozenset({200}),
        leaked=_shows_the_victim,
    ),
    "export_download": Harness(
        origins=HOSTS,
        serves=TENANT_HOSTS,
        prepare=_export_prepare,
        mint=_export_mint,
        use=_export_use,
        refused=frozenset({404}),
        accepted=frozenset({200}),
        snapshot=_export_snapshot,
        leaked=_export_leaked,
    ),
    "reminder_answer": Harness(
        origins=HOSTS,
        serves=TENANT_HOSTS,
        prepare=_reminder_prepare,
        mint=_reminder_mint,
        use=_reminder_use,
        refused=frozenset({404}),
        accepted=frozenset({302}),
        snapshot=_reminder_snapshot,
    ),
    "work_time_decision": Harness(
        origins=HOSTS,
        serves=TENANT_HOSTS,
        prepare=_work_time_prepare,
        mint=_work_time_mint,
        use=_work_time_use,
        refused=frozenset({404}),
        accepted=frozenset({302}),
        snapshot=_work_time_snapshot,
    ),
    "api_token": Harness(
        origins=HOSTS,
        serves=HOSTS,
        mint=_token_mint,
        use=_token_use,
        # "Invalid token": 401 (token authentication comes first, so it gives the challenge).
        refused=frozenset({401}),
        accepted=frozenset({200}),
        leaked=lambda response: response.status_code == 200,
    ),
    "saved_search_unsubscribe": Harness(
        origins=TENANT_HOSTS,
        serves=TENANT_HOSTS,
        mint=_unsubscribe_mint,
        use=_unsubscribe_use,
        refused=frozenset({404}),
        accepted=frozenset({200}),
        snapshot=_unsubscribe_snapshot,
    ),
    "email_unsubscribe": Harness(
        origins=HOSTS,
        serves=TENANT_HOSTS,
        mint=_email_unsubscribe_mint,
        use=_email_unsubscribe_use,
        refused=frozenset({404}),
        accepted=frozenset({200}),
        snapshot=_email_unsubscribe_snapshot,
    ),
    "tenant_api_token": Harness(
        origins=TENANT_HOSTS,
        serves=TENANT_HOSTS,
        mint=_tenant_api_token_mint,
        use=_tenant_api_token_use,
        # Another tenant's tag: 401 on the tenant API; the platform API does not read it.
        refused=frozenset({401}),
        accepted=frozenset({200}),
        leaked=lambda response: response.status_code == 200,
    ),
    "directory_token": Harness(
        # Only a company has a directory: the token is made and served on Acme alone.
        origins=("acme",),
        serves=("acme",),
        mint=_directory_token_mint,
        use=_directory_token_use,
        # Another tenant's tag: 401 on a company; a city has no /scim/v2/ (404), nor has public.
        refused=frozenset({401, 404}),
        accepted=frozenset({201}),
        snapshot=_directory_token_snapshot,
    ),
    "certificate": Harness(
        origins=TENANT_HOSTS,
        serves=TENANT_HOSTS,
        mint=_certificate_mint,
        use=_certificate_use,
        refused=frozenset({404}),
        accepted=frozenset({200}),
        leaked=lambda response: PROBE in response.content.decode(),
    ),
    "calendar_feed": Harness(
        origins=TENANT_HOSTS,
        serves=TENANT_HOSTS,
        prepare=_calendar_feed_prepare,
        mint=_calendar_feed_mint,
        use=_calendar_feed_use,
        refused=frozenset({404}),
        accepted=frozenset({200}),
        leaked=lambda response: PROBE in response.content.decode(),
    ),
}


def _matrix() -> Iterator[Any]:
    for kind in sorted(REGISTRY):
        harness = HARNESSES.get(kind)
        origins = harness.origins if harness is not None else HOSTS
        serves = harness.serves if harness is not None else HOSTS
        for origin, target in itertools.product(origins, HOSTS):
            if origin == target and target not in serves:
                continue
            verdict = "accepted" if origin == target else "refused"
            yield pytest.param(kind, origin, target, id=f"{kind}:{origin}->{target}:{verdict}")


MATRIX = list(_matrix())


@pytest.mark.usefixtures("_export_files_removed")
@pytest.mark.parametrize(("kind", "origin", "target"), MATRIX)
def test_token_matrix(world: World, kind: str, origin: str, target: str) -> None:
    harness = HARNESSES.get(kind)
    assert harness is not None, f"{kind} is registered but has no harness in HARNESSES"
    harness.prepare(world)
    token = harness.mint(world, origin)
    before = harness.snapshot(world)

    response = harness.use(world, target, token)

    after = harness.snapshot(world)
    if origin == target:
        assert response.status_code in harness.accepted, response.content[:500]
        changed = {host for host in before if before[host] != after[host]}
        assert changed == ({target} if before else set())
        assert harness.leaked(response) or before
    else:
        assert response.status_code in harness.refused, response.content[:500]
        assert after == before
        assert not harness.leaked(response)


def test_matrix_covers_every_registered_kind_from_every_host() -> None:
    assert set(HARNESSES) == set(REGISTRY)
    cases = {(param.values[0], param.values[1], param.values[2]) for param in MATRIX}
    for kind, harness in HARNESSES.items():
        refusals = {(kind, o, t) for o, t in itertools.product(harness.origins, HOSTS) if o != t}
        assert refusals <= cases
        assert {(kind, host, host) for host in harness.serves if host in harness.origins} <= cases
    # Today: 9 kinds, 129 cases (99 refusals, 30 positive controls).
    assert len(MATRIX) >= 129


# --- issue 11's attack, and the scope -------------------------------------------------------------


def test_allauth_unbound_confirmation_key_confirms_nothing(world: World) -> None:
    """The key allauth signs by default (the EmailAddress pk, site-wide key) is refused
    everywhere, including in the tenant that holds the address."""
    from allauth.account.models import EmailConfirmationHMAC

    with world.scope("montreal"):
        unbound_key = EmailConfirmationHMAC(EmailAddress.objects.get(pk=ADDRESS_PK)).key
    for host in TENANT_HOSTS:
        response = world.client(host).post(f"/accounts/confirm-email/{unbound_key}/")
        assert response.status_code == 404
    assert _confirmation_snapshot(world) == {"paris": False, "montreal": False, "acme": False}


def test_montreal_signup_key_does_not_confirm_acme_address(world: World) -> None:
    """Issue 11 as filed: sign up in Montréal, use the e-mailed key on Acme's host."""
    from django.core import mail

    client = world.client("montreal")
    client.post(
        "/accounts/signup/",
        {
            "email": "lea@example.org",
            "password1": OLD_PASSWORD,
            "password2": OLD_PASSWORD,
            "accept_terms": "on",
        },
    )
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[-1].body).group(1)
    with world.scope("montreal"):
        address = EmailAddress.objects.get(email="lea@example.org")
    with world.scope("acme"):
        # Acme's address with the same pk (ids are per schema, they do collide).
        acme_user = User.objects.create_user(email="ceo@acme.example")
        EmailAddress.objects.create(
            pk=address.pk, user=acme_user, email=acme_user.email, verified=False
        )

    response = world.client("acme").post(f"/accounts/confirm-email/{key}/")

    assert response.status_code == 404
    with world.scope("acme"):
        assert EmailAddress.objects.get(pk=address.pk).verified is False
    assert client.post(f"/accounts/confirm-email/{key}/").status_code == 302
    with world.scope("montreal"):
        assert EmailAddress.objects.get(pk=address.pk).verified is True


def test_emailed_reset_link_works_only_in_the_tenant_that_sent_it(world: World) -> None:
    """allauth's own reset e-mail (not only the set-password link): same pk, e-mail and
    password hash in Montréal, still refused there."""
    from django.core import mail

    sent = world.client("paris").post("/accounts/password/reset/", {"email": VICTIM_EMAIL})
    assert sent.status_code == 302
    path = re.search(r"(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    before = _reset_snapshot(world)

    refused = _reset_use(world, "montreal", path)

    assert refused.status_code == 200
    assert _reset_snapshot(world) == before
    assert _reset_use(world, "paris", path).status_code == 302
    after = _reset_snapshot(world)
    assert {host for host in HOSTS if after[host] != before[host]} == {"paris"}


@pytest.mark.parametrize("target", ["montreal", "acme"])
def test_paris_invitation_token_is_unknown_to_other_tenants_api(world: World, target: str) -> None:
    _invitation_prepare(world)
    token = _invitation_mint(world, "paris")
    before = _invitation_snapshot(world)
    client = _logged_in(world, target)

    response = client.post(
        "/api/v1/invitations/accept/", {"token": token}, content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "invitation_not_found"
    assert _invitation_snapshot(world) == before


def test_scope_names_schema_id_and_creation(paris: Any, montreal: Any) -> None:
    created = int(paris.created_at.timestamp())
    assert tenant_scope(paris) == f"{paris.schema_name}:{paris.pk}:{created}"
    assert tenant_scope(paris) != tenant_scope(montreal)
    with schema_context("public"):
        assert tenant_scope() == PUBLIC_SCOPE
    with tenant_context(paris):
        assert tenant_scope() == tenant_scope(paris)
    # schema_context leaves only a schema name on the connection: the row is looked up.
    with schema_context(paris.schema_name):
        assert tenant_scope() == tenant_scope(paris)


def test_a_tenant_provisioned_again_under_the_same_slug_refuses_old_tokens(paris: Any) -> None:
    from tenants.models import Tenant

    token = tenant_dumps("email_confirmation", ADDRESS_PK, tenant=paris)
    reborn = Tenant(
        pk=paris.pk + 1000,
        schema_name=paris.schema_name,
        slug=paris.slug,
        created_at=paris.created_at,
    )

    assert tenant_loads("email_confirmation", token, tenant=paris) == ADDRESS_PK
    with pytest.raises(InvalidToken):
        tenant_loads("email_confirmation", token, tenant=reborn)


def test_a_renamed_slug_keeps_its_tokens(paris: Any) -> None:
    token = tenant_dumps("email_confirmation", ADDRESS_PK, tenant=paris)
    paris.slug = "paris-ville"

    assert tenant_loads("email_confirmation", token, tenant=paris) == ADDRESS_PK


def test_signed_tokens_expire_with_their_kind(paris: Any) -> None:
    token = tenant_dumps("email_confirmation", ADDRESS_PK, tenant=paris)

    with pytest.raises(InvalidToken):
        tenant_loads("email_confirmation", token, tenant=paris, max_age=-1)


def test_altered_or_garbage_tokens_are_invalid(paris: Any) -> None:
    token = tenant_dumps("email_confirmation", ADDRESS_PK, tenant=paris)
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "", "x", "a:b:c", "\x00" * 10):
        with pytest.raises(InvalidToken):
            tenant_loads("email_confirmation", bad, tenant=paris)


def test_unregistered_kinds_and_wrong_mechanisms_are_refused(paris: Any) -> None:
    with pytest.raises(UnknownTokenKind):
        tenant_dumps("no_such_kind", 1, tenant=paris)
    with pytest.raises(UnknownTokenKind):
        tenant_dumps("invitation", 1, tenant=paris)
    with pytest.raises(UnknownTokenKind):
        stored_token("email_confirmation")


# --- guards: nothing signs outside the registry ---------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCANNED_PACKAGES = ("accounts", "billing", "engagement", "tenants", "config")
THE_ONE_HOME = PROJECT_ROOT / "tenants" / "signing.py"
FORBIDDEN_MODULES = {"django.core.signing", "hmac"}
FORBIDDEN_NAMES = {
    "signing",
    "Signer",
    "TimestampSigner",
    "salted_hmac",
    "get_cookie_signer",
    "PasswordResetTokenGenerator",
    "default_token_generator",
    "set_signed_cookie",
    "get_signed_cookie",
    "EmailAwarePasswordResetTokenGenerator",
}


def signing_uses(source: str, filename: str = "<source>") -> list[str]:
    """Every place a source signs or checks a value by itself, as `file:line: what`."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        what = None
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            what = next((name for name in names if name in FORBIDDEN_MODULES), None)
        elif isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            if node.module in FORBIDDEN_MODULES:
                what = node.module
            else:
                what = next((name for name in names if name in FORBIDDEN_NAMES), None)
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            what = node.attr
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            what = node.id
        if what is not None:
            found.append(f"{filename}:{node.lineno}: {what}")
    return found


def test_nothing_signs_outside_tenants_signing() -> None:
    files = [
        path
        for package in SCANNED_PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
        if path != THE_ONE_HOME
    ]
    assert len(files) > 100
    found = [
        use
        for path in files
        for use in signing_uses(path.read_text(), str(path.relative_to(PROJECT_ROOT)))
    ]

    assert found == [], "Sign through tenants.signing (and register the kind):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "snippet",
    [
        "from django.core import signing\nsigning.dumps(1)",
        "from django.core.signing import TimestampSigner",
        "import django.core.signing",
        "from django.utils.crypto import salted_hmac",
        "from django.contrib.auth.tokens import default_token_generator",
        "from allauth.account.forms import default_token_generator",
        "class G(tokens.PasswordResetTokenGenerator): pass",
        "response.set_signed_cookie('a', 'b')",
        "request.get_signed_cookie('a')",
        "import hmac",
        "crypto.salted_hmac('a', 'b')",
    ],
)
def test_the_guard_sees_each_way_of_signing(snippet: str) -> None:
    assert signing_uses(snippet) != []


def test_the_guard_lets_registry_helpers_through() -> None:
    assert signing_uses("from tenants.signing import tenant_dumps\ntenant_dumps('x', 1)") == []


def test_every_signed_value_the_settings_choose_is_tenant_bound() -> None:
    """What Django and allauth sign with the site-wide key is off, or goes through the registry.
    Turning one of these on needs a registered kind and its matrix case first."""
    assert settings.MESSAGE_STORAGE == "tenants.signing.TenantMessageStorage"
    assert (
        settings.ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR
        == "tenants.signing.TenantPasswordResetTokenGenerator"
    )
    # Sessions live in the schema's table (kind "session"), never in a signed cookie: Django's
    # database engine, read with one statement (tenants/sessions.py).
    engine = import_module(settings.SESSION_ENGINE)
    assert issubclass(engine.SessionStore, DatabaseSessionStore)
    # allauth's trusted-browser cookie (MFA) and its OpenID provider sign with Signer().
    assert not getattr(settings, "MFA_TRUST_ENABLED", False)
    assert not any(
        app.startswith(("allauth.idp", "allauth.headless")) for app in settings.INSTALLED_APPS
    )
    # Confirmation keys: allauth's HMAC mode, read by our view (not allauth's stock one).
    assert getattr(settings, "ACCOUNT_EMAIL_CONFIRMATION_HMAC", True) is True
    assert not getattr(settings, "ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED", False)
    view = resolve("/accounts/confirm-email/key/", urlconf=settings.ROOT_URLCONF).func
    assert view.view_class.__module__ == "accounts.views"
    assert {kind.mechanism for kind in REGISTRY.values()} == set(Mechanism)
