"""The isolation matrix: every route of both URL confs × every way to reach across tenants.

Routes come from walking the resolvers (tests/tenants/routes.py), never from a hand list; a
route the matrix cannot fill fails `test_every_route_is_in_the_matrix`. The victim is Paris (a
world of objects whose names, titles and e-mails carry MARKER and whose ids exist nowhere in
Montréal), the attacker Montréal. Each (route × attack) is one test; each test sends every
method the route accepts, and after each request checks that:

- the answer is not a 5xx and carries nothing of the victim (MARKER in the body or headers);
- nothing was written in any schema (PostgreSQL's per-transaction tuple counters, so every
  table of Paris, Montréal and public is covered, including writes rolled back to a savepoint);
- the status is the one the attack must get (404 for a Paris object on Montréal, anonymous for
  a Paris session, 401 for a Paris API token, 404 for a tenant route on the public host, …).

Before each foreign-host attack Paris's own admin reads the same URL on Paris's host, so that
anything Paris leaves in a cache is there to leak.

Signed tokens (tenants/signing.py registry × tenants) have their own matrix; here a token in a
path (invitation, e-mail confirmation, password reset) is just a Paris value to fill it with.
"""

from __future__ import annotations

import json
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import path, resolve
from django.utils import timezone
from rest_framework.authtoken.models import Token, TokenProxy

from accounts.api_tokens.models import ApiToken
from accounts.api_tokens.services import api_token_create, api_token_expiry_bounds
from accounts.models import User
from billing.models import BillingAccount, BillingAuditEntry, SeatSync, StripeEvent
from engagement.alerts.services import saved_search_create
from engagement.backoffice.models import ExportJob
from engagement.backoffice.services_exports import export_download_token
from engagement.calendars.services import calendar_feed_create
from engagement.campaigns.models import Campaign
from engagement.emails.delivery import EmailCategory, unsubscribe_token
from engagement.friends.models import FriendInvitation
from engagement.groups.models import SeatHold
from engagement.missions.models import Mission
from engagement.missions.search import MissionSearchFilters
from engagement.missions.short_links import mission_short_code
from engagement.organizations.models import Organization, OrganizationInvitation
from engagement.participations.models import Participation
from engagement.programmes.models import Site, Team, TeamMembership
from engagement.reminders.models import Reminder
from engagement.reminders.services import Action, reminder_answer_token
from engagement.reports.models import Certificate
from engagement.taxonomy.models import Cause, Skill
from engagement.worktime.links import Decision, work_time_decision_token
from engagement.worktime.models import HoursDeclaration, WorkTimeRequest
from signup.models import SignupRequest
from tenants.audit.models import AuditEvent
from tenants.audit.services import audit_record
from tenants.models import DeprovisionJob, Domain, RestoreJob, Tenant
from tenants.signing import stored_token, tenant_dumps
from tests.engagement.api.endpoints import ENDPOINTS
from tests.engagement.conftest import API, World, build_world
from tests.engagement.factories import (
    ExportJobFactory,
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    TenantAdminFactory,
)
from tests.tenants.routes import (
    EXEMPT,
    PUBLIC_URLCONF,
    TENANT_URLCONF,
    Route,
    Victim,
    names_victim_object,
    names_victim_token,
    placeholder_url,
    resolves_in,
    routes,
    shadowed_by,
    unfillable,
    victim_url,
)

pytestmark = pytest.mark.django_db

MARKER = "qzvictim"

# Tables a request may write whatever it carries: the session of the client that sent it (a
# signed-in attacker's own session, or the empty one a login page starts).
SESSION_TABLES = frozenset({"django_session"})


def _reachable(route: Route) -> bool:
    """Not exempt, and answered by this route rather than one mounted before it (allauth's
    views that accounts.urls overrides are requested through the override)."""
    return route.key not in EXEMPT and shadowed_by(route, placeholder_url(route)) is None


ALL_TENANT_ROUTES = routes(TENANT_URLCONF)
ALL_PUBLIC_ROUTES = routes(PUBLIC_URLCONF)
TENANT_ROUTES = [route for route in ALL_TENANT_ROUTES if _reachable(route)]
PUBLIC_ROUTES = [route for route in ALL_PUBLIC_ROUTES if _reachable(route)]
TENANT_OBJECT_ROUTES = [
    route for route in TENANT_ROUTES if names_victim_object(route) or names_victim_token(route)
]


# --- the two worlds, built once for the module ----------------------------------------------


