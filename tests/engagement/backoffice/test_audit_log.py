"""/gestion/journal/: who did what, when and from where; filters by person, type and dates;
pages of a fixed cost; the CSV export (streamed, formula-safe, itself audited); admins only."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from accounts.models import User
from engagement.backoffice.views_audit_log import PAGE_SIZE
from tenants.audit.models import AuditEvent
from tests.accounts.conftest import login, make_user
from tests.engagement.factories import AuditEventFactory, MissionFactory

pytestmark = pytest.mark.django_db

PAGE = "/gestion/journal/"
EXPORT = "/gestion/journal/export/"


def _event(tenant: Any, *, action: str, actor: User | None = None, **fields: Any) -> AuditEvent:
    with tenant_context(tenant):
        when = fields.pop("created_at", None)
        event = AuditEventFactory(action=action, actor=actor, **fields)
        if when is not None:
            AuditEvent.objects.filter(pk=event.pk).update(created_at=when)
        return event


def _rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


# --- who may open it ------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(paris, client_for):
    client = client_for(paris)

    assert client.get(PAGE)["Location"] == f"/accounts/login/?next={PAGE}"
    assert client.post(EXPORT)["Location"] == f"/accounts/login/?next={EXPORT}"


@pytest.mark.parametrize("fixture", ["backoffice_volunteer", "backoffice_moderator"])
def test_volunteers_and_moderators_get_a_403(paris, request, fixture):
    client = request.getfixturevalue(fixture)(paris)
    with tenant_context(paris):
        before = AuditEvent.objects.count()

    assert client.get(PAGE).status_code == 403
    assert client.post(EXPORT).status_code == 403
    with tenant_context(paris):
        assert AuditEvent.objects.count() == before


def test_a_moderator_does_not_see_it_in_the_navigation(paris, backoffice_moderator):
    page = backoffice_moderator(paris).get("/gestion/").content.decode()

    assert PAGE not in page
    assert "/gestion/integrations/" not in page


# --- what it shows --------------------------------------------------------------------------------


def test_the_admin_sees_sign_ins_and_failures_with_where_from(paris, backoffice_admin, client_for):
    victim = make_user(paris, "lea.audit@paris.example")
    stranger = client_for(paris)
    stranger.post(
        "/accounts/login/",
        {"login": "lea.audit@paris.example", "password": "not her password"},
        HTTP_USER_AGENT="Curious/1.0",
    )
    login(stranger, "nobody.audit@paris.example", "whatever")
    client = backoffice_admin(paris)

    response = client.get(PAGE, {"kind": "sign_ins"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "Journal d’activité" in page
    with tenant_context(paris):
        signed_in = AuditEvent.objects.get(action="auth.sign_in", actor=client.user)
        failed = list(
            AuditEvent.objects.filter(action="auth.sign_in_failed")
            .order_by("id")
            .values_list("actor_id", "target_type", "target_id", "data", "ip", "user_agent")
        )
    assert signed_in.ip == "127.0.0.1"
    assert signed_in.data == {"methods": ["password", "mfa"]}
    assert failed == [
        (
            None,
            "user",
            victim.pk,
            {"identifier": "lea.audit@paris.example", "reason": "password"},
            "127.0.0.1",
            "Curious/1.0",
        ),
        (
            None,
            "tenant",
            paris.pk,
            {"identifier": "nobody.audit@paris.example", "reason": "password"},
            "127.0.0.1",
            "",
        ),
    ]
    assert "Connexion réussie" in page
    assert "Échec de la connexion" in page
    assert "nobody.audit@paris.example" in page
    assert "Curious/1.0" in page
    assert "Compte #" in page
    assert "Ce site #" in page
    assert f'href="?actor={client.user.pk}"' in page


def test_a_wrong_second_factor_code_is_a_failed_sign_in(paris, client_for):
    from tests.accounts.conftest import mfa_enable, set_password

    admin = make_user(paris, "mfa.audit@paris.example", role="admin")
    set_password(paris, admin)
    mfa_enable(paris, admin)
    client = client_for(paris)
    login(client, admin.email)

    client.post("/accounts/2fa/authenticate/", {"code": "000000"})

    with tenant_context(paris):
        row = AuditEvent.objects.get(action="auth.sign_in_failed")
        assert not AuditEvent.objects.filter(action="auth.sign_in").exists()
    assert (row.target_type, row.target_id) == ("user", admin.pk)
    assert row.data == {"identifier": admin.email, "reason": "second_factor"}


def test_any_action_shows_with_a_label_or_its_own_name(paris, backoffice_admin):
    client = backoffice_admin(paris)
    _event(paris, action="user.role_changed", actor=client.user)
    _event(paris, action="mission.archived_by_robot", actor=client.user)

    page = client.get(PAGE).content.decode()

    assert "Rôle modifié" in page
    assert "mission.archived_by_robot" in page


# --- filters ------------------------------------------------------------------------------------


def test_filters_by_person_type_and_dates(paris, backoffice_admin):
    client = backoffice_admin(paris)
    zone = ZoneInfo(paris.timezone)
    alice = make_user(paris, "alice.filter@paris.example", first_name="Alice")
    bruno = make_user(paris, "bruno.filter@paris.example", last_name="Martin")
    with tenant_context(paris):
        AuditEvent.objects.all().delete()
    march = datetime(2025, 3, 10, 12, tzinfo=zone)
    _event(paris, action="mission.published", actor=alice, created_at=march)
    _event(paris, action="participation.requested", actor=alice, created_at=march)
    _event(paris, action="organization.rejected", actor=bruno, created_at=march + timedelta(days=5))
    _event(paris, action="auth.sign_in", actor=bruno, created_at=march + timedelta(days=20))

    def shown(**params: str) -> list[str]:
        response = client.get(PAGE, params)
        assert response.status_code == 200
        return [row["event"].action for row in response.context["events"]]

    assert shown(person="alice.filter") == ["participation.requested", "mission.published"]
    assert shown(person="martin") == ["auth.sign_in", "organization.rejected"]
    assert shown(actor=str(bruno.pk)) == ["auth.sign_in", "organization.rejected"]
    assert shown(kind="moderation") == ["organization.rejected", "mission.published"]
    assert shown(kind="sign_ins") == ["auth.sign_in"]
    assert shown(since="2025-03-15", until="2025-03-15") == ["organization.rejected"]
    assert shown(until="2025-03-10") == ["participation.requested", "mission.published"]
    assert shown(person="alice", kind="moderation", since="2025-03-01") == ["mission.published"]
    assert shown(person="nobody") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2025-03-15", "until": "2025-03-01"}, "until"),
        ({"since": "hier"}, "since"),
        ({"until": "1850-01-01"}, "until"),
        ({"kind": "everything"}, "kind"),
        ({"actor": "abc"}, "actor"),
        ({"actor": str(2**63)}, "actor"),
        ({"person": "x" * 255}, "person"),
    ],
)
def test_bad_filters_are_a_400_with_the_field_named(paris, backoffice_admin, params, field):
    client = backoffice_admin(paris)
    with tenant_context(paris):
        before = AuditEvent.objects.count()

    response = client.get(PAGE, params)
    export = client.post(EXPORT, params)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["page"] is None
    assert export.status_code == 400
    with tenant_context(paris):
        assert AuditEvent.objects.count() == before


def test_pages_cost_the_same_queries_whatever_the_size(paris, backoffice_admin):
    client = backoffice_admin(paris)
    _event(paris, action="mission.created", actor=client.user)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as small:
        assert client.get(PAGE, {"kind": "missions"}).status_code == 200
    with tenant_context(paris):
        mission = MissionFactory()
        actors = [make_user(paris, f"actor{n}@paris.example") for n in range(5)]
    for number in range(PAGE_SIZE + 10):
        _event(paris, action="mission.updated", actor=actors[number % 5], target_id=mission.pk)
    with CaptureQueriesContext(connection) as large:
        response = client.get(PAGE, {"kind": "missions", "page": "2"})

    assert response.status_code == 200
    assert len(response.context["events"]) == 11
    assert 'href="?kind=missions&amp;page=1"' in response.content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    # Session, user, second factor, the count and the page (with the actors).
    assert len(small.captured_queries) <= 8


# --- other tenants ------------------------------------------------------------------------------


def test_events_of_montreal_never_show_on_paris(paris, montreal, backoffice_admin):
    client = backoffice_admin(paris)
    _event(montreal, action="montreal.secret_action")

    page = client.get(PAGE).content.decode()
    rows = _rows(client.post(EXPORT))

    assert "montreal.secret_action" not in page
    assert all("montreal.secret_action" not in row for row in rows)


def test_an_admin_of_paris_is_nobody_on_montreal(paris, montreal, backoffice_admin, client_for):
    client = backoffice_admin(paris)
    elsewhere = client_for(montreal)
    elsewhere.cookies = client.cookies

    assert elsewhere.get(PAGE)["Location"] == f"/accounts/login/?next={PAGE}"
    assert elsewhere.post(EXPORT).status_code in {302, 403}
    with tenant_context(montreal):
        assert not AuditEvent.objects.filter(action="audit.exported").exists()


# --- export ---------------------------------------------------------------------------------------


def test_the_export_is_the_filtered_set_formula_safe_and_audited(paris, backoffice_admin):
    client = backoffice_admin(paris)
    with tenant_context(paris):
        AuditEvent.objects.all().delete()
    attacker = make_user(paris, "=cmd@paris.example", first_name="=HYPERLINK(1)")
    _event(paris, action="mission.published", actor=attacker, data={"note": "ok"})
    _event(paris, action="participation.requested", actor=attacker)
    _event(paris, action="mission.rejected", actor=None, data={"note": "=1+1"})

    response = client.post(EXPORT, {"kind": "moderation"})
    rows = _rows(response)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-paris-')
    assert rows[0][:5] == ["Date", "E-mail", "Nom", "Action", "Description"]
    assert [row[3] for row in rows[1:]] == ["mission.rejected", "mission.published"]
    assert rows[2][1] == "'=cmd@paris.example"
    assert rows[2][2] == "'=HYPERLINK(1)"
    assert rows[2][4] == "Mission publiée"
    assert rows[2][9] == '{"note": "ok"}'
    assert rows[1][1] == ""
    assert datetime.fromisoformat(rows[1][0]).utcoffset() == ZoneInfo(paris.timezone).utcoffset(
        datetime.fromisoformat(rows[1][0]).replace(tzinfo=None)
    )
    with tenant_context(paris):
        exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor_id == client.user.pk
    assert exported.data == {"filters": {"kind": "moderation"}}
    assert (exported.target_type, exported.target_id) == ("tenant", paris.pk)


def test_a_large_export_streams_every_row_in_batches(paris, backoffice_admin):
    client = backoffice_admin(paris)
    with tenant_context(paris):
        AuditEvent.objects.all().delete()
        AuditEvent.objects.bulk_create(
            AuditEvent(action="slot.updated", target_type="slot", target_id=n) for n in range(2500)
        )

    with CaptureQueriesContext(connection) as queries:
        rows = _rows(client.post(EXPORT, {"kind": "missions"}))

    assert len(rows) == 1 + 2500
    assert sorted(int(row[6]) for row in rows[1:]) == list(range(2500))
    batches = [q for q in queries.captured_queries if 'FROM "engagement_auditevent"' in q["sql"]]
    assert len(batches) == 3


def test_the_export_link_carries_the_filters(paris, backoffice_admin):
    client = backoffice_admin(paris)

    email = client.user.email
    page = client.get(PAGE, {"person": email, "kind": "sign_ins"}).content.decode()

    assert f'<input type="hidden" name="person" value="{email}">' in page
    assert '<input type="hidden" name="kind" value="sign_ins">' in page
    assert 'action="/gestion/journal/export/"' in page


def test_a_large_trail_is_counted_up_to_a_cap(paris, backoffice_admin, monkeypatch):
    from engagement.backoffice import views_audit_log

    monkeypatch.setattr(views_audit_log, "COUNT_CAP", 3)
    client = backoffice_admin(paris)
    for _ in range(5):
        _event(paris, action="slot.created")

    response = client.get(PAGE, {"kind": "missions"})

    assert "Plus de 3 événements : affinez avec les filtres" in response.content.decode()
    assert len(response.context["events"]) == 4
