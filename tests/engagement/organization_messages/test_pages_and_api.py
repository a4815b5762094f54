"""Writing to participants from the mission page and the API: who may, what is shown, errors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tenants.utils import tenant_context

from engagement.organization_messages.models import OrganizationMessage
from tests.engagement.conftest import error_body
from tests.engagement.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BODY = {"audience": "confirmed", "subject": "Gants", "body": "Apportez des gants."}


def _page_client(client_for, tenant, user):
    client = client_for(tenant)
    with tenant_context(tenant):
        client.force_login(user)
    return client


def _count(tenant) -> int:
    with tenant_context(tenant):
        return OrganizationMessage.objects.count()


def test_an_editor_writes_from_the_mission_page_and_sees_the_log(
    client_for, paris, world, smtp_inbox, django_capture_on_commit_callbacks
):
    client = _page_client(client_for, paris, world.editor)
    url = reverse("engagement:organization-mission-message", args=[world.published.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {**BODY, "slot": str(world.slot.pk)})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/organisation/missions/{world.published.pk}/#messages")
    with tenant_context(paris):
        for callback in callbacks:
            callback()
    # Only the confirmed participant of that date (the other one awaits approval).
    [received] = smtp_inbox.all()
    assert received.envelope_to == [world.volunteer.email]

    page = client.get(reverse("engagement:organization-mission", args=[world.published.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert 'id="messages"' in content and "Gants" in content
    assert "Apportez des gants." in content


def test_a_bad_message_shows_the_page_again_with_its_errors(client_for, paris, world):
    client = _page_client(client_for, paris, world.admin)
    url = reverse("engagement:organization-mission-message", args=[world.published.pk])
    response = client.post(url, {**BODY, "subject": ""})
    assert response.status_code == 400
    assert 'id="messages"' in response.content.decode()
    assert _count(paris) == 0


@override_settings(ORGANIZATION_MESSAGES_PER_HOUR=1)
def test_too_many_messages_is_a_clear_429(client_for, paris, world, api_for):
    api = api_for(paris, world.admin)
    path = f"missions/{world.published.pk}/messages/"
    assert api.post(path, BODY).status_code == 201
    response = api.post(path, BODY)
    assert response.status_code == 429
    assert error_body(response)["code"] == "message_rate_limited"
    client = _page_client(client_for, paris, world.admin)
    url = reverse("engagement:organization-mission-message", args=[world.published.pk])
    page = client.post(url, BODY)
    assert page.status_code == 429
    assert _count(paris) == 1


@pytest.mark.parametrize("actor", ["other_member", "volunteer", "moderator"])
def test_outsiders_get_a_404_and_nothing_is_sent(client_for, api_for, paris, world, actor):
    user = getattr(world, actor)
    client = _page_client(client_for, paris, user)
    url = reverse("engagement:organization-mission-message", args=[world.published.pk])
    assert client.post(url, BODY).status_code == 404
    api = api_for(paris, user)
    path = f"missions/{world.published.pk}/messages/"
    assert api.post(path, BODY).status_code == 404
    assert api.get(path).status_code == 404
    assert _count(paris) == 0


def test_anonymous_is_refused(client_for, api_for, paris, world):
    url = reverse("engagement:organization-mission-message", args=[world.published.pk])
    assert client_for(paris).post(url, BODY).status_code == 302
    assert api_for(paris).post(f"missions/{world.published.pk}/messages/", BODY).status_code == 401
    assert _count(paris) == 0


def test_a_paris_mission_from_montreal_is_a_404(api_for, paris, montreal, world):
    with tenant_context(montreal):
        montreal_admin = MembershipFactory().user
    api = api_for(montreal, montreal_admin)
    assert api.post(f"missions/{world.published.pk}/messages/", BODY).status_code == 404
    assert _count(paris) == 0


def test_the_api_lists_and_validates(api_for, paris, world):
    api = api_for(paris, world.editor)
    path = f"missions/{world.published.pk}/messages/"
    response = api.post(path, {**BODY, "slot_id": world.slot.pk, "audience": "active"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slot_id"], body["audience"], body["recipient_count"]) == (
        world.slot.pk,
        "active",
        2,
    )
    assert "@" not in body["sender"]

    bad = api.post(path, {"audience": "all", "subject": "", "body": ""})
    assert bad.status_code == 400
    assert set(error_body(bad)["fields"]) == {"audience", "subject", "body"}
    foreign_slot = api.post(path, {**BODY, "slot_id": world.draft.pk * 1000})
    assert foreign_slot.status_code == 400
    assert "slot_id" in error_body(foreign_slot)["fields"]

    listed = api.get(path)
    assert listed.status_code == 200
    [item] = listed.json()["results"]
    assert item["subject"] == "Gants"


def _list_queries(api, path) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200
    return len(captured)


@override_settings(ORGANIZATION_MESSAGES_PER_HOUR=100, ORGANIZATION_MESSAGES_PER_DAY=100)
def test_the_message_log_costs_the_same_queries_for_1_and_6_messages(api_for, paris, world):
    api = api_for(paris, world.editor)
    path = f"missions/{world.published.pk}/messages/"
    assert api.post(path, BODY).status_code == 201
    api.get(path)  # warm the host cache
    with_one = _list_queries(api, path)
    for _ in range(5):
        assert api.post(path, BODY).status_code == 201
    with_six = _list_queries(api, path)
    assert len(api.get(path).json()["results"]) == 6
    assert with_one == with_six