@dataclass
class Matrix:
    paris: Tenant
    montreal: Tenant
    victim: Victim
    public_victim: Victim
    world: World
    paris_session: str  # sessionid of a Paris tenant admin (with a second factor)
    paris_token: str  # DRF token of the same admin
    paris_api_token: str  # the same admin's API token (`ent_…`, read and write)
    montreal_admin_session: str  # Montréal's tenant admin (superuser, with a second factor)
    montreal_member_session: str  # an organization admin and volunteer of Montréal
    # (route key, method) -> (url, body) of tests/engagement/api/endpoints.py, for /api/v1/.
    endpoints: dict[tuple[str, str], tuple[str, Any]]
    paris_public_rows: tuple[Any, ...]
    # The write counters after the last checked request: the next request's "before" (one
    # query per request instead of two). None when something unchecked ran since.
    last_writes: dict[tuple[str, str], tuple[int, ...]] | None = None
    anonymous: dict[tuple[str, str, str], tuple[int, str]] = field(default_factory=dict)


def _mark_victim_world(world: World) -> None:
    """Names, titles and e-mails of Paris carry MARKER, so a leak is a substring search."""
    for attribute in ("admin", "editor", "other_member", "volunteer", "moderator", "tenant_admin"):
        user = getattr(world, attribute)
        email = f"{attribute.replace('_', '-')}.{MARKER}@paris.example"
        User.objects.filter(pk=user.pk).update(
            email=email, first_name=MARKER.title(), last_name=f"{attribute} {MARKER}"
        )
        EmailAddress.objects.filter(user=user).update(email=email)
        user.refresh_from_db()
    OrganizationInvitation.objects.filter(pk=world.invitation.pk).update(
        email=world.volunteer.email
    )
    for organization in Organization.objects.all():
        Organization.objects.filter(pk=organization.pk).update(
            name=f"{organization.name} {MARKER}",
            contact_email=f"contact.{MARKER}{organization.pk}@paris.example",
            description=f"<p>{MARKER}</p>",
        )
    for mission in Mission.objects.all():
        Mission.objects.filter(pk=mission.pk).update(
            title=f"{mission.title} {MARKER}", summary=MARKER, description=f"<p>{MARKER}</p>"
        )


