"""Saved searches and their alerts: what "new" means, once per mission, and the e-mail that
arrives over SMTP (text, HTML, language, one-click unsubscribe headers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from engagement.alerts.models import SavedSearch, SavedSearchAlert
from engagement.alerts.services import (
    MAX_SAVED_SEARCHES_PER_USER,
    SETTLE,
    saved_search_alert_send,
    saved_search_alerts_evaluate,
    saved_search_alerts_run,
    saved_search_alerts_schedule_everywhere,
    saved_search_create,
    saved_search_update,
)
from engagement.emails.models import EmailPreferences
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.missions.models import Mission
from engagement.missions.search import MissionSearchFilters
from tenants.audit.models import AuditEvent
from tenants.outbox.models import OutboxMessage
from tests.engagement.factories import (
    PARIS_CENTRE,
    CauseFactory,
    MissionFactory,
    SlotFactory,
    UserFactory,
    paris_point,
)

pytestmark = pytest.mark.django_db

LNG, LAT = PARIS_CENTRE
# About 30 km east of the Hôtel de Ville.
FAR = paris_point(LNG + 0.41, LAT)


def _published(*, hours_ago: float, **kwargs):  # type: ignore[no-untyped-def]
    mission = MissionFactory(published_at=timezone.now() - timedelta(hours=hours_ago), **kwargs)
    SlotFactory(mission=mission)
    return mission


def _saved(user, *, hours_ago: float = 30, **filters):  # type: ignore[no-untyped-def]
    saved = saved_search_create(
        user=user,
        name="Près de chez moi",
        frequency=SavedSearch.Frequency.DAILY,
        filters=MissionSearchFilters(**filters),
        place_label="Hôtel de Ville",
    )
    SavedSearch.objects.filter(pk=saved.pk).update(
        last_checked_at=timezone.now() - timedelta(hours=hours_ago)
    )
    saved.refresh_from_db()
    return saved


def _found(saved_search):  # type: ignore[no-untyped-def]
    """The missions the runs found for the search, in the order recorded."""
    return [
        mission_id
        for alert in SavedSearchAlert.objects.filter(saved_search=saved_search).order_by("id")
        for mission_id in alert.mission_ids
    ]


def test_create_keeps_the_filters_and_is_audited(in_paris):
    user = UserFactory()
    CauseFactory(slug="solidarite")

    saved = saved_search_create(
        user=user,
        name="  Repas   solidaires ",
        frequency="weekly",
        filters=MissionSearchFilters(
            lat=LAT, lng=LNG, radius_km=5, causes=("solidarite",), availability=0b111, q="repas"
        ),
        place_label="Hôtel de Ville",
    )

    saved.refresh_from_db()
    assert saved.name == "Repas solidaires"
    assert (saved.location.x, saved.location.y) == (LNG, LAT)
    assert (saved.radius_km, saved.causes, saved.availability_mask, saved.query) == (
        5,
        ["solidarite"],
        0b111,
        "repas",
    )
    assert len(saved.unsubscribe_token) == 43
    assert (
        AuditEvent.objects.filter(action="saved_search.created", target_id=str(saved.pk)).count()
        == 1
    )


@pytest.mark.parametrize(
    ("filters", "code", "field"),
    [
        (MissionSearchFilters(causes=("nope",)), EngagementErrorCode.UNKNOWN_CAUSE, "cause"),
        (MissionSearchFilters(skills=("nope",)), EngagementErrorCode.UNKNOWN_SKILL, "skill"),
        (MissionSearchFilters(radius_km=5), EngagementErrorCode.INVALID, "radius_km"),
        (
            MissionSearchFilters(lat=LAT, lng=LNG, radius_km=500),
            EngagementErrorCode.INVALID,
            "radius_km",
        ),
    ],
)
def test_bad_filters_are_refused_and_nothing_is_saved(in_paris, filters, code, field):
    user = UserFactory()

    with pytest.raises(EngagementError) as raised:
        saved_search_create(user=user, name="x", frequency="daily", filters=filters)

    assert raised.value.code == code
    assert field in raised.value.fields
    assert not SavedSearch.objects.exists()


def test_a_person_keeps_a_limited_number_of_saved_searches(in_paris):
    user = UserFactory()
    for index in range(MAX_SAVED_SEARCHES_PER_USER):
        saved_search_create(
            user=user, name=f"s{index}", frequency="daily", filters=MissionSearchFilters()
        )

    with pytest.raises(EngagementError) as raised:
        saved_search_create(
            user=user, name="one more", frequency="daily", filters=MissionSearchFilters()
        )

    assert raised.value.code == EngagementErrorCode.SAVED_SEARCH_LIMIT_REACHED
    assert SavedSearch.objects.filter(user=user).count() == MAX_SAVED_SEARCHES_PER_USER


def test_new_means_published_since_the_last_check_and_matching(in_paris):
    user = UserFactory()
    CauseFactory(slug="solidarite")
    CauseFactory(slug="culture")
    saved = _saved(user, lat=LAT, lng=LNG, radius_km=5, causes=("solidarite",))
    new_match = _published(hours_ago=2, causes=["solidarite"])
    _published(hours_ago=40, causes=["solidarite"])  # before the last check
    _published(hours_ago=2, causes=["culture"])  # another cause
    _published(hours_ago=2, causes=["solidarite"], location=FAR)  # too far
    # Published inside the settling margin: left to the next run.
    settling = _published(hours_ago=0.05, causes=["solidarite"])
    MissionFactory(status=Mission.Status.DRAFT, published_at=None, causes=["solidarite"])

    evaluation = saved_search_alerts_evaluate()

    assert _found(saved) == [new_match.pk]
    assert evaluation.to_send == [saved.pk]
    saved.refresh_from_db()
    assert saved.last_checked_at == evaluation.cutoff
    assert settling.published_at > evaluation.cutoff


def test_a_search_is_not_evaluated_before_its_interval_nor_when_paused(in_paris):
    user = UserFactory()
    fresh = _saved(user, hours_ago=2)
    weekly = _saved(user, hours_ago=30)
    SavedSearch.objects.filter(pk=weekly.pk).update(frequency="weekly")
    paused = _saved(user, hours_ago=30)
    saved_search_update(saved_search=paused, actor=user, is_active=False)
    _published(hours_ago=1)

    evaluation = saved_search_alerts_evaluate()

    assert evaluation.searches == 0
    assert not SavedSearchAlert.objects.exists()
    fresh.refresh_from_db()
    assert fresh.last_checked_at < timezone.now() - timedelta(hours=1)


def test_each_search_keeps_its_own_window(in_paris):
    older, newer = UserFactory(), UserFactory()
    a = _saved(older, hours_ago=30)
    b = _saved(newer, hours_ago=20)
    both = _published(hours_ago=10)
    only_a = _published(hours_ago=25)

    evaluation = saved_search_alerts_evaluate()

    assert evaluation.searches == 2
    assert set(_found(a)) == {both.pk, only_a.pk}
    assert set(_found(b)) == {both.pk}


def test_a_mission_is_never_announced_twice(
    in_paris, smtp_inbox, django_capture_on_commit_callbacks
):
    user = UserFactory(email="lea@example.org")
    saved = _saved(user)
    mission = _published(hours_ago=2)
    Mission.objects.filter(pk=mission.pk).update(created_at=timezone.now() - timedelta(hours=40))
    with django_capture_on_commit_callbacks(execute=True):
        saved_search_alerts_run()
    assert len(smtp_inbox.to("lea@example.org")) == 1

    # Published again later (a new published_at), and the search checked again.
    Mission.objects.filter(pk=mission.pk).update(published_at=timezone.now() - timedelta(hours=1))
    SavedSearch.objects.filter(pk=saved.pk).update(
        last_checked_at=timezone.now() - timedelta(hours=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = saved_search_alerts_run()

    assert evaluation.to_send == []
    assert len(smtp_inbox.to("lea@example.org")) == 1
    assert SavedSearchAlert.objects.filter(saved_search=saved).count() == 1


def test_nothing_new_sends_nothing(in_paris, smtp_inbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="sam@example.org")
    _saved(user)

    with django_capture_on_commit_callbacks(execute=True):
        evaluation = saved_search_alerts_run()

    assert evaluation.searches == 1
    assert smtp_inbox.to("sam@example.org") == []
    assert not OutboxMessage.objects.filter(
        task_name="engagement.saved_search_alerts_send"
    ).exists()


def test_the_alert_arrives_branded_in_french_with_one_click_unsubscribe(
    in_paris, smtp_inbox, django_capture_on_commit_callbacks
):
    user = UserFactory(email="lea@example.org", language="fr")
    saved = _saved(user)
    _published(hours_ago=3, title="Maraude du soir")
    _published(hours_ago=2, title="Jardin partagé")

    with django_capture_on_commit_callbacks(execute=True):
        saved_search_alerts_run()

    [received] = smtp_inbox.to("lea@example.org")
    assert received.subject == f"[{in_paris.name}] 2 nouvelles missions pour « Près de chez moi »"
    assert "Maraude du soir" in received.text and "Jardin partagé" in received.text
    assert received.text.index("Jardin partagé") < received.text.index("Maraude du soir")
    assert "Maraude du soir" in received.html and "<html" in received.html
    unsubscribe = f"{in_paris.base_url}/alertes/desabonnement/{saved.unsubscribe_token}/"
    list_unsubscribe = " ".join(received.header("List-Unsubscribe").split())
    assert list_unsubscribe.startswith(f"<{unsubscribe}>, <mailto:")
    assert saved.unsubscribe_token in list_unsubscribe.split(", ")[1]
    assert received.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert unsubscribe in received.text and unsubscribe in received.html
    saved.refresh_from_db()
    assert saved.last_sent_at is not None
    assert not SavedSearchAlert.objects.filter(saved_search=saved, sent_at__isnull=True).exists()


def test_the_alert_speaks_the_recipients_language(
    in_paris, smtp_inbox, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(in_paris, "languages", ["fr", "en"])
    user = UserFactory(email="sam@example.org", language="en")
    _saved(user)
    _published(hours_ago=3, title="Food bank")

    with django_capture_on_commit_callbacks(execute=True):
        saved_search_alerts_run()

    [received] = smtp_inbox.to("sam@example.org")
    assert received.subject == f"[{in_paris.name}] 1 new mission for “Près de chez moi”"
    assert "Stop this alert" in received.text


def test_alerts_turned_off_in_preferences_send_nothing_and_are_not_kept(in_paris, smtp_inbox):
    user = UserFactory(email="sam@example.org")
    EmailPreferences.objects.create(user=user, alerts=False)
    saved = _saved(user)
    _published(hours_ago=3)
    saved_search_alerts_evaluate()

    assert saved_search_alert_send(saved_search_id=saved.pk) is False

    assert smtp_inbox.to("sam@example.org") == []
    assert not SavedSearchAlert.objects.filter(sent_at__isnull=True).exists()


def test_a_mission_unpublished_since_it_was_found_is_left_out(in_paris, smtp_inbox):
    user = UserFactory(email="sam@example.org")
    saved = _saved(user)
    mission = _published(hours_ago=3)
    saved_search_alerts_evaluate()
    Mission.objects.filter(pk=mission.pk).update(status=Mission.Status.CLOSED)

    assert saved_search_alert_send(saved_search_id=saved.pk) is False
    assert smtp_inbox.to("sam@example.org") == []


def test_the_schedule_runs_a_tenant_at_its_local_hour(in_paris, settings):
    settings.SAVED_SEARCH_ALERTS_LOCAL_HOUR = 8
    assert in_paris.timezone == "Europe/Paris"
    at_nine_in_paris = datetime(2031, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 CET
    at_eight_in_paris = datetime(2031, 1, 15, 7, 0, tzinfo=UTC)  # 08:00 CET
    runs = OutboxMessage.objects.filter(task_name="engagement.saved_search_alerts_run")

    with schema_context("public"):
        saved_search_alerts_schedule_everywhere(now=at_nine_in_paris)
    assert runs.count() == 0

    with schema_context("public"):
        saved_search_alerts_schedule_everywhere(now=at_eight_in_paris)
    assert runs.count() == 1


def test_settling_margin_is_short():
    assert timedelta(0) < SETTLE <= timedelta(minutes=15)


def test_beat_schedules_the_alerts_hourly_as_a_platform_task(paris, settings):
    from celery.schedules import crontab

    from config.celery import app
    from engagement.alerts.tasks import saved_search_alerts_schedule

    entry = settings.CELERY_BEAT_SCHEDULE["saved-search-alerts"]
    assert entry == {
        "task": "engagement.saved_search_alerts_schedule",
        "schedule": crontab(minute=0),
    }
    assert {
        "engagement.saved_search_alerts_schedule",
        "engagement.saved_search_alerts_run",
        "engagement.saved_search_alerts_send",
    } <= set(app.tasks)
    settings.SAVED_SEARCH_ALERTS_LOCAL_HOUR = (
        timezone.now().astimezone(ZoneInfo(paris.timezone)).hour
    )

    assert saved_search_alerts_schedule.delay().get() >= 1

    with tenant_context(paris):
        assert (
            OutboxMessage.objects.filter(task_name="engagement.saved_search_alerts_run").count()
            == 1
        )
