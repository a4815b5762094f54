"""Missions and their slots (dates with seats, or an ongoing period).

Invariants that the database can hold are constraints here; every rule that spans rows or needs a
lock lives in the services (engagement/missions/services.py, and for participants
engagement/participations/services.py).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Func, Q, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement.organizations.models import Organization
from engagement.taxonomy.models import Cause, Skill
from tenants.choices import choice_display

# --- Missions and slots -------------------------------------------------------------------------


def remote_search_vector() -> Case:
    """A mission's words when it is remote, else NULL: the expression of the index
    mission_remote_search. `remote_search_vector() @@ query` holds for the same missions as
    `is_remote AND search_vector @@ query`, and a search by words with `remote` tests it that
    way: with the flag in the condition, PostgreSQL read every remote mission in id order from
    mission_published_remote and tested its words (at 1,000,000 missions: 45,073 rows over
    37,797 heap pages for 4,617 matches of "refugies"; it costs that scan as sequential, the ids
    following the table's order), where this index finds the matches' 4,681 pages."""
    return Case(When(is_remote=True, then=F("search_vector")), output_field=SearchVectorField())


class Mission(models.Model):
    """A volunteering action published by an organization."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="missions"
    )
    title = models.CharField(max_length=160)
    summary = models.CharField(max_length=300, blank=True)
    # Sanitized HTML (engagement.sanitizing).
    description = models.TextField(blank=True)
    causes = models.ManyToManyField(Cause, blank=True, related_name="missions")
    skills = models.ManyToManyField(Skill, blank=True, related_name="missions")

    # Geography (metres, spheroid) so radius search is exact and index-backed.
    location = gis_models.PointField(geography=True, srid=4326, null=True, blank=True)
    address = models.CharField(max_length=255, blank=True)
    postcode = models.CharField(max_length=16, blank=True)
    city = models.CharField(max_length=120, blank=True)
    is_remote = models.BooleanField(default=False)

    is_step_free = models.BooleanField(_("step-free access"), default=False)
    is_open_to_minors = models.BooleanField(_("open to minors"), default=False)
    is_beginner_friendly = models.BooleanField(_("suitable for beginners"), default=True)

    requires_approval = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Shown on every row of an organization's missions (tenants/choices.py).
    get_status_display = choice_display("status", Status)
    moderation_note = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    # Maintained by engagement.search.mission_search_vector_refresh after every text change.
    search_vector = SearchVectorField(null=True, editable=False)

    # Copies for the search, rewritten by services.missions.mission_search_columns_refresh in the
    # transaction of every write to the mission's causes, point or slots (never stale, no task).
    # The ids of the mission's causes: "has one of these causes" becomes an in-row test.
    cause_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    # The ids of the mission's skills, for the same reason.
    skill_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    # Each cause crossed with the lon/lat cell of the location (engagement.missions.geo,
    # "Cause cells"): "one of these causes in this rectangle" in one index lookup. Empty when
    # remote.
    cause_cells = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    # Latest start of an open dated slot, and whether an open ongoing slot exists. The mission
    # can be joined iff has_open_ongoing_slot or last_open_slot_start > now: the latest open
    # slot has not started iff some open slot has not started.
    last_open_slot_start = models.DateTimeField(null=True, blank=True, editable=False)
    has_open_ongoing_slot = models.BooleanField(default=False, editable=False)
    # The table also has `open_slot_periods` (tstzmultirange, not a field: migration 0031 says
    # why), the periods of the open dated slots that had not ended when the row was written,
    # which a search with dates tests before reading the slots.

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="mission_status_published"),
            # Newest first in the order search pages by (published_at DESC NULLS LAST, id DESC:
            # engagement.missions.search._newest_page_ids): a page is read from the newest
            # mission on and stops, where the index above sorts NULLs first and every candidate
            # was sorted (94 ms at 100,000 missions for no filter, 0.7 ms with this one).
            models.Index(
                F("published_at").desc(nulls_last=True),
                F("id").desc(),
                condition=Q(status="published"),
                name="mission_published_newest",
            ),
            # Search only ever reads published missions (engagement.missions.search.mission_search):
            # partial indexes keep drafts out and let the planner skip the status filter. Each
            # implies "published": without that, the planner would AND the words' bitmap with a
            # full scan of another partial index just to test the status (7 ms at 100k).
            GinIndex(
                fields=["search_vector"],
                condition=Q(status="published"),
                name="mission_published_search",
            ),
            # As an expression, not `fields`: Django's PostGIS schema editor creates an index on
            # a geometry or geography field as the field's own spatial index and drops its
            # condition, which made this one a full copy of the field's index (migration 0032;
            # tests/tenants/test_declared_indexes.py). PostgreSQL stores `(location)` as the
            # plain column.
            GistIndex(
                F("location"),
                condition=Q(status="published"),
                name="mission_published_location",
            ),
            # Map viewports and radius boxes are lon/lat rectangles
            # (engagement.missions.geo.location_as_geometry). Not partial: PostgreSQL reads the
            # statistics of an expression from a non-partial index only; without them PostGIS
            # estimates any box at 0.01 % of the rows (9 for a box holding 6,900), and the
            # planner then skips ANDing the box with the words' index.
            GistIndex(
                Cast("location", output_field=gis_models.GeometryField(srid=4326)),
                name="mission_geometry",
            ),
            GinIndex(
                fields=["cause_cells"],
                condition=Q(status="published"),
                name="mission_published_cause_cells",
            ),
            # The causes and the skills, alone, together or with words: a GIN index serves any
            # of its columns alone (it replaced one index per column and one of both, migration
            # 0041: the same reads at 100,000 and 1,000,000 missions, 31 MB less at 1,000,000).
            # Words with a cause or a skill: their missions found from one index scan. At
            # 1,000,000 missions the words' index alone found 47,924 missions for "cafe" and the
            # count read 7,007 of them to find 1,001 of a cause (31 ms; 12 from this index); a
            # page of "refugies" with a cause, whose best missions seldom have it, ranks its
            # 13,770 matches from here in 42 ms, where the words' sums took 119
            # (engagement.missions.search_words; docs/benchmarks.md, "Words with a cause").
            GinIndex(
                fields=["search_vector", "cause_ids", "skill_ids"],
                condition=Q(status="published"),
                name="mission_published_search_taxa",
            ),
            # The remote missions (5 % of them in the benches), found without reading the others
            # (docs/benchmarks.md, "Filters that leave few candidates"): `remote=true` with a
            # skill read 100,000 rows to find 357. In id order, for the last branch of a
            # nearest-first page (the missions without a location, by id). With the columns a
            # broad search tests, so that a skill or a cause among them is tested in the index:
            # PostgreSQL reads it in id order, which it costs as sequential since ids follow
            # the table's order, rather than AND it with skill_ids' index (at 1,000,000
            # missions, a skill and remote: the count alone read 3,693 rows in 160 ms; the
            # API's answer went from 167 ms to 34 with the columns included).
            models.Index(
                fields=["id"],
                include=["cause_ids", "skill_ids", "has_open_ongoing_slot", "last_open_slot_start"],
                condition=Q(status="published", is_remote=True),
                name="mission_published_remote",
            ),
            # The remote missions' words (remote_search_vector): a search by words with
            # `remote` finds its few missions here (5 % of the missions in the benches) and
            # ranks them all, instead of walking the words' best missions, seldom remote, then
            # summing every mission's ranks (at 1,000,000 missions, "refugies" with remote:
            # 130 ms, 18 from here; engagement.missions.search; docs/benchmarks.md, "Words
            # with remote").
            GinIndex(
                remote_search_vector(),
                condition=Q(status="published"),
                name="mission_remote_search",
            ),
            # The few remote missions with an address: the located candidates of a nearest-first
            # search for remote missions, which a walk of the location index seldom meets
            # (148 ms without it at 1,000,000 missions, 15 with it).
            models.Index(
                fields=["id"],
                condition=Q(status="published", is_remote=True, location__isnull=False),
                name="mission_remote_located",
            ),
            # The access flags (step-free, open to minors, for beginners): the capped count of a
            # search by them read the table until 1,001 matched (20,000 rows, 10 ms at 100,000
            # missions, 40 ms at p95 in the bench; docs/benchmarks.md, "The access flags").
            # Any of the three, alone or together, true or false, is an index condition; with
            # the joinable columns the count reads the index only.
            models.Index(
                fields=["is_step_free", "is_open_to_minors", "is_beginner_friendly"],
                include=["has_open_ongoing_slot", "last_open_slot_start"],
                condition=Q(status="published"),
                name="mission_published_access",
            ),
            # The published missions by id, with the flags and the joinable columns: a soonest
            # walk tests each slot's mission on them from this index alone, without reading the
            # row (the last page of three access flags at 100,000 missions: 98-125 ms from the
            # rows, 58 from the index). Not cause_ids nor skill_ids: with them PostgreSQL
            # counted a cause and a skill by reading all of this index (27 ms) rather than
            # from a GIN index of the skills (10 ms).
            models.Index(
                fields=["id"],
                include=[
                    "is_remote",
                    "is_step_free",
                    "is_open_to_minors",
                    "is_beginner_friendly",
                    "has_open_ongoing_slot",
                    "last_open_slot_start",
                ],
                condition=Q(status="published"),
                name="mission_published_by_id",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_remote=True) | Q(location__isnull=False),
                name="mission_located_or_remote",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def location_label(self) -> str:
        """The address as one line: "12 rue X, 75011 Paris" (e-mails, calendar files)."""
        return ", ".join(
            part for part in (self.address, f"{self.postcode} {self.city}".strip()) if part
        )


