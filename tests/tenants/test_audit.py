"""The audit trail: written by every app's services, read by tenant admins only, read-only."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client

from tenants.audit.models import AuditEvent
from tenants.audit.services import audit_record
from tests.engagement.factories import (
    AuditEventFactory,
    ModeratorFactory,
    OrganizationFactory,
    TenantAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

AUDIT = "/admin/audit/auditevent"


class TenantClient(Client):
    """A client on the tenant's host that puts the test's connection back on the tenant after
    each request (the routing middleware leaves it on the public schema)."""

    def __init__(self, tenant, **defaults):
        super().__init__(HTTP_HOST=tenant.primary_host, **defaults)
        self.tenant = tenant

    def request(self, **request):
        try:
            return super().request(**request)
        finally:
            connection.set_tenant(self.tenant)


def _client(tenant, user):
    # Staff reach admin areas only with a second factor (accounts.middleware).
    TOTP.activate(user, generate_totp_secret())
    client = TenantClient(tenant)
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(in_paris):
    return _client(in_paris, TenantAdminFactory(email="maire@paris.example", is_staff=True))


def test_audit_record_writes_who_did_what_to_which_object(in_paris):
    admin = TenantAdminFactory()
    organization = OrganizationFactory()

    audit_record(
        actor=admin, action="organization.verified", target=organization, data={"note": "ok"}
    )
    audit_record(actor=AnonymousUser(), action="x.done", target=organization)

    assert list(
        AuditEvent.objects.order_by("id").values_list(
            "actor_id", "action", "target_type", "target_id", "data"
        )
    ) == [
        (admin.pk, "organization.verified", "organization", organization.pk, {"note": "ok"}),
        (None, "x.done", "organization", organization.pk, {}),
    ]


def test_the_table_kept_its_name_in_each_tenant_schema(in_paris):
    AuditEventFactory()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t_paris.engagement_auditevent")
        assert cursor.fetchone() == (1,)
    assert AuditEvent._meta.db_table == "engagement_auditevent"
    assert AuditEvent._meta.app_label == "audit"


def test_the_tenant_admin_reads_the_audit_trail(admin_client):
    event = AuditEventFactory(action="mission.published")

    index = admin_client.get("/admin/").content.decode()
    changelist = admin_client.get(f"{AUDIT}/")
    page = admin_client.get(f"{AUDIT}/{event.pk}/change/")

    assert f'href="{AUDIT}/"' in index
    assert changelist.status_code == 200
    assert "mission.published" in changelist.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # read-only


def test_nobody_adds_changes_or_deletes_an_audit_event(admin_client):
    event = AuditEventFactory(action="mission.published")

    added = admin_client.post(f"{AUDIT}/add/", {"action": "forged", "target_type": "x"})
    changed = admin_client.post(f"{AUDIT}/{event.pk}/change/", {"action": "forged"})
    deleted = admin_client.post(f"{AUDIT}/{event.pk}/delete/", {"post": "yes"})
    bulk = admin_client.post(
        f"{AUDIT}/",
        {"action": "delete_selected", "_selected_action": [str(event.pk)], "post": "yes"},
    )

    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert bulk.status_code in (200, 302)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["mission.published"]


@pytest.mark.parametrize("make_user", [ModeratorFactory, lambda: UserFactory(is_staff=True)])
def test_moderators_and_other_staff_do_not_see_the_audit_trail(in_paris, make_user):
    client = _client(in_paris, make_user())

    index = client.get("/admin/").content.decode()

    assert f'href="{AUDIT}/"' not in index
    assert client.get(f"{AUDIT}/").status_code == 403


def test_a_volunteer_gets_the_403_page(in_paris):
    client = TenantClient(in_paris)
    client.force_login(UserFactory())

    response = client.get(f"{AUDIT}/")

    # At once, not through the admin's login page (which would send them back: a loop).
    assert response.status_code == 403


def test_the_audit_changelist_costs_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    actor = TenantAdminFactory()
    AuditEventFactory.create_batch(2, actor=actor)
    admin_client.get(f"{AUDIT}/")  # warms the host → tenant cache
    with django_assert_max_num_queries(100) as small:
        admin_client.get(f"{AUDIT}/")
    AuditEventFactory.create_batch(10, actor=actor)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert admin_client.get(f"{AUDIT}/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
