"""Forms of missions: the search filters of "Autour de moi", and the organization space's mission
and date editors.

They parse and validate what a person typed (types, required fields, a coherent pair of
coordinates, dates in the tenant's time zone) and hand keyword arguments to the services, which
own every rule (capacity, statuses, permissions, entitlements).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.gis.geos import Point
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from engagement.form_fields import (
    TEXTAREA_ROWS,
    DescriptionField,
    SummarisedErrorsForm,
    TaxonomyMultipleChoiceField,
)
from engagement.limits import validate_search_date
from engagement.missions.models import Mission, Slot
from engagement.places.gazetteer import normalize as normalize_address
from engagement.places.geocoding import lookup
from engagement.places.widgets import place_combobox_attrs
from engagement.taxonomy.models import Cause, Skill

# --- Missions -----------------------------------------------------------------------------------


class MissionForm(SummarisedErrorsForm):
    """A mission's texts, themes, place and accessibility.

    The place is either remote, or a point: a latitude/longitude pair (filled by the map picker
    when JavaScript runs, typed by hand otherwise) or, failing that, the address passed to the
    tenant's geocoder.
    """

    title = forms.CharField(label=_("Title"), max_length=160)
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("One or two sentences shown in search results."),
        required=False,
        max_length=300,
    )
    description = DescriptionField(
        label=_("Description"),
        help_text=_(
            "What volunteers will do, what to bring, who to ask for. Leave an empty line "
            "between paragraphs."
        ),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}),
    )
    causes = TaxonomyMultipleChoiceField(
        label=_("Causes"), queryset=Cause.objects.none(), required=False
    )
    skills = TaxonomyMultipleChoiceField(
        label=_("Useful skills"), queryset=Skill.objects.none(), required=False
    )

    is_remote = forms.BooleanField(
        label=_("This mission can be done remotely"),
        help_text=_("A remote mission needs no address or pin."),
        required=False,
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=255,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "street-address",
                **place_combobox_attrs(
                    latitude="id_latitude",
                    longitude="id_longitude",
                    postcode="id_postcode",
                    city="id_city",
                ),
            }
        ),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=_("City"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        help_text=_("For example 48.8566. Leave empty to locate the address."),
        required=False,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        help_text=_("For example 2.3522."),
        required=False,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    is_step_free = forms.BooleanField(label=_("Step-free access"), required=False)
    is_open_to_minors = forms.BooleanField(label=_("Open to minors"), required=False)
    is_beginner_friendly = forms.BooleanField(
        label=_("Suitable for beginners"), required=False, initial=True
    )
    requires_approval = forms.BooleanField(
        label=_("I confirm each volunteer myself"),
        help_text=_("Requests wait for your approval instead of being confirmed at once."),
        required=False,
    )

    service_field_names = {"cause_ids": "causes", "skill_ids": "skills"}

    def __init__(
        self,
        *args: Any,
        tenant: Any,
        causes: QuerySet[Cause],
        skills: QuerySet[Skill],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        # Set when the point came from the address (the page tells where the pin went).
        self.geocoded_label = ""
        # Set when the address could not be located because the geocoding service is down.
        self.geocoder_unavailable = False
        # The choices come from engagement.taxonomy.selectors (cause_list, skill_list): one
        # query each.
        self.fields["causes"].queryset = causes
        self.fields["skills"].queryset = skills

    @staticmethod
    def initial_from(mission: Mission) -> dict[str, Any]:
        location = mission.location
        return {
            "title": mission.title,
            "summary": mission.summary,
            "description": mission.description,
            "causes": [cause.pk for cause in mission.causes.all()],
            "skills": [skill.pk for skill in mission.skills.all()],
            "is_remote": mission.is_remote,
            "address": mission.address,
            "postcode": mission.postcode,
            "city": mission.city,
            "latitude": round(location.y, 6) if location is not None else None,
            "longitude": round(location.x, 6) if location is not None else None,
            "is_step_free": mission.is_step_free,
            "is_open_to_minors": mission.is_open_to_minors,
            "is_beginner_friendly": mission.is_beginner_friendly,
            "requires_approval": mission.requires_approval,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        latitude = cleaned.get("latitude")
        longitude = cleaned.get("longitude")
        if self.has_error("latitude") or self.has_error("longitude"):
            return cleaned
        if (latitude is None) != (longitude is None):
            missing = "longitude" if longitude is None else "latitude"
            self.add_error(missing, _("Give both the latitude and the longitude, or neither."))
            return cleaned
        location: Point | None = None
        if latitude is not None and longitude is not None and self._address_moved(cleaned):
            # The address changed but the pin is where the old address put it: locate the new
            # one. An unchanged address is never located again (the stored point stays, even
            # while the geocoding service is down).
            location = self._geocoded_location(cleaned)
            if location is None:
                self.add_error(
                    "address",
                    _(
                        "The address changed and we could not locate the new one. Move the pin "
                        "on the map or enter the latitude and longitude."
                    ),
                )
        elif latitude is not None and longitude is not None:
            location = Point(longitude, latitude, srid=4326)
        elif not cleaned.get("is_remote"):
            location = self._geocoded_location(cleaned)
            if location is None and self.geocoder_unavailable:
                self.add_error(
                    "address",
                    _(
                        "The address search is unavailable right now. Place the pin on the map "
                        "or enter the latitude and longitude — or try again in a few minutes."
                    ),
                )
            elif location is None:
                self.add_error(
                    "address" if self._address_query(cleaned) else None,
                    _(
                        "Place the pin on the map, enter the latitude and longitude, or give an "
                        "address we can locate — or mark the mission as remote."
                    ),
                )
        cleaned["location"] = location
        return cleaned

    def _address_moved(self, cleaned: Mapping[str, Any]) -> bool:
        """Editing: the address differs from the stored one while the coordinates did not move."""
        stored_latitude = self.initial.get("latitude")
        if stored_latitude is None:
            return False
        same_point = cleaned.get("latitude") == stored_latitude and cleaned.get(
            "longitude"
        ) == self.initial.get("longitude")
        return same_point and normalize_address(self._address_query(cleaned)) != normalize_address(
            self._address_query(self.initial)
        )

    @staticmethod
    def _address_query(cleaned: Mapping[str, Any]) -> str:
        parts = (cleaned.get("address"), cleaned.get("postcode"), cleaned.get("city"))
        return ", ".join(part.strip() for part in parts if part and part.strip())

    def _geocoded_location(self, cleaned: Mapping[str, Any]) -> Point | None:
        query = self._address_query(cleaned)
        if not query:
            return None
        found = lookup(query, tenant=self.tenant)
        self.geocoder_unavailable = found.is_unavailable
        place = found.place
        if place is None:
            return None
        self.geocoded_label = place.label
        return Point(place.lng, place.lat, srid=4326)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "summary": data["summary"],
            "description": data["description"],
            "cause_ids": [cause.pk for cause in data["causes"]],
            "skill_ids": [skill.pk for skill in data["skills"]],
            "location": data["location"],
            "address": data["address"],
            "postcode": data["postcode"],
            "city": data["city"],
            "is_remote": data["is_remote"],
            "is_step_free": data["is_step_free"],
            "is_open_to_minors": data["is_open_to_minors"],
            "is_beginner_friendly": data["is_beginner_friendly"],
            "requires_approval": data["requires_approval"],
        }


# --- Slots --------------------------------------------------------------------------------------


class SlotForm(SummarisedErrorsForm):
    """A date with start and end times in the tenant's time zone, or an ongoing period."""

    service_field_names = {"starts_at": "day", "ends_at": "end_time"}

    is_ongoing = forms.BooleanField(
        label=_("Ongoing, without dates"),
        help_text=_("Volunteers join at any time; leave the date and times empty."),
        required=False,
    )
    day = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_time = forms.TimeField(
        label=_("Start time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=_("End time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    capacity = forms.IntegerField(
        label=_("Number of volunteers needed"),
        min_value=1,
        max_value=10000,
        initial=5,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(tenant.timezone)

    @staticmethod
    def initial_from(slot: Slot, *, tenant: Any) -> dict[str, Any]:
        if slot.starts_at is None or slot.ends_at is None:
            return {"is_ongoing": True, "capacity": slot.capacity}
        zone = ZoneInfo(tenant.timezone)
        starts_at = slot.starts_at.astimezone(zone)
        ends_at = slot.ends_at.astimezone(zone)
        return {
            "is_ongoing": False,
            "day": starts_at.date(),
            "start_time": starts_at.time().replace(second=0, microsecond=0),
            "end_time": ends_at.time().replace(second=0, microsecond=0),
            "capacity": slot.capacity,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("is_ongoing"):
            cleaned["starts_at"] = cleaned["ends_at"] = None
            return cleaned
        day: date | None = cleaned.get("day")
        start_time: time | None = cleaned.get("start_time")
        end_time: time | None = cleaned.get("end_time")
        for name, value in (("day", day), ("start_time", start_time), ("end_time", end_time)):
            if value is None and not self.has_error(name):
                self.add_error(name, _("Required unless the mission is ongoing."))
        if day is None or start_time is None or end_time is None:
            return cleaned
        if end_time <= start_time:
            self.add_error("end_time", _("The end time must be after the start time."))
            return cleaned
        cleaned["starts_at"] = datetime.combine(day, start_time, tzinfo=self.zone)
        cleaned["ends_at"] = datetime.combine(day, end_time, tzinfo=self.zone)
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "starts_at": self.cleaned_data["starts_at"],
            "ends_at": self.cleaned_data["ends_at"],
            "capacity": self.cleaned_data["capacity"],
        }


WEEKDAYS: tuple[tuple[int, Any], ...] = (
    (0, pgettext_lazy("weekday", "Monday")),
    (1, pgettext_lazy("weekday", "Tuesday")),
    (2, pgettext_lazy("weekday", "Wednesday")),
    (3, pgettext_lazy("weekday", "Thursday")),
    (4, pgettext_lazy("weekday", "Friday")),
    (5, pgettext_lazy("weekday", "Saturday")),
    (6, pgettext_lazy("weekday", "Sunday")),
)
PERIODS: tuple[tuple[int, Any], ...] = tuple(Slot.Period.choices)
FULL_WEEK_MASK = (1 << 21) - 1

RADIUS_CHOICES = (
    ("", _("Any distance")),
    (1, pgettext_lazy("distance", "1 km")),
    (2, pgettext_lazy("distance", "2 km")),
    (5, pgettext_lazy("distance", "5 km")),
    (10, pgettext_lazy("distance", "10 km")),
    (25, pgettext_lazy("distance", "25 km")),
    (50, pgettext_lazy("distance", "50 km")),
)
PROFILE_RADIUS_CHOICES = tuple(choice for choice in RADIUS_CHOICES if choice[0] != "")
SORT_CHOICES = (
    ("", _("Best match")),
    ("distance", _("Nearest first")),
    ("soonest", _("Soonest first")),
    ("newest", _("Newest first")),
)
REMOTE_CHOICES = (
    ("", _("On site and remote")),
    ("0", _("On site only")),
    ("1", _("Remote only")),
)


def availability_mask(days: Iterable[int], periods: Iterable[int]) -> int:
    """The 21-bit mask (weekday * 3 + period, like Slot.time_bit) of these days × periods; an
    empty side means "any"."""
    chosen_days = list(days) or [day for day, _label in WEEKDAYS]
    chosen_periods = list(periods) or [period for period, _label in PERIODS]
    mask = 0
    for day in chosen_days:
        for period in chosen_periods:
            mask |= 1 << (int(day) * 3 + int(period))
    return mask


@dataclass(frozen=True)
class Origin:
    """Where distances are measured from, and how the page names it."""

    lat: float
    lng: float
    label: str


class MissionFilterForm(forms.Form):
    """The filters of "Autour de moi". Invalid values are ignored (and shown), never a 500."""

    q = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    where = forms.CharField(
        label=_("Address, postcode or district"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "postal-code",
                "list": "known-areas",
                "data-address": "",
                **place_combobox_attrs(),
            }
        ),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    cause = forms.MultipleChoiceField(
        label=_("Causes"), required=False, widget=forms.CheckboxSelectMultiple
    )
    skill = forms.MultipleChoiceField(
        label=_("Useful skills"), required=False, widget=forms.CheckboxSelectMultiple
    )
    day = forms.TypedMultipleChoiceField(
        label=_("Days"),
        required=False,
        coerce=int,
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
    )
    period = forms.TypedMultipleChoiceField(
        label=_("Time of day"),
        required=False,
        coerce=int,
        choices=PERIODS,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.ChoiceField(
        label=_("My availability"),
        required=False,
        choices=(("", _("Any time")), ("mine", _("Only when I am available"))),
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_search_date],
    )
    date_to = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_search_date],
    )
    radius_km = forms.TypedChoiceField(
        label=_("Distance"), required=False, coerce=int, empty_value=None, choices=RADIUS_CHOICES
    )
    remote = forms.ChoiceField(label=_("Where"), required=False, choices=REMOTE_CHOICES)
    step_free = forms.BooleanField(label=_("Step-free access"), required=False)
    beginner_friendly = forms.BooleanField(label=_("Suitable for beginners"), required=False)
    open_to_minors = forms.BooleanField(label=_("Open to minors"), required=False)
    for_me = forms.BooleanField(label=_("Missions for me"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    # Fields that count as "a filter is on" in the summary.
    FILTER_FIELDS = (
        "cause",
        "skill",
        "day",
        "period",
        "availability",
        "date_from",
        "date_to",
        "radius_km",
        "remote",
        "step_free",
        "beginner_friendly",
        "open_to_minors",
        "for_me",
    )

    def __init__(
        self,
        *args: Any,
        causes: Sequence[Cause] = (),
        skills: Sequence[Skill] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cause"].choices = [(cause.slug, cause.label) for cause in causes]
        self.fields["skill"].choices = [(skill.slug, skill.label) for skill in skills]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        date_from: date | None = cleaned.get("date_from")
        date_to: date | None = cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date is before the start date."))
        if (cleaned.get("lat") is None) != (cleaned.get("lng") is None):
            cleaned["lat"] = cleaned["lng"] = None
        return cleaned

    def value(self, name: str) -> Any:
        """A valid value, or the field's empty value when the input was invalid or missing."""
        if self.is_bound and not hasattr(self, "cleaned_data"):
            self.is_valid()
        empty: Any = [] if isinstance(self.fields[name], forms.MultipleChoiceField) else None
        return getattr(self, "cleaned_data", {}).get(name, empty)

    @property
    def active_filter_count(self) -> int:
        return sum(
            1 for name in self.FILTER_FIELDS if self.value(name) not in (None, "", [], False)
        )

    def availability_mask(self) -> int | None:
        days, periods = self.value("day") or [], self.value("period") or []
        if not days and not periods:
            return None
        return availability_mask(days, periods)

    def remote_choice(self) -> bool | None:
        return {"1": True, "0": False}.get(self.value("remote") or "")
