"""Another tenant's objects are unreachable (404) from every endpoint, and a session or token of
one tenant means nothing on another."""

import pytest
from django_tenants.utils import tenant_context

from tests.engagement.api.endpoints import ENDPOINTS, state_snapshot
from tests.engagement.conftest import error_body
from tests.engagement.factories import ModeratorFactory, TenantAdminFactory

pytestmark = pytest.mark.django_db

WITH_ID = [endpoint for endpoint in ENDPOINTS if endpoint.has_id]


@pytest.fixture
def montreal_admins(montreal):
    with tenant_context(montreal):
        return TenantAdminFactory(email="admin@restos.example"), ModeratorFactory()


@pytest.mark.parametrize("endpoint", WITH_ID, ids=str)
def test_a_paris_id_is_a_404_on_montreal_even_for_its_admins(
    endpoint, world, montreal, montreal_admins, api_for
):
    before = state_snapshot()
    for user in montreal_admins:
        response = api_for(montreal, user).request(
            endpoint.method, endpoint.path(world), endpoint.body(world) if endpoint.body else None
        )

        assert response.status_code == 404, (user, response.content)
        body = error_body(response)
        assert (body["code"], body["fields"]) == ("not_found", {})
    assert state_snapshot() == before


def test_montreal_lists_show_nothing_of_paris(world, montreal, montreal_admins, api_for):
    admin, moderator = montreal_admins
    client = api_for(montreal, admin)

    assert client.get("missions/").json()["count"] == 0
    assert client.get("missions/", {"lat": 48.8566, "lng": 2.3522}).json()["count"] == 0
    assert client.get("missions/map/").json()["features"] == []
    assert client.get("moderation/missions/").json()["count"] == 0
    assert client.get("moderation/organizations/").json()["count"] == 0
    assert client.get("me/participations/", {"scope": "all"}).json()["count"] == 0
    assert client.get("organizations/").json()["count"] == 0
    with tenant_context(world.tenant):
        paris_count = api_for(world.tenant).get("missions/").json()["count"]
    assert paris_count == 1


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_paris_session_is_anonymous_on_montreal(endpoint, world, montreal, api_for):
    paris_session = api_for(world.tenant, world.tenant_admin)
    anonymous = api_for(montreal)
    body = endpoint.body(world) if endpoint.body else None

    response = paris_session.on(montreal).request(endpoint.method, endpoint.path(world), body)

    expected = anonymous.request(endpoint.method, endpoint.path(world), body).status_code
    assert response.status_code == expected
    assert response.status_code in {200, 401, 404}
    if endpoint.expected["anonymous"] == 401:
        assert response.status_code == 401


def test_a_paris_session_is_anonymous_on_montreal_even_for_its_own_url(world, montreal, api_for):
    paris_session = api_for(world.tenant, world.volunteer)
    assert paris_session.get("me/participations/").status_code == 200

    assert paris_session.on(montreal).get("me/participations/").status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_paris_token_is_refused_on_montreal(endpoint, world, montreal, api_for):
    paris_token = api_for(world.tenant, world.tenant_admin, token=True)
    before = state_snapshot()

    response = paris_token.on(montreal).request(
        endpoint.method, endpoint.path(world), endpoint.body(world) if endpoint.body else None
    )

    assert response.status_code == 401
    assert error_body(response)["code"] == "authentication_failed"
    assert state_snapshot() == before
