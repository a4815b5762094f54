"""What a person reads when a place is not found, shared by the pages that locate one."""

from __future__ import annotations

from django.utils.translation import gettext as _


def place_error_message(*, unavailable: bool) -> str:
    if unavailable:
        return _(
            "The place search is unavailable right now. Use “Locate me”, the map, or try again "
            "in a few minutes."
        )
    return _("We could not find this place. Try a postcode or a district.")