def _sequences_past(paris: Tenant, montreal: Tenant) -> None:
    """Move every Paris id sequence past Montréal's, so that a Paris id names nothing in
    Montréal and a 404 cannot be a lucky miss on an unrelated row. (Sequences are not
    transactional: they stay moved for the session, which no test depends on.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s",
            [montreal.schema_name],
        )
        montreal_last = {name: last or 0 for name, last in cursor.fetchall()}
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s",
            [paris.schema_name],
        )
        for name, last in cursor.fetchall():
            target = max(last or 0, montreal_last.get(name, 0)) + 100_000
            cursor.execute("SELECT setval(%s, %s)", [f'"{paris.schema_name}"."{name}"', target])


def _signed_in(tenant: Tenant, user: User) -> str:
    client = Client(HTTP_HOST=tenant.primary_host)
    connection.set_tenant(tenant)
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _build(paris: Tenant, montreal: Tenant) -> Matrix:
    # The attacker first, so that Paris ids can be moved past every Montréal id.
    connection.set_tenant(montreal)
    montreal_admin = TenantAdminFactory(email="admin.attacker@montreal.example")
    # The most an account of a tenant can be: every admin page and object of Montréal.
    User.objects.filter(pk=montreal_admin.pk).update(is_superuser=True)
    TOTP.activate(montreal_admin, generate_totp_secret())
    membership = MembershipFactory(organization=OrganizationFactory(name="Les Amis de Montréal"))
    member = membership.user
    slot = SlotFactory(mission=MissionFactory(organization=membership.organization))
    ParticipationFactory(slot=slot, volunteer=member)

    _sequences_past(paris, montreal)
    connection.set_tenant(paris)
    world = build_world(paris)
    _mark_victim_world(world)
    TOTP.activate(world.tenant_admin, generate_totp_secret())
    paris_token = Token.objects.create(user=world.tenant_admin).key
    api_token = api_token_create(
        actor=world.tenant_admin,
        name=f"Intranet {MARKER}",
        scope=ApiToken.Scope.READ_WRITE,
        expires_on=api_token_expiry_bounds()[0],
    )
    cause = Cause.objects.create(slug="victim-cause", name_fr=MARKER, name_en=MARKER)
    skill = Skill.objects.create(slug="victim-skill", name_fr=MARKER, name_en=MARKER)
    group = Group.objects.create(name=f"Groupe {MARKER}")
    saml = SocialApp.objects.create(
        provider="saml", name=f"SAML {MARKER}", provider_id="victim-saml", client_id="victim-saml"
    )
    oidc = SocialApp.objects.create(
        provider="openid_connect", name=f"OIDC {MARKER}", provider_id="victim-oidc"
    )
    social_account = SocialAccount.objects.create(
        user=world.volunteer, provider="facebook", uid="4242", extra_data={"name": MARKER}
    )
    audit = audit_record(actor=world.admin, action=f"victim.{MARKER}", target=world.published)
    custom_domain = Domain.objects.create(
        domain=f"{MARKER}.paris.example",
        tenant=paris,
        is_primary=False,
        verification_token=MARKER,
    )
    # A finished export of the tenant admin, its file holding the victim's names.
    export = ExportJobFactory(
        requested_by=world.tenant_admin,
        status=ExportJob.Status.DONE,
        expires_at=timezone.now() + timedelta(hours=1),
        content=f"Mission,Volunteer\r\n{MARKER},{MARKER}\r\n".encode(),
    )
    saved_search = saved_search_create(
        user=world.volunteer,
        name=f"Recherche {MARKER}",
        frequency="daily",
        filters=MissionSearchFilters(q=MARKER),
    )
    address = EmailAddress.objects.get(user=world.volunteer)
    # A "Still coming?" reminder of the volunteer, and its "I can't come" link.
    reminder = Reminder.objects.create(
        participation=world.own_participation, kind=Reminder.Kind.STILL_COMING
    )
    friend_link = FriendInvitation.objects.create(inviter=world.tenant_admin)
    # A seat held for the volunteer on the published mission's slot (a group sign-up).
    seat_hold = SeatHold.objects.create(
        slot=world.slot,
        held_by=world.admin,
        for_user=world.volunteer,
        expires_at=timezone.now() + timedelta(hours=24),
    )
    # A company programme's site, team (the volunteer in it) and running campaign.
    site = Site.objects.create(name=f"Site {MARKER}", address=MARKER)
    team = Team.objects.create(name=f"Équipe {MARKER}", site=site)
    TeamMembership.objects.create(team=team, user=world.volunteer, is_lead=True)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        title=f"Campagne {MARKER}",
        slug="campagne-de-paris",
        description=f"<p>{MARKER}</p>",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=10),
        goal_value=10,
        is_published=True,
    )
    campaign.featured_missions.add(world.published)
    # The volunteer's work-time request (the tenant admin decides: no manager), its approve link,
    # and hours they declared for the organization.
    work_time_request = WorkTimeRequest.objects.create(
        participation=world.own_participation,
        employee=world.volunteer,
        hours=1,
        year=world.own_participation.slot.starts_at.year,
        reason=MARKER,
    )
    world.work_time_request = work_time_request  # type: ignore[attr-defined] # the API's too
    declaration = HoursDeclaration.objects.create(
        volunteer=world.volunteer,
        organization=world.organization,
        description=f"Heures {MARKER}",
        date=timezone.localdate(),
        hours=2,
    )
    # A certificate of the volunteer, its holder's name marked.
    certificate = Certificate.objects.create(
        volunteer=world.volunteer,
        token=stored_token("certificate"),
        holder_name=f"Bénévole {MARKER}",
        period_ends_on=timezone.localdate(),
        hours=Decimal("3"),
        activities=[],
        issued_at=timezone.now(),
    )
    victim = Victim(
        values={
            "mission_id": str(world.published.pk),
            "mission_short_code": mission_short_code(world.published.pk),
            "organization_slug": world.organization.slug,
            "participation_id": str(world.own_participation.pk),
            "organization_id": str(world.organization.pk),
            "membership_id": str(world.editor_membership.pk),
            "slot_id": str(world.slot.pk),
            "domain_id": str(custom_domain.pk),
            "invitation_token": world.invitation.token,
            "email_confirmation_key": EmailConfirmationHMAC(address).key,
            "password_reset_uidb36": user_pk_to_url_str(world.volunteer),
            "password_reset_key": default_token_generator.make_token(world.volunteer),
            "saml_organization_slug": saml.client_id,
            "oidc_provider_id": oidc.provider_id,
            "view_on_site_content_type_id": str(ContentType.objects.get_for_model(Mission).pk),
            "view_on_site_object_id": str(world.published.pk),
            "admin_app_label": "engagement",
            "user_id": str(world.volunteer.pk),
            "export_job_id": str(export.pk),
            "export_download_token": export_download_token(job=export),
            "reminder_answer_token": reminder_answer_token(reminder=reminder, action=Action.CANCEL),
            "email_unsubscribe_token": unsubscribe_token(
                tenant=paris, user=world.volunteer, category=EmailCategory.ORGANIZATION_MESSAGES
            ),
            "api_token_id": str(api_token.token.pk),
            # The volunteer's feed: their participations, in missions whose titles are marked.
            "calendar_feed_token": calendar_feed_create(owner=world.volunteer).token,
            "friend_invitation_token": friend_link.token,
            "saved_search_id": str(saved_search.pk),
            "saved_search_unsubscribe_token": saved_search.unsubscribe_token,
            "seat_hold_id": str(seat_hold.pk),
            "team_id": str(team.pk),
            "site_id": str(site.pk),
            "campaign_id": str(campaign.pk),
            "campaign_slug": campaign.slug,
            "work_time_request_id": str(work_time_request.pk),
            "hours_declaration_id": str(declaration.pk),
            "work_time_decision_token": work_time_decision_token(
                work_time_request=work_time_request, decision=Decision.APPROVE
            ),
            "certificate_id": str(certificate.pk),
            "certificate_token": certificate.token,
            # Sign-up: a hand-off minted for Paris's admin.
            "signup_handoff_token": tenant_dumps(
                "signup_handoff",
                {"s": str(uuid.uuid4()), "u": world.volunteer.pk, "j": "x"},
                tenant=paris,
            ),
        },
        by_model={
            User: world.volunteer,
            Group: group,
            SocialApp: saml,
            SocialAccount: social_account,
            Token: TokenProxy.objects.get(user=world.tenant_admin),
            EmailAddress: address,
            Authenticator: Authenticator.objects.get(user=world.tenant_admin),
            Cause: cause,
            Skill: skill,
            Organization: world.organization,
            Mission: world.published,
            Participation: world.own_participation,
            AuditEvent: audit,
        },
        markers=(MARKER,),
    )
    connection.set_tenant(montreal)
    for model, instance in victim.by_model.items():
        if model is not Token:  # the admin names a token by its user's id (checked as a User)
            assert not model.objects.filter(pk=instance.pk).exists(), (model, "id in Montréal")
    paris_session = _signed_in(paris, world.tenant_admin)
    montreal_admin_session = _signed_in(montreal, montreal_admin)
    montreal_member_session = _signed_in(montreal, member)

    connection.set_schema_to_public()
    public_victim = _public_victim(paris)
    connection.set_tenant(paris)
    endpoints = {}
    for endpoint in ENDPOINTS:
        url = API + endpoint.path(world)
        route = _route_of(url)
        endpoints[(route.key, endpoint.method)] = (
            url,
            endpoint.body(world) if endpoint.body else None,
        )
    connection.set_schema_to_public()
    return Matrix(
        paris=paris,
        montreal=montreal,
        victim=victim,
        public_victim=public_victim,
        world=world,
        paris_session=paris_session,
        paris_token=paris_token,
        paris_api_token=api_token.secret,
        montreal_admin_session=montreal_admin_session,
        montreal_member_session=montreal_member_session,
        endpoints=endpoints,
        paris_public_rows=_public_rows_of(paris),
    )


def _public_victim(paris: Tenant) -> Victim:
    """Paris's rows in the public schema (the console's objects), and a platform staff user."""
    account = BillingAccount.objects.filter(tenant=paris).first() or BillingAccount.objects.create(
        tenant=paris, plan_code="city_essential"
    )
    staff = User.objects.create_user(
        email=f"staff.{MARKER}@platform.example", password=None, is_staff=True
    )
    job = DeprovisionJob.objects.create(
        tenant_slug=paris.slug,
        status=DeprovisionJob.Status.FAILED,
        error=f"export failed {MARKER}",
    )
    restore = RestoreJob.objects.create(
        archive=job, target_slug=paris.slug, status=RestoreJob.Status.FAILED
    )
    return Victim(
        values={
            "tenant_slug": paris.slug,
            "deprovision_job_id": str(job.pk),
            "restore_job_id": str(restore.pk),
            "user_id": str(staff.pk),
            "view_on_site_content_type_id": str(ContentType.objects.get_for_model(Tenant).pk),
            "view_on_site_object_id": str(paris.pk),
            "admin_app_label": "tenants",
            # A sign-up's links (no sign-up of this browser: each page of one is a 404 to anyone
            # else), its e-mail link signed in Paris's scope (refused on the base domain).
            "signup_email_token": tenant_dumps(
                "signup_email", {"s": str(uuid.uuid4())}, tenant=paris
            ),
            "signup_public_id": str(uuid.uuid4()),
        },
        by_model={
            Tenant: paris,
            Domain: Domain.objects.filter(tenant=paris).first(),
            DeprovisionJob: job,
            BillingAccount: account,
            StripeEvent: StripeEvent.objects.create(
                event_id=f"evt_{MARKER}",
                type="customer.subscription.updated",
                stripe_created_at=timezone.now(),
                tenant=paris,
            ),
            SeatSync: SeatSync.objects.create(
                account=account, seats_before=1, seats=2, idempotency_key=f"seats-{MARKER}"
            ),
            BillingAuditEntry: BillingAuditEntry.objects.create(
                tenant=paris,
                tenant_slug=paris.slug,
                action=BillingAuditEntry.Action.PLAN_CHANGED,
                source="staff",
                changes={"note": MARKER},
            ),
            User: staff,
            SignupRequest: SignupRequest.objects.create(
                kind="city",
                name=f"Sign-up {MARKER}",
                slug="paris-bis",
                country="FR",
                language="fr",
                email=f"signup.{MARKER}@platform.example",
                plan_code="city_essential",
                terms_accepted_at=timezone.now(),
                tenant=paris,
            ),
        },
        markers=(MARKER,),
    )


def _route_of(url: str) -> Route:
    match = resolve(url, urlconf=TENANT_URLCONF)
    return next(route for route in ALL_TENANT_ROUTES if route.callback is match.func)


@pytest.fixture(scope="module")
def matrix(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Matrix]:
    """Both worlds inside one transaction opened for the module and rolled back after it; each
    test runs in a savepoint inside it (pytest-django's `db`)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = _build(Tenant.objects.get(slug="paris"), Tenant.objects.get(slug="montreal"))
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        connection.set_tenant(built.paris)
        for job in ExportJob.objects.exclude(file=""):
            job.file.storage.delete(job.file.name)
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _fresh_write_counters(matrix: Matrix) -> None:
    matrix.last_writes = None


# --- requests and the checks every answer goes through --------------------------------------

# Tuples inserted, updated and deleted so far in this transaction, per schema and table, from
# PostgreSQL's per-transaction counters: every table of every schema, and a write rolled back to
# a savepoint still counts.
WRITES_SQL = """
SELECT n.nspname, c.relname, pg_stat_get_xact_tuples_inserted(c.oid),
       pg_stat_get_xact_tuples_updated(c.oid), pg_stat_get_xact_tuples_deleted(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
  AND pg_stat_get_xact_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_updated(c.oid)
      + pg_stat_get_xact_tuples_deleted(c.oid) > 0
"""


def _writes() -> dict[tuple[str, str], tuple[int, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(WRITES_SQL)
        return {(schema, table): tuple(counts) for schema, table, *counts in cursor.fetchall()}


def _public_rows_of(tenant: Tenant) -> tuple[Any, ...]:
    """The victim's own rows in the public schema (its tenant, domains and billing)."""
    connection.set_schema_to_public()
    return (
        list(Tenant.objects.filter(pk=tenant.pk).values()),
        list(Domain.objects.filter(tenant=tenant).order_by("pk").values()),
        list(BillingAccount.objects.filter(tenant=tenant).values()),
    )


def _content(response: HttpResponse) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content


@dataclass
class Answer:
    method: str
    url: str
    status: int
    location: str
    body: bytes
    content_type: str = ""

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url} -> {self.status} {self.location}"

    __repr__ = __str__


@dataclass
class Attack:
    """Requests sent to one host with one set of credentials, each checked for a 5xx, a leak of
    the victim and a write.

    `own_writes`: the attacker is signed in to the tenant they are asking (Montréal's admin on
    Montréal) and the route names nothing of Paris, so the request may do what that admin may do
    in Montréal (edit their profile, create an organization there, change Montréal's sign-in
    settings); Paris's schema and Paris's public rows must still be untouched.
    """

    matrix: Matrix
    host: str
    victim: Victim
    session: str | None = None
    token: str | None = None
    bearer: str | None = None
    own_writes: bool = False

    def schema(self) -> str:
        if self.host == self.matrix.montreal.primary_host:
            return self.matrix.montreal.schema_name
        return "public"

    def url_and_body(self, route: Route, method: str) -> tuple[str, Any]:
        return self.matrix.endpoints.get((route.key, method)) or (
            victim_url(route, self.victim),
            None,
        )

    def send(self, route: Route, method: str) -> Answer:
        url, body = self.url_and_body(route, method)
        client = Client(HTTP_HOST=self.host)
        extra: dict[str, str] = {}
        if self.session:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session
        if self.token:
            extra["HTTP_AUTHORIZATION"] = f"Token {self.token}"
        if self.bearer:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.bearer}"
        sent = len(mail.outbox)
        before = self.matrix.last_writes if self.matrix.last_writes is not None else _writes()
        self.matrix.last_writes = None
        if method == "get":
            response = client.get(url, **extra)
        elif route.accepts_api_token or route.route.startswith("api/"):
            response = getattr(client, method)(
                url, data=json.dumps(body or {}), content_type="application/json", **extra
            )
        elif method == "post":
            response = client.post(url, data=body or {}, **extra)
        else:
            response = getattr(client, method)(url, data="", **extra)
        after = _writes()
        written = self._written(before, after)
        self.matrix.last_writes = after
        connection.set_schema_to_public()
        answer = Answer(
            method,
            url,
            response.status_code,
            response.get("Location", ""),
            _content(response),
            response.get("Content-Type", ""),
        )
        assert answer.status < 500, answer
        for marker in self.victim.markers:
            assert marker.encode() not in answer.body.lower(), (answer, "victim data in the body")
            assert marker not in answer.location.lower(), (answer, "victim data in Location")
        assert written == [], (answer, "written", written)
        assert len(mail.outbox) == sent, (answer, "e-mail sent", mail.outbox[-1].subject)
        return answer

    def _written(self, before: dict, after: dict) -> list[str]:
        own = self.schema()
        changed = []
        for key in sorted(set(before) | set(after)):
            if before.get(key) == after.get(key):
                continue
            schema, table = key
            if schema == own and (table in SESSION_TABLES or self.own_writes):
                continue  # the client's own session; or the attacker's own tenant (see above)
            if schema == "public" and self.own_writes and table.startswith(("tenants_", "billing")):
                continue  # Montréal's own tenant row: Paris's rows are compared below
            changed.append(f"{schema}.{table} {before.get(key)} -> {after.get(key)}")
        public_changed = any(
            schema == "public" and before.get((schema, table)) != counts
            for (schema, table), counts in after.items()
        )
        if self.own_writes and public_changed:
            assert _public_rows_of(self.matrix.paris) == self.matrix.paris_public_rows
        return changed


def _on_paris(matrix: Matrix, url: str) -> HttpResponse:
    """The victim's own admin reads the URL on Paris's host (unchecked: it is Paris's data)."""
    # The SAML and OIDC rows of the victim world are bare (no IdP behind them): their pages may
    # fail on Paris, which is no concern of this module.
    client = Client(HTTP_HOST=matrix.paris.primary_host, raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = matrix.paris_session
    response = client.get(url)
    connection.set_schema_to_public()
    matrix.last_writes = None
    return response


def _anonymous(attack: Attack, route: Route, method: str) -> tuple[int, str]:
    """What an anonymous visitor gets for the same request (asked once per module)."""
    key = (attack.host, route.key, method)
    if key not in attack.matrix.anonymous:
        anonymous = Attack(attack.matrix, attack.host, attack.victim)
        answer = anonymous.send(route, method)
        attack.matrix.anonymous[key] = (answer.status, answer.location)
    return attack.matrix.anonymous[key]


def _is_login_redirect(answer: Answer) -> bool:
    return answer.status == 302 and answer.location.startswith(
        ("/accounts/login/", "/admin/login/", "/console/login/")
    )


def _refused_object(answer: Answer, route: Route) -> bool:
    """A Paris object asked for on Montréal. Not found (404); or refused before any lookup,
    whatever the id: a method the route does not take (405), a role the signed-in user lacks
    (403), a sign-in the route needs. Django's admin answers a missing object with a redirect to
    its index ("… doesn't exist"). A redirect deeper into the same path hands over to the route
    that does the lookup, which has its own row in the matrix (the admin's old `<id>/` URLs to
    `<id>/change/`, allauth's SAML ACS to `acs/finish/`)."""
    if answer.status in {403, 404, 405} or _is_login_redirect(answer):
        return True
    if answer.status != 302:
        return False
    if route.admin_model is not None and answer.location == "/admin/":
        return True
    return answer.location.startswith(answer.url) and answer.location != answer.url


def _ids(routes: list[Route]) -> list[Any]:
    return [pytest.param(route, id=route.key) for route in routes]


# --- the completeness guard --------------------------------------------------------------------


def test_every_route_is_in_the_matrix(matrix: Matrix) -> None:
    """A route the matrix cannot fill fails here: add its parameter to routes.FILLERS (how to
    get a Paris value), its admin model to the victim world, or the route to routes.EXEMPT with
    the reason."""
    problems = []
    for route, victim in [(r, matrix.victim) for r in ALL_TENANT_ROUTES] + [
        (r, matrix.public_victim) for r in ALL_PUBLIC_ROUTES
    ]:
        if route.key in EXEMPT:
            continue
        missing = unfillable(route, victim)
        if missing:
            problems.append(f"{route.key}: cannot fill {missing}")
            continue
        url = victim_url(route, victim)
        if not route.matches(url):
            problems.append(f"{route.key}: the filled URL {url} does not fit the route")
        elif route in TENANT_ROUTES or route in PUBLIC_ROUTES:
            other = shadowed_by(route, url)
            if other is not None:
                problems.append(f"{route.key}: {url} is answered by {other}")
        elif shadowed_by(route, url) is None:
            problems.append(f"{route.key}: reachable but left out of the matrix")
    stale = set(EXEMPT) - {route.key for route in ALL_TENANT_ROUTES + ALL_PUBLIC_ROUTES}

    assert problems == [], "\n".join(problems)
    assert stale == set(), f"exemptions for routes that no longer exist: {stale}"


def _new_view(request: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse()


def test_a_new_route_with_an_unknown_parameter_is_reported(matrix: Matrix) -> None:
    """What the completeness test relies on: a route whose parameter no filler knows, or whose
    admin model has no victim object, is listed (never silently skipped)."""
    urlconf = types.ModuleType("isolation_matrix_new_routes")
    urlconf.urlpatterns = [  # type: ignore[attr-defined]
        path("badges/<int:badge_id>/", _new_view, name="badge"),
        path("missions/<int:mission_id>/", _new_view, name="mission"),
        path("admin/tenants/domain/<path:object_id>/change/", _new_view, name="domain"),
    ]
    found = {route.name: route for route in routes(urlconf)}  # type: ignore[arg-type]

    assert unfillable(found["badge"], matrix.victim) == ["badge_id"]
    assert unfillable(found["mission"], matrix.victim) == []
    assert unfillable(found["domain"], matrix.victim) == ["object_id"]


def test_the_walk_finds_every_family_of_routes(matrix: Matrix) -> None:
    """The walk reaches into every include: allauth, the admin, /api/v1/, pages, billing."""
    keys = {route.key for route in TENANT_ROUTES}
    for expected in (
        "tenant:/branding/logo",
        "tenant:/admin/engagement/mission/<path:object_id>/change/",
        "tenant:/accounts/login/",
        "tenant:/accounts/2fa/",
        "tenant:/accounts/settings/sign-in/",
        "tenant:/billing/checkout/",
        "tenant:/organisation/<int:organization_id>/edit/",
        "tenant:/mes-engagements/<int:participation_id>/agenda.ics",
        "tenant:/api/schema/",
    ):
        assert expected in keys
    # Every endpoint of the API's permission matrix is a route the walk found.
    assert {key for key, _ in matrix.endpoints} <= keys
    assert {route.key for route in PUBLIC_ROUTES} >= {
        "public:/",
        "public:/console/",
        "public:/billing/stripe/webhook/",
        "public:/api/platform/v1/tenants/",
        "public:/api/platform/v1/tenants/<slug:slug>/deprovision/",
    }


# --- tenant routes --------------------------------------------------------------------------


@pytest.mark.parametrize("route", _ids(TENANT_ROUTES))
def test_paris_url_on_montreal_host_as_its_admin(matrix: Matrix, route: Route) -> None:
    """Another tenant's host: Montréal's admin (superuser, second factor on) asks for Paris's
    URL. A Paris object is not found; any other page shows nothing of Paris."""
    attack = Attack(
        matrix,
        matrix.montreal.primary_host,
        matrix.victim,
        session=matrix.montreal_admin_session,
        own_writes=not (names_victim_object(route) or names_victim_token(route)),
    )
    if "get" in route.methods:
        # Paris reads its page first, so that whatever it leaves in a cache is there to leak.
        _on_paris(matrix, attack.url_and_body(route, "get")[0])
    for method in route.methods:
        answer = attack.send(route, method)
        if names_victim_object(route):
            assert _refused_object(answer, route), answer


@pytest.mark.parametrize(
    "path",
    [
        "/missions/{mission_id}/",
        "/organisation/moderation/",
        "/api/v1/missions/{mission_id}/",
        "/api/v1/organizations/{organization_id}/members/",
        "/admin/engagement/mission/{mission_id}/change/",
        "/accounts/api/me/",
        "/gestion/exports/telechargement/{export_download_token}/",
        "/agenda/{calendar_feed_token}.ics",
        "/certificats/{certificate_token}/",
    ],
)
def test_the_markers_show_on_paris_itself(matrix: Matrix, path: str) -> None:
    """The leak check can fail: on its own host, Paris's admin sees the marked data."""
    response = _on_paris(matrix, path.format(**matrix.victim.values))

    assert response.status_code == 200
    assert MARKER.encode() in _content(response).lower()


@pytest.mark.parametrize("route", _ids(TENANT_OBJECT_ROUTES))
def test_paris_ids_on_montreal_as_an_organization_admin(matrix: Matrix, route: Route) -> None:
    """Object ids: a Montréal organization admin (and volunteer) asks for Paris's objects."""
    attack = Attack(
        matrix,
        matrix.montreal.primary_host,
        matrix.victim,
        session=matrix.montreal_member_session,
    )
    for method in route.methods:
        answer = attack.send(route, method)
        if names_victim_object(route):
            assert _refused_object(answer, route), answer


@pytest.mark.parametrize("route", _ids(TENANT_ROUTES))
def test_paris_session_is_anonymous_on_montreal(matrix: Matrix, route: Route) -> None:
    """Paris's admin session cookie sent to Montréal: exactly what an anonymous visitor gets."""
    attack = Attack(
        matrix, matrix.montreal.primary_host, matrix.victim, session=matrix.paris_session
    )
    for method in route.methods:
        anonymous = _anonymous(attack, route, method)
        answer = attack.send(route, method)
        assert (answer.status, answer.location) == anonymous, answer


@pytest.mark.parametrize("route", _ids(TENANT_ROUTES))
def test_paris_api_token_is_refused_on_montreal(matrix: Matrix, route: Route) -> None:
    """Paris's API token on Montréal: 401 wherever a token is read, anonymous elsewhere."""
    attack = Attack(matrix, matrix.montreal.primary_host, matrix.victim, token=matrix.paris_token)
    for method in route.methods:
        answer = attack.send(route, method)
        if route.accepts_api_token:
            assert answer.status == 401, answer
            if answer.content_type.startswith("application/json"):
                assert json.loads(answer.body)["code"] == "authentication_failed", answer
        else:
            assert (answer.status, answer.location) == _anonymous(attack, route, method), answer


@pytest.mark.parametrize("route", _ids(TENANT_ROUTES))
def test_paris_bearer_api_token_is_refused_on_montreal(matrix: Matrix, route: Route) -> None:
    """Paris's API token (`Bearer ent_…`) on Montréal: 401 wherever a token is read, anonymous
    elsewhere."""
    attack = Attack(
        matrix, matrix.montreal.primary_host, matrix.victim, bearer=matrix.paris_api_token
    )
    for method in route.methods:
        answer = attack.send(route, method)
        if route.accepts_api_token:
            assert answer.status == 401, answer
            if answer.content_type.startswith("application/json"):
                assert json.loads(answer.body)["code"] == "token_invalid", answer
        else:
            assert (answer.status, answer.location) == _anonymous(attack, route, method), answer


@pytest.mark.parametrize("route", _ids(TENANT_ROUTES))
def test_tenant_route_on_the_public_host_is_not_found(matrix: Matrix, route: Route) -> None:
    """Paris's URL on the platform's host, with Paris's session and token: the public URL conf
    does not have it (404), or it is another, public page that knows nothing of Paris."""
    attack = Attack(
        matrix,
        settings.BASE_DOMAIN,
        matrix.victim,
        session=matrix.paris_session,
        token=matrix.paris_token,
    )
    for method in route.methods:
        answer = attack.send(route, method)
        if not resolves_in(answer.url, PUBLIC_URLCONF):
            assert answer.status == 404, answer


# --- public routes --------------------------------------------------------------------------


@pytest.mark.parametrize("route", _ids(PUBLIC_ROUTES))
def test_public_route_with_paris_credentials_is_anonymous(matrix: Matrix, route: Route) -> None:
    """The console, the platform API and the product site ignore a tenant's session and token:
    401 where a token is read (the platform API), what an anonymous visitor gets elsewhere."""
    attack = Attack(
        matrix,
        settings.BASE_DOMAIN,
        matrix.public_victim,
        session=matrix.paris_session,
        token=matrix.paris_token,
    )
    for method in route.methods:
        answer = attack.send(route, method)
        if route.accepts_api_token:
            assert answer.status == 401, answer
        else:
            assert (answer.status, answer.location) == _anonymous(attack, route, method), answer


@pytest.mark.parametrize("route", _ids(PUBLIC_ROUTES))
def test_public_route_on_a_tenant_host_is_not_found(matrix: Matrix, route: Route) -> None:
    """The console and the platform API do not exist on Montréal's host, even for its admin."""
    attack = Attack(
        matrix,
        matrix.montreal.primary_host,
        matrix.public_victim,
        session=matrix.montreal_admin_session,
    )
    for method in route.methods:
        answer = attack.send(route, method)
        if not resolves_in(answer.url, TENANT_URLCONF):
            assert answer.status == 404, answer