class MissionWord(models.Model):
    """One word (lexeme) of a mission's search vector, with the rank the mission has for that
    word alone: `ts_rank(search_vector, 'lexeme')`.

    A search by relevance ranks a mission by the sum of these over the query's words (PostgreSQL's
    ts_rank of a query whose words are joined by OR, as ours are, is that sum divided by their
    number). In a tenant with many missions, such a search reads each word's missions from
    mission_word_by_rank, best first, and stops after the page
    (engagement.missions.search_words), instead of reading and ranking every mission that
    matches. Written with the vector (text_search.mission_search_vector_refresh); nothing else
    writes it."""

    pk = models.CompositePrimaryKey("mission_id", "lexeme")
    # The primary key starts with the mission: no index of its own.
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="+", db_index=False)
    lexeme = models.TextField()
    rank = models.FloatField()

    class Meta:
        indexes = [
            # A word's missions best first, ties by id: the order of a search by relevance.
            models.Index(F("lexeme"), F("rank").desc(), F("mission"), name="mission_word_by_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.lexeme} in mission {self.mission_id}: {self.rank}"


# The columns a slot copies from its mission, same names on both: what a soonest walk tests on
# the slots it reads (engagement.missions.search._soonest_page_ids).
SLOT_MISSION_FLAGS = ("is_remote", "is_step_free", "is_open_to_minors", "is_beginner_friendly")
SLOT_MISSION_COPIES = ("cause_ids", "skill_ids", *SLOT_MISSION_FLAGS)


class Slot(models.Model):
    """A date (or an ongoing, undated period) with a number of seats.

    `confirmed_count` is the number of confirmed participations and `held_count` the number of
    seats held for named friends of a group sign-up (engagement.groups); both are written only
    under a row lock by the participation and group services, and the check constraints make
    overbooking impossible even if a service were wrong.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CANCELLED = "cancelled", _("Cancelled")

    class Period(models.IntegerChoices):
        MORNING = 0, _("Morning")
        AFTERNOON = 1, _("Afternoon")
        EVENING = 2, _("Evening")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="slots")
    # Both empty: an ongoing mission without dates.
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    confirmed_count = models.PositiveIntegerField(default=0, editable=False)
    # Seats held for named friends (engagement.groups.models.SeatHold, status "held").
    held_count = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # Bit (weekday * 3 + period) of the start in the tenant's time zone; None when undated.
    # Lets "available on Saturday mornings" be a bitwise test in SQL.
    time_bit = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # iCalendar SEQUENCE of the slot's events: raised by every change of its dates, place or
    # status that participants must see (engagement.missions.services), never lowered.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # When `sequence` last rose (the events' LAST-MODIFIED); None until the first change.
    changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Copies of the mission's cause_ids and skill_ids, rewritten by
    # engagement.missions.services.mission_search_columns_refresh with the mission's: a soonest
    # walk tests a slot's causes and skills in the slot index it walks, before reading its
    # mission (docs/benchmarks.md, "Causes and skills on the slots").
    cause_ids = ArrayField(
        models.BigIntegerField(), default=list, db_default=[], blank=True, editable=False
    )
    skill_ids = ArrayField(
        models.BigIntegerField(), default=list, db_default=[], blank=True, editable=False
    )
    # Copies of the mission's remote and access flags, kept the same way: a soonest walk by the
    # access flags tests them on the slots it reads instead of probing each slot's mission
    # (docs/benchmarks.md, "The flags on the slots").
    is_remote = models.BooleanField(default=False, db_default=False, editable=False)
    is_step_free = models.BooleanField(default=False, db_default=False, editable=False)
    is_open_to_minors = models.BooleanField(default=False, db_default=False, editable=False)
    is_beginner_friendly = models.BooleanField(default=True, db_default=True, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["mission", "starts_at"], name="slot_mission_start"),
            models.Index(fields=["starts_at"], name="slot_start"),
            # Mission search probes the joinable slots of each candidate mission index-only
            # (engagement.missions.search._SlotMatch); seat counts stay out so their updates
            # stay HOT.
            models.Index(
                fields=["mission", "starts_at"],
                include=["ends_at", "time_bit"],
                condition=Q(status="open"),
                name="slot_open_by_mission",
            ),
            # Soonest-first searches without a place or words walk the open slots in start order
            # and stop after a page (engagement.missions.search._soonest_page_ids): index-only,
            # with what the date and availability filters test, and the mission's causes,
            # skills and flags.
            models.Index(
                fields=["starts_at", "mission"],
                include=["ends_at", "time_bit", *SLOT_MISSION_COPIES],
                condition=Q(status="open"),
                name="slot_open_by_start",
            ),
            # The open dated slots running at an instant (the first day of a date range): for
            # that walk, those that started before the day and end after it.
            GistIndex(
                Func(
                    F("starts_at"),
                    F("ends_at"),
                    function="tstzrange",
                    output_field=DateTimeRangeField(),
                ),
                condition=Q(status="open", starts_at__isnull=False),
                name="slot_open_period",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=models.F("capacity")), name="slot_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=models.F("confirmed_count") + models.F("held_count")),
                name="slot_not_overbooked_with_holds",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_positive"),
            models.CheckConstraint(
                condition=(Q(starts_at__isnull=True) & Q(ends_at__isnull=True))
                | (
                    Q(starts_at__isnull=False)
                    & Q(ends_at__isnull=False)
                    & Q(ends_at__gt=models.F("starts_at"))
                ),
                name="slot_dates_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission_id} @ {self.starts_at or 'ongoing'}"

    @property
    def is_ongoing(self) -> bool:
        return self.starts_at is None

    @property
    def seats_left(self) -> int:
        """Seats nobody has: confirmed participations and seats held for friends are taken."""
        return max(self.capacity - self.confirmed_count - self.held_count, 0)

    @property
    def is_past(self) -> bool:
        return self.ends_at is not None and self.ends_at <= timezone.now()

    @staticmethod
    def period_of(hour: int) -> int:
        if hour < 12:
            return Slot.Period.MORNING
        if hour < 18:
            return Slot.Period.AFTERNOON
        return Slot.Period.EVENING

    @staticmethod
    def time_bit_for(starts_at: datetime | None, tz_name: str) -> int | None:
        if starts_at is None:
            return None
        local = starts_at.astimezone(ZoneInfo(tz_name))
        return local.weekday() * 3 + Slot.period_of(local.hour)
