"""Fixtures of the engagement tests: a JSON API client bound to a tenant host, a small world of
actors, and for the service tests a verified organization with an admin and an editor, a published
mission and a slot, all in Paris.

`ApiClient` requests go through the whole middleware stack on the tenant's host; the routing
middleware leaves the connection on the public schema afterwards, so the client puts back the
schema the test was using (tests keep creating data with factories between requests).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone, translation
from django_tenants.utils import get_public_schema_name, tenant_context
from rest_framework.authtoken.models import Token

from accounts.models import User
from engagement.missions import search
from engagement.missions.models import Mission
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)
from engagement.participations.models import Participation
from tenants.audit.models import AuditEvent
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ModeratorFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
)

API = "/api/v1/"


class ApiClient:
    def __init__(self, tenant: Any, *, user: User | None = None, token: bool = False) -> None:
        self.tenant = tenant
        self.client = Client(HTTP_HOST=tenant.primary_host)
        self.extra: dict[str, str] = {}
        if user is not None:
            with tenant_context(tenant):
                if token:
                    key = Token.objects.get_or_create(user=user)[0].key
                    self.extra["HTTP_AUTHORIZATION"] = f"Token {key}"
                else:
                    self.client.force_login(user)

    def on(self, tenant: Any) -> ApiClient:
        """The same cookies and headers sent to another tenant's host."""
        other = ApiClient(tenant)
        other.client.cookies = self.client.cookies
        other.extra = dict(self.extra)
        return other

    def _restore(self, schema: str, tenant: Any) -> None:
        if schema == get_public_schema_name():
            connection.set_schema_to_public()
        else:
            connection.set_tenant(tenant)

    def request(self, method: str, path: str, data: Any = None, **extra: Any) -> HttpResponse:
        url = path if path.startswith("/") else API + path
        schema, tenant = connection.schema_name, connection.tenant
        try:
            if method == "get":
                return self.client.get(url, data or {}, **self.extra, **extra)
            body = data if isinstance(data, (str, bytes)) else json.dumps(data or {})
            return getattr(self.client, method)(
                url, data=body, content_type="application/json", **self.extra, **extra
            )
        finally:
            self._restore(schema, tenant)

    def get(self, path: str, params: dict[str, Any] | None = None, **extra: Any) -> HttpResponse:
        return self.request("get", path, params, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> HttpResponse:
        return self.request("post", path, data, **extra)

    def patch(self, path: str, data: Any = None, **extra: Any) -> HttpResponse:
        return self.request("patch", path, data, **extra)

    def delete(self, path: str, **extra: Any) -> HttpResponse:
        return self.request("delete", path, None, **extra)

    def upload(self, method: str, path: str, files: dict[str, Any]) -> HttpResponse:
        """A multipart/form-data request (file fields as SimpleUploadedFile)."""
        url = path if path.startswith("/") else API + path
        schema, tenant = connection.schema_name, connection.tenant
        try:
            return getattr(self.client, method)(
                url,
                data=encode_multipart(BOUNDARY, files),
                content_type=MULTIPART_CONTENT,
                **self.extra,
            )
        finally:
            self._restore(schema, tenant)


@pytest.fixture
def api_for() -> Callable[..., ApiClient]:
    def make(tenant: Any, user: User | None = None, *, token: bool = False) -> ApiClient:
        return ApiClient(tenant, user=user, token=token)

    return make


@dataclass
class World:
    """One organization with its admin and editor, another organization, a volunteer, a
    moderator and a tenant admin; missions in each state; participations to act on."""

    tenant: Any
    organization: Organization
    other_organization: Organization
    pending_organization: Organization
    admin: User
    editor: User
    other_member: User
    volunteer: User
    moderator: User
    tenant_admin: User
    published: Mission
    in_review: Mission
    draft: Mission
    slot: Any
    free_slot: Any  # another date of `published` nobody joined yet
    started_slot: Any
    own_participation: Participation  # the volunteer's, confirmed on `slot`
    requested: Participation  # someone else's, awaiting approval on `slot`
    confirmed_started: Participation  # someone else's, confirmed on a slot that started
    editor_membership: OrganizationMembership
    invitation: OrganizationInvitation  # to the volunteer's address, to join `organization`

    def actor(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


ACTORS = ("anonymous", "volunteer", "other_member", "admin", "editor", "moderator", "tenant_admin")


def build_world(tenant: Any) -> World:
    organization = OrganizationFactory(name="Les Restos du Cœur")
    other_organization = OrganizationFactory(name="Autre association")
    pending_organization = OrganizationFactory(
        name="En attente", verification_status=Organization.Verification.PENDING, verified_at=None
    )
    admin = MembershipFactory(organization=organization).user
    editor_membership = MembershipFactory(
        organization=organization, role=OrganizationMembership.Role.EDITOR
    )
    editor = editor_membership.user
    other_member = MembershipFactory(organization=other_organization).user
    volunteer = UserFactory()
    moderator = ModeratorFactory()
    tenant_admin = TenantAdminFactory()
    published = MissionFactory(organization=organization, title="Distribution de repas")
    slot = SlotFactory(mission=published, capacity=10)
    in_review = MissionFactory(
        organization=organization, status=Mission.Status.IN_REVIEW, title="En relecture"
    )
    SlotFactory(mission=in_review)
    draft = MissionFactory(
        organization=organization, status=Mission.Status.DRAFT, title="Brouillon"
    )
    SlotFactory(mission=draft)
    now = timezone.now()
    free_slot = SlotFactory(
        mission=published,
        starts_at=now + timedelta(days=14),
        ends_at=now + timedelta(days=14, hours=2),
    )
    started_slot = SlotFactory(
        mission=published, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)
    )
    own_participation = ParticipationFactory(slot=slot, volunteer=volunteer)
    requested = ParticipationFactory(slot=slot, status=Participation.Status.REQUESTED)
    confirmed_started = ParticipationFactory(slot=started_slot)
    invitation = OrganizationInvitation.objects.create(
        organization=organization,
        email=volunteer.email,
        role=OrganizationMembership.Role.EDITOR,
        invited_by=admin,
    )
    return World(
        tenant=tenant,
        organization=organization,
        other_organization=other_organization,
        pending_organization=pending_organization,
        admin=admin,
        editor=editor,
        other_member=other_member,
        volunteer=volunteer,
        moderator=moderator,
        tenant_admin=tenant_admin,
        published=published,
        in_review=in_review,
        draft=draft,
        slot=slot,
        free_slot=free_slot,
        started_slot=started_slot,
        own_participation=own_participation,
        requested=requested,
        confirmed_started=confirmed_started,
        editor_membership=editor_membership,
        invitation=invitation,
    )


@pytest.fixture
def world(in_paris: Any) -> World:
    return build_world(in_paris)


def error_body(response: HttpResponse) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}, body
    return body


