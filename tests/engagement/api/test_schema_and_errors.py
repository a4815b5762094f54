import pytest
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from tests.engagement.conftest import error_body

pytestmark = pytest.mark.django_db

API_PATHS = {
    "/api/v1/missions/": {"get"},
    "/api/v1/missions/map/": {"get"},
    "/api/v1/places/": {"get"},
    "/api/v1/shared-missions/": {"get"},
    "/api/v1/missions/{mission_id}/": {"get", "patch"},
    "/api/v1/missions/{mission_id}/participations/": {"get", "post"},
    "/api/v1/missions/{mission_id}/slots/": {"get", "post"},
    "/api/v1/missions/{mission_id}/submit/": {"post"},
    "/api/v1/missions/{mission_id}/publish/": {"post"},
    "/api/v1/missions/{mission_id}/reject/": {"post"},
    "/api/v1/missions/{mission_id}/close/": {"post"},
    "/api/v1/missions/{mission_id}/cancel/": {"post"},
    "/api/v1/me/participations/": {"get"},
    "/api/v1/me/participations/{participation_id}/cancel/": {"post"},
    "/api/v1/me/profile/": {"get", "patch"},
    "/api/v1/me/calendar-feed/": {"get", "post", "delete"},
    "/api/v1/saved-searches/": {"get", "post"},
    "/api/v1/saved-searches/{saved_search_id}/": {"get", "patch", "delete"},
    "/api/v1/me/email-preferences/": {"get", "patch"},
    "/api/v1/missions/{mission_id}/messages/": {"get", "post"},
    "/api/v1/causes/": {"get"},
    "/api/v1/skills/": {"get"},
    "/api/v1/organizations/": {"get", "post"},
    "/api/v1/organizations/{organization_id}/": {"get", "patch"},
    "/api/v1/organizations/{organization_id}/missions/": {"get", "post"},
    "/api/v1/organizations/{organization_id}/verify/": {"post"},
    "/api/v1/organizations/{organization_id}/logo/": {"put", "delete"},
    "/api/v1/organizations/{organization_id}/members/": {"get"},
    "/api/v1/organizations/{organization_id}/members/{membership_id}/": {"delete"},
    "/api/v1/organizations/{organization_id}/invitations/": {"get", "post"},
    "/api/v1/organizations/{organization_id}/calendar-feed/": {"get", "post", "delete"},
    "/api/v1/invitations/accept/": {"post"},
    "/api/v1/slots/{slot_id}/": {"patch"},
    "/api/v1/slots/{slot_id}/cancel/": {"post"},
    "/api/v1/slots/{slot_id}/participations/": {"get"},
    "/api/v1/participations/{participation_id}/confirm/": {"post"},
    "/api/v1/participations/{participation_id}/decline/": {"post"},
    "/api/v1/participations/{participation_id}/attended/": {"post"},
    "/api/v1/participations/{participation_id}/no-show/": {"post"},
    "/api/v1/moderation/missions/": {"get"},
    "/api/v1/slots/{slot_id}/group-signup/": {"post"},
    "/api/v1/seat-holds/": {"get"},
    "/api/v1/campaigns/": {"get"},
    "/api/v1/campaigns/{slug}/": {"get"},
    "/api/v1/me/teams/": {"get"},
    "/api/v1/seat-holds/{hold_id}/claim/": {"post"},
    "/api/v1/seat-holds/{hold_id}/decline/": {"post"},
    "/api/v1/moderation/organizations/": {"get"},
    "/api/v1/me/friends/": {"get"},
    "/api/v1/me/friends/requests/": {"get"},
    "/api/v1/me/friends/requests/{user_id}/accept/": {"post"},
    "/api/v1/me/friends/requests/{user_id}/decline/": {"post"},
    "/api/v1/me/friends/invite/": {"post"},
    "/api/v1/me/friends/link/": {"post"},
    "/api/v1/me/friends/invitations/accept/": {"post"},
    "/api/v1/me/friends/invitations/decline/": {"post"},
    "/api/v1/me/friends/privacy/": {"get", "patch"},
    "/api/v1/me/friends/{user_id}/": {"delete"},
    "/api/v1/me/friends/{user_id}/block/": {"post", "delete"},
    "/api/v1/missions/{mission_id}/recommend-to-friends/": {"post"},
    "/api/v1/me/notifications/": {"get"},
    "/api/v1/me/notifications/read/": {"post"},
    "/api/v1/me/work-time/": {"get"},
    "/api/v1/me/work-time/requests/": {"get", "post"},
    "/api/v1/work-time/requests/{work_time_request_id}/approve/": {"post"},
    "/api/v1/work-time/requests/{work_time_request_id}/refuse/": {"post"},
    "/api/v1/me/hours-declarations/": {"get", "post"},
}


def test_schema_lists_every_api_operation(in_paris, api_for):
    response = api_for(in_paris).get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    paths = {
        path: set(operations) - {"parameters"}
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
    }
    assert paths == API_PATHS
    search = schema["paths"]["/api/v1/missions/"]["get"]
    assert {parameter["name"] for parameter in search["parameters"]} >= {
        "lat",
        "lng",
        "radius_km",
        "bbox",
        "cause",
        "skill",
        "date_from",
        "date_to",
        "availability",
        "remote",
        "step_free",
        "open_to_minors",
        "beginner_friendly",
        "q",
        "sort",
        "page",
        "page_size",
    }
    listing = schema["components"]["schemas"]["PaginatedMissionList"]
    assert set(listing["properties"]) == {"count", "count_is_exact", "next", "previous", "results"}
    assert listing["properties"]["count_is_exact"]["type"] == "boolean"
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {
        "detail",
        "code",
        "fields",
    }
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_schema_of_the_engagement_api_generates_without_warnings(capsys):
    reset_generator_stats()

    SchemaGenerator(urlconf="config.urls_tenant").get_schema(request=None, public=True)

    problems = [
        line
        for line in capsys.readouterr().err.splitlines()
        if "engagement" in line and ("Warning" in line or "Error" in line)
    ]
    assert problems == []
    assert not [key for key in GENERATOR_STATS._error_cache if "engagement" in key]


def test_api_docs_page(in_paris, api_for):
    response = api_for(in_paris).get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


@pytest.mark.parametrize(
    "path", ["nowhere/", "missions/abc/", "missions/12/unknown/", "missions", "slots/-1/"]
)
def test_unknown_api_paths_answer_in_the_error_shape(path, in_paris, api_for):
    response = api_for(in_paris).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_body(response)["code"] == "not_found"


def test_a_huge_id_is_a_404(in_paris, api_for):
    response = api_for(in_paris).get(f"missions/{2**70}/")

    assert response.status_code == 404
    assert error_body(response)["code"] == "not_found"


def test_method_not_allowed_keeps_the_error_shape(in_paris, api_for):
    response = api_for(in_paris).request("delete", "missions/")

    assert response.status_code == 405
    assert error_body(response)["code"] == "method_not_allowed"
