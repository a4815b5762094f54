"""tenants/choices.py: the labels of the fields shown on every row, as Django's own
get_FOO_display gives them, in the language active at each call."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from accounts.models import User
from engagement.missions.models import Mission
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from tenants.choices import choice_display

FIELDS = [
    (Participation, "status"),
    (Mission, "status"),
    (Organization, "kind"),
    (User, "role"),
]


@pytest.mark.parametrize(("model", "field_name"), FIELDS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_label_is_djangos_own(
    model: type[models.Model], field_name: str, language: str
) -> None:
    field = model._meta.get_field(field_name)
    display = f"get_{field_name}_display"
    # The model's own method, which Django left in place of its generic one.
    assert model.__dict__[display].__name__ == display
    with translation.override(language):
        for value, _label in field.flatchoices:
            instance = model(**{field.attname: value})
            ours = getattr(instance, display)()
            assert ours == model._get_FIELD_display(instance, field=field)
            assert type(ours) is str


def test_label_follows_the_active_language() -> None:
    participation = Participation(status=Participation.Status.CONFIRMED)
    with translation.override("fr"):
        assert participation.get_status_display() == "Confirmée"
    with translation.override("en"):
        assert participation.get_status_display() == "Confirmed"


@pytest.mark.parametrize("value", ["not-a-status", "", None])
def test_a_value_outside_the_choices_is_shown_as_itself(value: str | None) -> None:
    participation = Participation(status=value)
    field = Participation._meta.get_field("status")
    assert participation.get_status_display() == value
    assert participation.get_status_display() == Participation._get_FIELD_display(
        participation, field=field
    )


def test_choice_display_reads_the_field_it_was_made_for() -> None:
    display = choice_display("role", User.Role)
    assert display.__name__ == "get_role_display"
    with translation.override("en"):
        assert display(User(role=User.Role.ADMIN)) == "Tenant admin"