# --- Service tests -------------------------------------------------------------------------------


@pytest.fixture
def english_messages():
    """Error messages are asserted in English, their source language (catalogs translate them)."""
    with translation.override("en"):
        yield


@pytest.fixture
def organization(in_paris):
    return OrganizationFactory(name="Les Restos du Cœur Paris 11")


@pytest.fixture
def org_admin(organization):
    return MembershipFactory(organization=organization, role=OrganizationMembership.Role.ADMIN).user


@pytest.fixture
def org_editor(organization):
    return MembershipFactory(
        organization=organization, role=OrganizationMembership.Role.EDITOR
    ).user


@pytest.fixture
def outsider(in_paris):
    """An admin of another organization."""
    return MembershipFactory(role=OrganizationMembership.Role.ADMIN).user


@pytest.fixture
def volunteer(in_paris):
    return UserFactory(email="camille@example.org", first_name="Camille")


@pytest.fixture
def mission(organization):
    return MissionFactory(organization=organization, title="Distribution de repas")


@pytest.fixture
def slot(mission):
    return SlotFactory(mission=mission, capacity=2)


@pytest.fixture
def started_slot(mission):
    now = timezone.now()
    return SlotFactory(
        mission=mission, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.fixture(autouse=True)
def _mission_estimates_between_tests() -> None:
    """The search keeps each tenant's mission count in the process for minutes
    (engagement.missions.search._tenant_has_many_missions); a test starts without it, so the
    queries a narrowed search makes do not depend on the tests that ran before."""
    search._mission_estimates.clear()
