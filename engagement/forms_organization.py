"""Forms of the organization space and the moderation queue.

They parse and validate what a person typed (types, required fields, a coherent pair of
coordinates, dates in the tenant's time zone) and hand keyword arguments to the services in
engagement/services.py, which own every rule (capacity, statuses, permissions, entitlements).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.gis.geos import Point
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils.html import linebreaks
from django.utils.translation import gettext_lazy as _

from engagement.geocoding import geocode
from engagement.images import ImageRejected, check_logo_size
from engagement.models import (
    Cause,
    Mission,
    Organization,
    OrganizationMembership,
    Participation,
    Skill,
    Slot,
)

TEXTAREA_ROWS = 6


class SummarisedErrorsForm(forms.Form):
    """A form whose errors can be listed at the top of the page, each linked to its field."""

    field_template = "engagement/organization/_field.html"
    # A service's name for a field (in EngagementError.fields) → this form's field.
    service_field_names: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels end without a colon: several sit after their checkbox.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.template_name = field.template_name or self.field_template

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor id, field label, message) for every error, non-field errors first."""
        items = [("", "", str(message)) for message in self.non_field_errors()]
        for bound_field in self:
            if not bound_field.errors:
                continue
            anchor = bound_field.auto_id
            if bound_field.use_fieldset:
                # Radio buttons and checkboxes: point at the first option.
                anchor = f"{anchor}_0"
            items.extend(
                (anchor, str(bound_field.label), str(message)) for message in bound_field.errors
            )
        return items


# Markup the services keep in descriptions (engagement.sanitizing); anything else is plain text.
_HTML_TAG = re.compile(r"<\s*/?\s*(p|br|strong|b|em|i|u|ul|ol|li|a|blockquote|h3|h4)\b", re.I)
_TAG = re.compile(r"<\s*(/?)\s*([a-z0-9]+)[^>]*>", re.I)
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p>", re.I)
_LINE_BREAK = re.compile(r"<br\s*/?>\n?", re.I)


class DescriptionField(forms.CharField):
    """A description typed as plain text (an empty line between paragraphs) or with the simple
    markup the sanitizer keeps. Plain text becomes paragraphs; a description made only of
    paragraphs and line breaks is shown back as plain text, so editing never exposes tags."""

    widget = forms.Textarea

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text or _HTML_TAG.search(text):
            return text
        return str(linebreaks(text, autoescape=True))

    def prepare_value(self, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        tags = {name.lower() for _closing, name in _TAG.findall(value)}
        if not tags or not tags <= {"p", "br"}:
            return value
        text = _LINE_BREAK.sub("\n", _PARAGRAPH_BREAK.sub("\n\n", value.strip()))
        return html.unescape(_TAG.sub("", text))


class ChipCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes drawn as chips (the site's style for interests)."""

    template_name = "engagement/organization/widgets/chips.html"
    option_template_name = "engagement/organization/widgets/chip_option.html"


class ChipRadios(forms.RadioSelect):
    template_name = "engagement/organization/widgets/chips.html"
    option_template_name = "engagement/organization/widgets/chip_option.html"


class TaxonomyMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Causes or skills as checkboxes, labelled in the active language."""

    widget = ChipCheckboxes

    def label_from_instance(self, obj: Cause | Skill) -> str:  # type: ignore[override]
        return obj.label


# --- Organizations ------------------------------------------------------------------------------


class OrganizationForm(SummarisedErrorsForm):
    name = forms.CharField(label=_("Name of the organization"), max_length=160)
    kind = forms.ChoiceField(
        label=_("Kind of organization"),
        choices=Organization.Kind.choices,
        widget=ChipRadios,
        initial=Organization.Kind.ASSOCIATION,
    )
    description = DescriptionField(
        label=_("Presentation"),
        help_text=_("What the organization does, for whom, where."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url", "placeholder": "https://"}),
    )
    contact_email = forms.EmailField(
        label=_("Contact e-mail"),
        help_text=_("Seen by the moderators of this site, not by the public."),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    @staticmethod
    def initial_from(organization: Organization) -> dict[str, Any]:
        return {
            "name": organization.name,
            "kind": organization.kind,
            "description": organization.description,
            "address": organization.address,
            "website": organization.website,
            "contact_email": organization.contact_email,
        }

    def service_kwargs(self) -> dict[str, Any]:
        return {
            key: self.cleaned_data[key]
            for key in ("name", "kind", "description", "address", "website", "contact_email")
        }


class OrganizationEditForm(OrganizationForm):
    """OrganizationForm plus the logo (the service checks and re-encodes the picture)."""

    logo = forms.FileField(
        label=_("Logo"),
        help_text=_("PNG, JPEG, WebP or GIF, at most 2 MB; shown at most 512 pixels wide."),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def clean_logo(self) -> Any:
        upload = self.cleaned_data.get("logo")
        if upload is not None:
            try:
                check_logo_size(upload.size)
            except ImageRejected as error:
                raise forms.ValidationError(str(error)) from None
        return upload

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        upload = self.cleaned_data.get("logo")
        if upload is not None:
            kwargs["logo"] = upload.read()
        elif self.cleaned_data.get("remove_logo"):
            kwargs["logo"] = None
        return kwargs


class InvitationForm(SummarisedErrorsForm):
    email = forms.EmailField(
        label=_("E-mail address of the person to invite"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=OrganizationMembership.Role.choices,
        initial=OrganizationMembership.Role.ADMIN,
        widget=ChipRadios,
        help_text=_(
            "Administrators manage the organization and its members; editors manage missions "
            "and participants."
        ),
    )


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
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
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
        # The choices come from engagement.selectors (cause_list, skill_list): one query each.
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
        if latitude is not None and longitude is not None:
            location = Point(longitude, latitude, srid=4326)
        elif not cleaned.get("is_remote"):
            location = self._geocoded_location(cleaned)
            if location is None:
                self.add_error(
                    "address" if self._address_query(cleaned) else None,
                    _(
                        "Place the pin on the map, enter the latitude and longitude, or give an "
                        "address we can locate — or mark the mission as remote."
                    ),
                )
        cleaned["location"] = location
        return cleaned

    @staticmethod
    def _address_query(cleaned: Mapping[str, Any]) -> str:
        parts = (cleaned.get("address"), cleaned.get("postcode"), cleaned.get("city"))
        return ", ".join(part.strip() for part in parts if part and part.strip())

    def _geocoded_location(self, cleaned: Mapping[str, Any]) -> Point | None:
        query = self._address_query(cleaned)
        if not query:
            return None
        place = geocode(query, tenant=self.tenant)
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


# --- Participants -------------------------------------------------------------------------------


class DeclineForm(SummarisedErrorsForm):
    reason = forms.CharField(
        label=_("Reason (sent to the volunteer)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AttendanceForm(SummarisedErrorsForm):
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0"),
        max_value=Decimal("999"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )


PARTICIPATION_DECIDABLE = (Participation.Status.REQUESTED, Participation.Status.WAITLISTED)


# --- Moderation ---------------------------------------------------------------------------------


class ModerationDecisionForm(SummarisedErrorsForm):
    """Approve, or reject with a note the organization will read."""

    APPROVE = "approve"
    REJECT = "reject"

    decision = forms.ChoiceField(
        choices=((APPROVE, _("Approve")), (REJECT, _("Reject"))), widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Note to the organization"),
        help_text=_("Required when you reject: say what to change."),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == self.REJECT and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why, so the organization can fix it."))
        return cleaned

    @property
    def is_approval(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE
