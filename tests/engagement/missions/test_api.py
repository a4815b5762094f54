import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.api.base import MAX_BODY_BYTES
from engagement.missions.models import Mission, Slot
from tests.engagement.api.endpoints import state_snapshot
from tests.engagement.conftest import error_body
from tests.engagement.factories import CauseFactory, MissionFactory, SkillFactory, SlotFactory
from tests.engagement.missions.search_support import PARIS_ZONE

pytestmark = pytest.mark.django_db


def test_mission_detail_presents_texts_place_and_upcoming_dates(world, api_for):
    mission = world.published
    cause, skill = CauseFactory(slug="t-food"), SkillFactory(slug="t-cook")
    mission.causes.set([cause])
    mission.skills.set([skill])
    Mission.objects.filter(pk=mission.pk).update(moderation_note="Note interne")
    cancelled = SlotFactory(mission=mission, status=Slot.Status.CANCELLED)

    body = api_for(world.tenant).get(f"missions/{mission.pk}/").json()

    assert body["id"] == mission.pk
    assert body["title"] == "Distribution de repas"
    assert body["description"] == "<p>Venez nous aider.</p>"
    assert body["organization"]["name"] == "Les Restos du Cœur"
    assert [item["slug"] for item in body["causes"]] == ["t-food"]
    assert [item["slug"] for item in body["skills"]] == ["t-cook"]
    assert body["location"] == {"lat": pytest.approx(48.8566), "lng": pytest.approx(2.3522)}
    assert body["status"] == "published"
    assert body["moderation_note"] == ""
    # The started and the cancelled dates are not offered; soonest first.
    assert [slot["id"] for slot in body["upcoming_slots"]] == [world.slot.pk, world.free_slot.pk]
    assert cancelled.pk not in [slot["id"] for slot in body["upcoming_slots"]]
    assert body["upcoming_slots"][0] == {
        "id": world.slot.pk,
        "starts_at": world.slot.starts_at.astimezone(PARIS_ZONE).isoformat(),
        "ends_at": world.slot.ends_at.astimezone(PARIS_ZONE).isoformat(),
        "is_ongoing": False,
        "capacity": 10,
        "confirmed_count": 1,
        "held_count": 0,
        "seats_left": 9,
        "status": "open",
    }


def test_the_moderation_note_is_shown_to_members_and_moderators_only(world, api_for):
    Mission.objects.filter(pk=world.draft.pk).update(moderation_note="Précisez l'horaire")

    for user in (world.admin, world.editor, world.moderator):
        body = api_for(world.tenant, user).get(f"missions/{world.draft.pk}/").json()
        assert body["moderation_note"] == "Précisez l'horaire"
    Mission.objects.filter(pk=world.draft.pk).update(status=Mission.Status.PUBLISHED)
    body = api_for(world.tenant, world.volunteer).get(f"missions/{world.draft.pk}/").json()
    assert body["moderation_note"] == ""


def test_mission_detail_costs_a_fixed_number_of_queries(world, api_for):
    client = api_for(world.tenant)
    for _ in range(5):
        SlotFactory(mission=world.published)
    client.get(f"missions/{world.published.pk}/")

    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"missions/{world.published.pk}/").status_code == 200

    # search_path, mission + organization, causes and skills (one statement), slots
    assert len(captured) == 4


def test_create_mission_stores_sanitized_texts_as_a_draft(world, api_for):
    cause = CauseFactory(slug="t-env")
    payload = {
        "title": "<b>Nettoyage</b> des berges<script>alert(1)</script>",
        "summary": "Avec <i>gants</i> fournis",
        "description": '<p onclick="steal()">Rendez-vous <a href="javascript:alert(1)">ici</a>'
        "<script>alert('x')</script></p><img src=x onerror=alert(1)>",
        "cause_ids": [cause.pk],
        "location": {"lat": 48.853, "lng": 2.369},
        "address": "Quai de la Rapée",
        "postcode": "75012",
        "city": "Paris",
        "is_step_free": True,
    }

    response = api_for(world.tenant, world.editor).post(
        f"organizations/{world.organization.pk}/missions/", payload
    )

    assert response.status_code == 201, response.content
    body = response.json()
    mission = Mission.objects.get(pk=body["id"])
    assert mission.status == Mission.Status.DRAFT
    assert mission.title == "Nettoyage des berges"
    assert mission.summary == "Avec gants fournis"
    assert mission.description == '<p>Rendez-vous <a rel="noopener noreferrer nofollow">ici</a></p>'
    assert body["description"] == mission.description
    assert (mission.location.y, mission.location.x) == (48.853, 2.369)
    assert list(mission.causes.values_list("slug", flat=True)) == ["t-env"]
    assert mission.is_step_free is True
    assert body["status"] == "draft"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"title": "ok", "summary": "x" * 301}, "summary"),
        ({"title": "ok", "description": "x" * 30_001}, "description"),
        ({"title": "ok", "city": "x" * 121}, "city"),
        ({"title": "ok", "postcode": "x" * 17}, "postcode"),
        ({"title": "ok", "location": {"lat": 91, "lng": 2}}, "location"),
        ({"title": "ok", "location": {"lat": 48}}, "location"),
        ({"title": "ok", "location": "48,2"}, "location"),
        ({"title": "ok", "cause_ids": ["abc"]}, "cause_ids"),
        ({"title": "ok", "cause_ids": [0]}, "cause_ids"),
        ({"title": "ok", "cause_ids": [2**63]}, "cause_ids"),
        ({"title": "ok", "is_remote": True, "cause_ids": [999_999]}, "cause_ids"),
        ({"title": "ok", "is_remote": "perhaps"}, "is_remote"),
        ({"title": "ok", "is_remote": False}, "location"),
    ],
)
def test_bad_mission_input_is_a_400_and_stores_nothing(payload, field, world, api_for):
    before = state_snapshot()

    response = api_for(world.tenant, world.admin).post(
        f"organizations/{world.organization.pk}/missions/", payload
    )

    assert response.status_code == 400, response.content
    assert field in error_body(response)["fields"]
    assert state_snapshot() == before


