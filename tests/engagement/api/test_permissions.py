"""The permission matrix: every endpoint × every kind of actor, and nothing changes on refusal."""

import pytest

from tests.engagement.api.endpoints import ENDPOINTS, state_snapshot
from tests.engagement.conftest import ACTORS, error_body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_permission_matrix(endpoint, actor, world, api_for):
    client = api_for(world.tenant, world.actor(actor))
    before = state_snapshot()

    response = client.request(
        endpoint.method, endpoint.path(world), endpoint.body(world) if endpoint.body else None
    )

    assert response.status_code == endpoint.expected[actor], response.content
    if response.status_code >= 400:
        error_body(response)
        assert state_snapshot() == before
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"


def test_token_authentication_works_like_a_session(world, api_for):
    client = api_for(world.tenant, world.admin, token=True)

    response = client.get(f"organizations/{world.organization.pk}/missions/")

    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_invalid_token_is_refused_even_on_public_endpoints(world, api_for):
    client = api_for(world.tenant)
    client.extra["HTTP_AUTHORIZATION"] = "Token not-a-token"

    response = client.get("missions/")

    assert response.status_code == 401
    assert error_body(response)["code"] == "authentication_failed"
