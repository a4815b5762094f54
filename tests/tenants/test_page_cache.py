"""Anonymous pages cached per tenant (tenants/page_cache.py): the home page and the mission page
are rendered once per tenant, host, language and address, served to visitors without a session
with their own CSRF token, never to (nor from) a signed-in person, never on another tenant, and
rendered afresh when what they show changes."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.missions import mission_page
from engagement.missions.models import Mission
from engagement.missions.views import HOME_PAGE_SECONDS, MISSION_PAGE_SECONDS
from engagement.participations.services import participation_request
from tenants import page_cache
from tenants.cache import redis_client
from tenants.page_cache import _lifetime, page_changes_at
from tenants.settings_services import tenant_branding_update
from tests.engagement.factories import (
    CauseFactory,
    MissionFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def visitor(tenant, **extra) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_HOST=tenant.primary_host, **extra)


def signed_in(tenant, user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST=tenant.primary_host)
    with tenant_context(tenant):
        client.force_login(user)
    return client


def cache_state(response) -> str | None:  # type: ignore[no-untyped-def]
    return response.headers.get("X-Page-Cache")


@pytest.fixture
def paris_mission(paris):  # type: ignore[no-untyped-def]
    with tenant_context(paris):
        mission = MissionFactory(title="Distribution Bastille")
        slot = SlotFactory(mission=mission, capacity=5)
    return mission, slot


def test_anonymous_home_is_rendered_once_then_served_without_a_query(client_for, paris):
    first = visitor(paris).get("/")
    assert first.status_code == 200
    assert cache_state(first) == "miss"

    second = visitor(paris)
    second.get("/healthz")  # nothing cached by this: the host's route is already warm
    with CaptureQueriesContext(connection) as queries:
        response = second.get("/")

    assert response.status_code == 200
    assert cache_state(response) == "hit"
    assert len(queries) == 0
    assert CSRF_INPUT.sub("", response.content.decode()) == CSRF_INPUT.sub(
        "", first.content.decode()
    )


class _CountingCache:
    """The page cache's client, counting the reads it sends to Redis."""

    def __init__(self, cache) -> None:  # type: ignore[no-untyped-def]
        self._cache = cache
        self.reads: list[str] = []

    def get(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.reads.append("get")
        return self._cache.get(*args, **kwargs)

    def get_many(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.reads.append("get_many")
        return self._cache.get_many(*args, **kwargs)

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self._cache, name)


def test_a_hit_reads_its_copy_and_generations_in_one_round_trip(paris, paris_mission, monkeypatch):
    mission, _slot = paris_mission
    assert cache_state(visitor(paris).get("/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{mission.pk}/")) == "miss"
    counting = _CountingCache(page_cache.cache)
    monkeypatch.setattr(page_cache, "cache", counting)

    home = visitor(paris).get("/")
    assert cache_state(home) == "hit"
    assert counting.reads == ["get_many"]

    counting.reads.clear()
    with CaptureQueriesContext(connection) as queries:
        page = visitor(paris).get(f"/missions/{mission.pk}/")
    # A mission page's copy, then its seats (kept apart, with their generation): two round
    # trips, no query while the seats are unchanged.
    assert cache_state(page) == "hit"
    assert counting.reads == ["get_many", "get_many"]
    assert len(queries) == 0


def test_a_copy_of_older_generations_is_not_served_and_is_replaced(paris, paris_mission):
    mission, _slot = paris_mission
    path = f"/missions/{mission.pk}/"
    assert cache_state(visitor(paris).get(path)) == "miss"
    with tenant_context(paris):
        page_cache.page_cache_invalidate(scope=page_cache.mission_scope(mission.pk))

    assert cache_state(visitor(paris).get(path)) == "miss"
    assert cache_state(visitor(paris).get(path)) == "hit"
    with tenant_context(paris):
        page_cache.page_cache_invalidate()
    assert cache_state(visitor(paris).get(path)) == "miss"


def test_a_missing_generation_is_made_once_and_one_made_first_elsewhere_is_kept(paris):
    with tenant_context(paris):
        key = page_cache._generation_key(f"test-{secrets.token_hex(4)}")
        (made,) = page_cache._generations([key], {})
        assert page_cache.cache.get(key) == made
        # Another request made it between this one's read and its own: theirs is used.
        other = page_cache._generation_key(f"test-{secrets.token_hex(4)}")
        page_cache.cache.set(other, "theirs", 60)
        assert page_cache._generations([other], {}) == ["theirs"]
        assert page_cache.cache.get(other) == "theirs"
        page_cache.cache.delete_many([key, other])


def test_anonymous_mission_page_is_cached_and_a_missing_one_is_not(paris, paris_mission):
    mission, _slot = paris_mission
    assert cache_state(visitor(paris).get(f"/missions/{mission.pk}/")) == "miss"
    with CaptureQueriesContext(connection) as queries:
        response = visitor(paris).get(f"/missions/{mission.pk}/")
    assert cache_state(response) == "hit"
    assert len(queries) == 0
    assert "Distribution Bastille" in response.content.decode()

    for _ in range(2):
        missing = visitor(paris).get("/missions/999999/")
        assert missing.status_code == 404
        assert cache_state(missing) is None


def test_a_cached_page_of_one_tenant_is_never_served_on_another(paris, montreal, paris_mission):
    mission, _slot = paris_mission
    assert cache_state(visitor(paris).get("/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{mission.pk}/")) == "miss"

    montreal_home = visitor(montreal).get("/")
    montreal_mission = visitor(montreal).get(f"/missions/{mission.pk}/")

    assert cache_state(montreal_home) == "miss"
    assert "Montr" in montreal_home.content.decode()
    assert "Paris" not in re.sub(r"<[^>]+>", "", montreal_home.content.decode()).split("Montr")[0]
    # The Paris mission's id means nothing on Montréal: its page there is still a 404.
    assert montreal_mission.status_code == 404
    assert cache_state(montreal_mission) is None


def test_a_signed_in_person_never_gets_nor_leaves_a_cached_page(paris, paris_mission):
    mission, _slot = paris_mission
    with tenant_context(paris):
        volunteer = UserFactory()
    member = signed_in(paris, volunteer)

    # Signed in first: rendered for them, nothing stored.
    mine = member.get(f"/missions/{mission.pk}/")
    assert mine.status_code == 200
    assert cache_state(mine) is None
    assert "Sign out" in mine.content.decode() or "Se déconnecter" in mine.content.decode()
    anonymous = visitor(paris).get(f"/missions/{mission.pk}/")
    assert cache_state(anonymous) == "miss"
    assert "Se déconnecter" not in anonymous.content.decode()

    # Cached for visitors now; the signed-in person still gets their own page.
    again = member.get(f"/missions/{mission.pk}/")
    assert cache_state(again) is None
    assert "Se déconnecter" in again.content.decode()
    assert cache_state(visitor(paris).get(f"/missions/{mission.pk}/")) == "hit"


def test_a_visitor_with_a_message_to_show_gets_a_fresh_page(paris, paris_mission):
    mission, slot = paris_mission
    client = visitor(paris)
    assert cache_state(client.get(f"/missions/{mission.pk}/")) == "miss"
    # An invalid choice: the view answers with an error message kept in the messages cookie.
    client.post(f"/missions/{mission.pk}/participer/", {"slot": "0"})
    assert "messages" in client.cookies

    response = client.get(f"/missions/{mission.pk}/")

    assert cache_state(response) is None
    assert '<div class="messages" role="status">' in response.content.decode()
    assert "messages" not in client.cookies or not client.cookies["messages"].value


def test_each_visitor_gets_a_csrf_token_that_works_for_them(paris, paris_mission):
    mission, slot = paris_mission
    first = visitor(paris, enforce_csrf_checks=True)
    first_token = CSRF_INPUT.search(first.get(f"/missions/{mission.pk}/").content.decode())
    second = visitor(paris, enforce_csrf_checks=True)
    page = second.get(f"/missions/{mission.pk}/")
    assert cache_state(page) == "hit"
    second_token = CSRF_INPUT.search(page.content.decode())
    assert first_token is not None and second_token is not None
    assert "entraide-csrf-token" not in page.content.decode()
    assert "csrftoken" in second.cookies

    posted = second.post(
        f"/missions/{mission.pk}/participer/",
        {"slot": str(slot.pk), "csrfmiddlewaretoken": second_token.group(1)},
    )

    # Not a CSRF failure (403): the visitor is sent on to sign up with the date kept.
    assert posted.status_code == 302
    assert "/accounts/signup/" in posted["Location"]


def test_a_change_to_a_mission_is_shown_at_once(paris, paris_mission):
    mission, _slot = paris_mission
    assert cache_state(visitor(paris).get("/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{mission.pk}/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{mission.pk}/")) == "hit"

    with tenant_context(paris):
        mission.refresh_from_db()  # the search columns the slot's creation wrote
        mission.title = "Distribution République"
        mission.save()

    page = visitor(paris).get(f"/missions/{mission.pk}/")
    home = visitor(paris).get("/")
    assert cache_state(page) == "miss"
    assert cache_state(home) == "miss"
    assert "Distribution République" in page.content.decode()
    assert "Distribution République" in home.content.decode()


def _seats(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(
        r'<span class="seats[^"]*" data-slot-seats="\d+">[^<]*</span>', response.content.decode()
    )


def test_a_participation_renews_its_mission_seats_not_its_page(paris, paris_mission):
    mission, slot = paris_mission
    with tenant_context(paris):
        other = MissionFactory(title="Jardin partagé")
        SlotFactory(mission=other)
    before = visitor(paris).get(f"/missions/{mission.pk}/")
    assert cache_state(visitor(paris).get(f"/missions/{other.pk}/")) == "miss"
    assert cache_state(visitor(paris).get("/")) == "miss"

    with tenant_context(paris):
        participation_request(volunteer=UserFactory(), slot=slot)

    with CaptureQueriesContext(connection) as queries:
        after = visitor(paris).get(f"/missions/{mission.pk}/")
    # The stored page, its seats read afresh (one query), then kept for the next visitors.
    assert cache_state(after) == "hit"
    statements = [query["sql"] for query in queries if not query["sql"].startswith("SET ")]
    assert len(statements) == 1
    assert 'FROM "engagement_slot"' in statements[0]
    assert _seats(before) == [
        f'<span class="seats" data-slot-seats="{slot.pk}">5 places restantes</span>'
    ]
    assert _seats(after) == [
        f'<span class="seats" data-slot-seats="{slot.pk}">4 places restantes</span>'
    ]
    assert _seats(after) == _seats(visitor(paris).get(f"/missions/{mission.pk}/?fresh=1"))
    assert CSRF_INPUT.sub("", after.content.decode()).replace("4 places", "5 places") == (
        CSRF_INPUT.sub("", before.content.decode())
    )
    with CaptureQueriesContext(connection) as queries:
        again = visitor(paris).get(f"/missions/{mission.pk}/")
    assert (cache_state(again), len(queries), _seats(again)) == ("hit", 0, _seats(after))
    # The other mission's page and the list keep theirs (the list's seats until it expires).
    assert cache_state(visitor(paris).get(f"/missions/{other.pk}/")) == "hit"
    assert cache_state(visitor(paris).get("/")) == "hit"


def test_a_full_date_and_several_dates_are_filled_in_on_the_stored_page(paris):
    with tenant_context(paris):
        mission = MissionFactory(title="Maraude du soir")
        first = SlotFactory(mission=mission, capacity=1)
        second = SlotFactory(
            mission=mission,
            capacity=3,
            starts_at=first.starts_at + timedelta(days=7),
            ends_at=first.ends_at + timedelta(days=7),
        )
    path = f"/missions/{mission.pk}/"
    assert cache_state(visitor(paris).get(path)) == "miss"

    with tenant_context(paris):
        participation_request(volunteer=UserFactory(), slot=first)
        participation_request(volunteer=UserFactory(), slot=second)

    page = visitor(paris).get(path)
    assert cache_state(page) == "hit"
    assert _seats(page) == [
        f'<span class="seats full" data-slot-seats="{first.pk}">'
        "Complet — liste d&#x27;attente</span>",
        f'<span class="seats" data-slot-seats="{second.pk}">2 places restantes</span>',
    ]
    assert _seats(page) == _seats(visitor(paris).get(f"{path}?fresh=1"))


def test_a_change_of_capacity_renews_the_page_and_its_seats(paris, paris_mission):
    mission, slot = paris_mission
    path = f"/missions/{mission.pk}/"
    _cached(paris, path)

    with tenant_context(paris):
        slot.capacity = 8
        slot.save()

    page = visitor(paris).get(path)
    assert cache_state(page) == "miss"
    assert "8 places restantes" in page.content.decode()
    hit = visitor(paris).get(path)
    assert cache_state(hit) == "hit"
    assert _seats(hit) == _seats(page)


def test_seats_read_before_a_sign_up_commits_are_never_served(paris, paris_mission):
    """A view reads the seats' generation, then the counters; a sign-up commits in between and
    renews the generation: what that view stores is not read back."""
    mission, slot = paris_mission
    path = f"/missions/{mission.pk}/"
    _cached(paris, path)
    with tenant_context(paris):
        key = mission_page._seats_key(mission.pk)
        scopes = [page_cache.TENANT_SCOPE, page_cache.mission_seats_scope(mission.pk)]
        _stored, generations = page_cache.cached_for_generations(key, scopes)
        participation_request(volunteer=UserFactory(), slot=slot)
        page_cache.cache_for_generations(key, {slot.pk: 5}, generations, 60)

    assert _seats(visitor(paris).get(path)) == [
        f'<span class="seats" data-slot-seats="{slot.pk}">4 places restantes</span>'
    ]


def test_one_tenants_seats_are_never_filled_in_on_anothers_page(paris, montreal):
    with tenant_context(paris):
        mission = MissionFactory(title="Distribution Bastille")
        slot = SlotFactory(mission=mission, capacity=5)
    with tenant_context(montreal):
        twin = MissionFactory(title="Épicerie solidaire")
        twin_slot = SlotFactory(mission=twin, capacity=9)
    _cached(paris, f"/missions/{mission.pk}/")
    _cached(montreal, f"/missions/{twin.pk}/")

    with tenant_context(paris):
        participation_request(volunteer=UserFactory(), slot=slot)

    paris_page = visitor(paris).get(f"/missions/{mission.pk}/")
    montreal_page = visitor(montreal).get(f"/missions/{twin.pk}/")
    assert "4 places restantes" in _seats(paris_page)[0]
    assert _seats(montreal_page) == [
        f'<span class="seats" data-slot-seats="{twin_slot.pk}">9 places restantes</span>'
    ]


def _cached(tenant, *paths: str) -> None:  # type: ignore[no-untyped-def]
    for path in paths:
        assert cache_state(visitor(tenant).get(path)) == "miss", path
        assert cache_state(visitor(tenant).get(path)) == "hit", path


def _reads_the_mission_row(tenant, mission_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether the mission's page, rendered afresh (an address no copy holds), read the mission
    from the database: its copy (engagement/missions/mission_page.py) was not there."""
    with CaptureQueriesContext(connection) as queries:
        page = visitor(tenant).get(f"/missions/{mission_id}/?visit={secrets.token_hex(4)}")
    assert cache_state(page) == "miss"
    return any('FROM "engagement_mission"' in query["sql"] for query in queries.captured_queries)


@pytest.fixture
def two_missions_cached(paris, paris_mission):  # type: ignore[no-untyped-def]
    """Paris's mission and another one, the home page and both missions' pages served from the
    cache, the other mission's copy kept (its page renders without reading the mission)."""
    mission, slot = paris_mission
    with tenant_context(paris):
        other = MissionFactory(title="Jardin partagé")
        SlotFactory(mission=other)
    _cached(paris, "/", f"/missions/{mission.pk}/", f"/missions/{other.pk}/")
    assert not _reads_the_mission_row(paris, other.pk)
    return mission, slot, other


def test_a_new_date_renews_its_mission_and_the_lists_only(paris, two_missions_cached):
    mission, slot, other = two_missions_cached

    with tenant_context(paris):
        SlotFactory(mission=mission, capacity=3)

    assert cache_state(visitor(paris).get("/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{mission.pk}/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{other.pk}/")) == "hit"

    with tenant_context(paris):
        slot.delete()
    assert cache_state(visitor(paris).get("/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{mission.pk}/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{other.pk}/")) == "hit"


def test_a_change_to_a_mission_keeps_the_other_missions_pages_and_copies(
    paris, two_missions_cached
):
    mission, _slot, other = two_missions_cached

    with tenant_context(paris):
        mission.refresh_from_db()
        mission.title = "Distribution République"
        mission.save()

    # The changed mission's copy is read again; the other mission's is kept.
    assert _reads_the_mission_row(paris, mission.pk)
    assert not _reads_the_mission_row(paris, other.pk)
    assert cache_state(visitor(paris).get(f"/missions/{mission.pk}/")) == "miss"
    assert cache_state(visitor(paris).get("/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{other.pk}/")) == "hit"


def test_a_mission_given_a_cause_renews_its_page_and_the_lists_only(paris, two_missions_cached):
    mission, _slot, other = two_missions_cached
    with tenant_context(paris):
        cause = CauseFactory()  # a new cause renews every page: cached again
    _cached(paris, "/", f"/missions/{mission.pk}/", f"/missions/{other.pk}/")

    with tenant_context(paris):
        mission.causes.add(cause)

    page = visitor(paris).get(f"/missions/{mission.pk}/")
    assert cache_state(page) == "miss"
    assert cause.name_fr in page.content.decode()
    assert cache_state(visitor(paris).get("/")) == "miss"
    assert cache_state(visitor(paris).get(f"/missions/{other.pk}/")) == "hit"

    # From the cause's side the missions are not named one by one: every page is renewed.
    for path in ("/", f"/missions/{mission.pk}/"):
        assert cache_state(visitor(paris).get(path)) == "hit", path
    with tenant_context(paris):
        cause.missions.add(other)
    for path in ("/", f"/missions/{mission.pk}/", f"/missions/{other.pk}/"):
        assert cache_state(visitor(paris).get(path)) == "miss", path


def test_a_change_shown_on_every_mission_renews_every_page(paris, two_missions_cached):
    mission, _slot, other = two_missions_cached

    with tenant_context(paris):
        organization = other.organization
        organization.name = "Les Jardiniers du 11e"
        organization.save()

    # The copy is read again (with the organization's new name), and every page is renewed.
    assert _reads_the_mission_row(paris, other.pk)
    for path in ("/", f"/missions/{mission.pk}/"):
        assert cache_state(visitor(paris).get(path)) == "miss", path
    page = visitor(paris).get(f"/missions/{other.pk}/")
    assert cache_state(page) == "miss"
    assert "Les Jardiniers du 11e" in page.content.decode()


def test_a_change_to_a_mission_leaves_another_tenants_pages(paris, montreal, paris_mission):
    mission, _slot = paris_mission
    with tenant_context(montreal):
        assert not Mission.objects.filter(pk=mission.pk).exists()
        twin = MissionFactory(pk=mission.pk, title="Collecte Plateau")
        SlotFactory(mission=twin)
    _cached(montreal, "/", f"/missions/{twin.pk}/")

    with tenant_context(paris):
        mission.refresh_from_db()
        mission.title = "Distribution République"
        mission.save()

    # The same id in another schema names another generation.
    assert cache_state(visitor(montreal).get(f"/missions/{twin.pk}/")) == "hit"
    assert cache_state(visitor(montreal).get("/")) == "hit"


def test_a_change_of_branding_is_shown_at_once(paris, paris_mission):
    assert cache_state(visitor(paris).get("/")) == "miss"
    assert cache_state(visitor(paris).get("/")) == "hit"

    with tenant_context(paris):
        admin = TenantAdminFactory()
        tenant_branding_update(
            tenant=paris,
            actor=admin,
            name="Paris Solidaire",
            tagline=paris.tagline,
            primary_color=paris.primary_color,
            accent_color=paris.accent_color,
        )

    home = visitor(paris).get("/")
    assert cache_state(home) == "miss"
    assert "Paris Solidaire" in home.content.decode()


def test_the_page_is_cached_per_address_and_per_htmx_request(paris, paris_mission):
    assert cache_state(visitor(paris).get("/")) == "miss"
    assert cache_state(visitor(paris).get("/", {"cause": "culture"})) == "miss"
    assert cache_state(visitor(paris).get("/", {"cause": "culture"})) == "hit"

    partial = visitor(paris).get("/", HTTP_HX_REQUEST="true")

    assert cache_state(partial) == "miss"
    assert "<html" not in partial.content.decode()
    assert cache_state(visitor(paris).get("/", HTTP_HX_REQUEST="true")) == "hit"


def _page_lifetimes(tenant, name: str) -> dict[bytes, int]:  # type: ignore[no-untyped-def]
    """The seconds left to each stored copy of the tenant's `name` pages, read in Redis (this
    test process's keys only: the other xdist workers use the same schema names)."""
    client = redis_client()
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = client.scan_iter(match=f"*:{prefix}:*:{tenant.schema_name}:page:{name}:*", count=1000)
    return {key: client.ttl(key) for key in keys}


def _lifetime_of_the_copy_stored_by(tenant, name, get) -> int:  # type: ignore[no-untyped-def]
    before = _page_lifetimes(tenant, name)
    assert cache_state(get()) == "miss"
    new = {key: ttl for key, ttl in _page_lifetimes(tenant, name).items() if key not in before}
    assert len(new) == 1
    return next(iter(new.values()))


def test_a_mission_page_is_kept_until_its_first_date_starts(paris):
    with tenant_context(paris):
        soon = MissionFactory(title="Maraude de ce soir")
        SlotFactory(mission=soon, starts_at=timezone.now() + timedelta(seconds=120))
        later = MissionFactory(title="Jardin du dimanche")
        SlotFactory(mission=later)  # in a week

    soon_ttl = _lifetime_of_the_copy_stored_by(
        paris, "mission", lambda: visitor(paris).get(f"/missions/{soon.pk}/")
    )
    later_ttl = _lifetime_of_the_copy_stored_by(
        paris, "mission", lambda: visitor(paris).get(f"/missions/{later.pk}/")
    )

    # The date can no longer be chosen once it starts: the copy is gone by then.
    assert 60 < soon_ttl <= 120
    assert MISSION_PAGE_SECONDS - 60 < later_ttl <= MISSION_PAGE_SECONDS


def test_the_home_page_is_kept_until_a_date_it_lists_starts(paris):
    with tenant_context(paris):
        SlotFactory(
            mission=MissionFactory(title="Maraude de ce soir"),
            starts_at=timezone.now() + timedelta(seconds=90),
        )

    ttl = _lifetime_of_the_copy_stored_by(paris, "home", lambda: visitor(paris).get("/?p=1"))

    assert 0 < ttl <= 90 < HOME_PAGE_SECONDS


def test_the_soonest_moment_named_bounds_the_lifetime_and_a_past_one_stores_nothing():
    request = RequestFactory().get("/")
    assert _lifetime(request, MISSION_PAGE_SECONDS) == MISSION_PAGE_SECONDS

    page_changes_at(request, None)  # nothing changes by itself
    page_changes_at(request, timezone.now() + timedelta(seconds=300))
    page_changes_at(request, timezone.now() + timedelta(seconds=600))  # later: ignored
    assert 298 <= _lifetime(request, MISSION_PAGE_SECONDS) <= 300
    assert _lifetime(request, 60) == 60

    page_changes_at(request, timezone.now() - timedelta(seconds=1))
    assert _lifetime(request, MISSION_PAGE_SECONDS) == 0
