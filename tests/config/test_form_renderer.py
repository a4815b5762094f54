"""The form renderer (config/form_renderer.py): Django's form templates through Jinja2 draw the
same HTML as through Django's engine; the project's widget templates stay Django templates."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template
from django.test.html import parse_html

from config.form_renderer import FormRenderer
from engagement.form_fields import ChipCheckboxes, ChipRadios
from engagement.missions.forms import MissionFilterForm

# Text a visitor may type, with everything an attribute or a text node must escape.
TRICKY = """l'école & "les jardins" <b>ouverts</b>"""


class EveryWidget(forms.Form):
    text = forms.CharField(
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-flag": True, "hidden": False}),
        help_text="A hint",
    )
    hidden = forms.IntegerField(widget=forms.HiddenInput)
    number = forms.IntegerField(min_value=1)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(widget=forms.Textarea, required=False)
    agree = forms.BooleanField(required=False)
    size = forms.ChoiceField(choices=[("", "Any"), ("s", "Small"), ("l", "Large & tall")])
    grouped = forms.ChoiceField(
        choices=[("Near", [("1", "1 km"), ("5", "5 km")]), ("Far", [("50", "50 km")])]
    )
    colours = forms.MultipleChoiceField(
        choices=[("r", "Red"), ("g", "Green")], widget=forms.CheckboxSelectMultiple
    )
    shape = forms.ChoiceField(choices=[("o", "Round"), ("x", "Square")], widget=forms.RadioSelect)
    chips = forms.MultipleChoiceField(
        choices=[("a", "Alpha"), ("b", "Beta")], widget=ChipCheckboxes, required=False
    )
    chip = forms.ChoiceField(choices=[("a", "Alpha"), ("b", "Beta")], widget=ChipRadios)


BOUND = {
    "text": TRICKY,  # too long: an error list too
    "hidden": "7",
    "number": "0",  # below the minimum
    "day": "2026-12-24",
    "note": TRICKY,
    "agree": "on",
    "size": "l",
    "grouped": "5",
    "colours": ["g"],
    "shape": "x",
    "chips": ["b"],
    "chip": "a",
}


def _drawn(form: forms.Form) -> dict[str, Any]:
    """Each way a page draws a form: whole, field by field, label, errors, hint, options."""
    drawn: dict[str, Any] = {"form": form.as_div(), "errors": str(form.non_field_errors())}
    for field in form:
        drawn[field.name] = str(field)
        drawn[f"{field.name} label"] = field.label_tag()
        drawn[f"{field.name} errors"] = str(field.errors)
        drawn[f"{field.name} row"] = field.as_field_group()
        drawn[f"{field.name} options"] = [choice.tag() for choice in field.subwidgets]
    return drawn


def _both(form_class: type[forms.Form], **kwargs: Any) -> tuple[dict, dict]:
    ours = form_class(renderer=FormRenderer(), **kwargs)
    django = form_class(renderer=DjangoTemplates(), **kwargs)
    ours.is_valid()
    django.is_valid()
    return _drawn(ours), _drawn(django)


def _assert_same_html(ours: dict[str, Any], django: dict[str, Any]) -> None:
    assert ours.keys() == django.keys()
    for key, value in django.items():
        values = value if isinstance(value, list) else [value]
        mine = ours[key] if isinstance(ours[key], list) else [ours[key]]
        assert len(mine) == len(values), key
        for drawn, expected in zip(mine, values, strict=True):
            assert parse_html(drawn) == parse_html(expected), key


def test_the_settings_use_it() -> None:
    assert isinstance(get_default_renderer(), FormRenderer)


def test_django_form_templates_are_drawn_by_jinja2_and_ours_by_django() -> None:
    renderer = FormRenderer()
    assert isinstance(renderer.get_template("django/forms/widgets/input.html"), Jinja2Template)
    assert isinstance(renderer.get_template("django/forms/div.html"), Jinja2Template)
    assert isinstance(renderer.get_template(ChipCheckboxes.template_name), DjangoTemplate)
    assert isinstance(renderer.get_template(ChipCheckboxes.option_template_name), DjangoTemplate)


@pytest.mark.parametrize("bound", [False, True], ids=["empty", "bound with errors"])
def test_every_widget_is_drawn_as_django_draws_it(bound: bool) -> None:
    ours, django = _both(EveryWidget, **({"data": BOUND} if bound else {}))
    _assert_same_html(ours, django)
    if bound:
        # What the comparison covers: escaped input, a chosen option, an error.
        assert "l&#x27;école &amp; &quot;les jardins&quot;" in django["text"]
        assert "selected" in django["size"]
        assert django["number errors"]


@pytest.mark.parametrize(
    "data",
    [{}, {"q": TRICKY, "where": "75011", "date_from": "tomorrow", "radius_km": "5", "sort": "x"}],
    ids=["first visit", "typed, one date invalid"],
)
def test_the_home_page_filters_are_drawn_as_django_draws_them(data: dict[str, str]) -> None:
    ours, django = _both(MissionFilterForm, data=data, causes=[], skills=[])
    _assert_same_html(ours, django)
