"""The address fields' attributes for the place combobox (static/js/place-combobox.js)."""

from __future__ import annotations

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def place_combobox_attrs(**fields: str) -> dict[str, object]:
    """Attributes of an input that suggests places while typing. `fields` names other inputs to
    fill when a place is picked: latitude, longitude, postcode, city (their ids)."""
    attrs: dict[str, object] = {
        "data-place-suggestions": reverse_lazy("api-places"),
        "data-place-list-label": _("Suggested places"),
        "data-place-count-text": _("{count} suggestions: use the up and down arrows to choose."),
        "data-place-none-text": _("No suggestion."),
    }
    for name, element_id in fields.items():
        attrs[f"data-place-{name}"] = element_id
    return attrs