def test_oversized_body_is_refused_before_parsing(world, api_for):
    before = state_snapshot()
    payload = json.dumps({"title": "ok", "description": "x" * MAX_BODY_BYTES})

    response = api_for(world.tenant, world.admin).post(
        f"organizations/{world.organization.pk}/missions/", payload
    )

    assert response.status_code == 413
    assert error_body(response)["code"] == "payload_too_large"
    assert state_snapshot() == before


def test_malformed_json_and_non_object_bodies_are_400(world, api_for):
    client = api_for(world.tenant, world.admin)
    path = f"organizations/{world.organization.pk}/missions/"

    malformed = client.post(path, "{not json")
    listed = client.post(path, "[1, 2]")

    assert malformed.status_code == 400
    assert error_body(malformed)["code"] == "parse_error"
    assert listed.status_code == 400
    assert list(error_body(listed)["fields"]) == ["non_field_errors"]


def test_update_mission_changes_only_the_given_fields_and_refreshes_search(world, api_for):
    client = api_for(world.tenant, world.admin)

    response = client.patch(
        f"missions/{world.published.pk}/",
        {"title": "Maraude à l'hôpital", "location": None, "is_remote": True},
    )

    assert response.status_code == 200, response.content
    world.published.refresh_from_db()
    assert world.published.title == "Maraude à l'hôpital"
    assert world.published.location is None
    assert world.published.summary == "Donner un coup de main"
    search = api_for(world.tenant).get("missions/", {"q": "hopital"}).json()
    assert [item["id"] for item in search["results"]] == [world.published.pk]


def test_empty_update_is_a_400(world, api_for):
    response = api_for(world.tenant, world.admin).patch(f"missions/{world.published.pk}/", {})

    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["non_field_errors"]


def test_submit_publish_workflow(world, api_for):
    submitted = api_for(world.tenant, world.editor).post(f"missions/{world.draft.pk}/submit/")
    assert (submitted.status_code, submitted.json()["status"]) == (200, "in_review")

    listed = api_for(world.tenant, world.moderator).get("moderation/missions/").json()
    assert [item["id"] for item in listed["results"]] == [world.in_review.pk, world.draft.pk]

    published = api_for(world.tenant, world.moderator).post(f"missions/{world.draft.pk}/publish/")
    assert (published.status_code, published.json()["status"]) == (200, "published")
    again = api_for(world.tenant, world.moderator).post(f"missions/{world.draft.pk}/publish/")
    assert again.status_code == 409
    assert error_body(again)["code"] == "invalid_transition"


def test_submitting_a_draft_without_dates_is_a_409_and_changes_nothing(world, api_for):
    bare = MissionFactory(organization=world.organization, status=Mission.Status.DRAFT)

    response = api_for(world.tenant, world.editor).post(f"missions/{bare.pk}/submit/")

    assert response.status_code == 409
    assert error_body(response)["code"] == "mission_without_dates"
    bare.refresh_from_db()
    assert bare.status == Mission.Status.DRAFT


def test_reject_needs_a_note(world, api_for):
    client = api_for(world.tenant, world.moderator)

    missing = client.post(f"missions/{world.in_review.pk}/reject/", {})
    blank = client.post(f"missions/{world.in_review.pk}/reject/", {"note": "   "})
    rejected = client.post(f"missions/{world.in_review.pk}/reject/", {"note": "Ajoutez une date"})

    assert missing.status_code == blank.status_code == 400
    assert "note" in error_body(missing)["fields"]
    assert (rejected.status_code, rejected.json()["status"]) == (200, "draft")
    assert rejected.json()["moderation_note"] == "Ajoutez une date"


def test_close_and_cancel(world, api_for):
    other = MissionFactory(organization=world.organization)
    client = api_for(world.tenant, world.admin)

    closed = client.post(f"missions/{world.published.pk}/close/")
    cancelled = client.post(f"missions/{other.pk}/cancel/")

    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert api_for(world.tenant).get(f"missions/{world.published.pk}/").status_code == 404


def test_organization_missions_list_costs_the_same_queries_for_3_and_30(world, api_for):
    client = api_for(world.tenant, world.admin)
    client.get(f"organizations/{world.organization.pk}/missions/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(
                f"organizations/{world.organization.pk}/missions/", {"page_size": 50}
            )
        assert response.status_code == 200
        return len(captured)

    with_three = queries()
    cause = CauseFactory(slug="t-x")
    for _ in range(27):
        MissionFactory(organization=world.organization, causes=[cause])
    with_thirty = queries()

    assert with_three == with_thirty


def test_moderation_list_costs_the_same_queries_for_3_and_30(world, api_for):
    client = api_for(world.tenant, world.moderator)
    for _ in range(2):
        MissionFactory(organization=world.organization, status=Mission.Status.IN_REVIEW)
    client.get("moderation/missions/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("moderation/missions/", {"page_size": 50})
        assert response.status_code == 200
        return len(captured)

    with_three = queries()
    for _ in range(27):
        MissionFactory(organization=world.other_organization, status=Mission.Status.IN_REVIEW)
    with_thirty = queries()

    assert client.get("moderation/missions/").json()["count"] == 30
    assert with_three == with_thirty
