"""How a page or the API words the friends going to a mission: "Léa is going", "Léa and Sam are
going", "Léa and 2 friends are going"."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagement.friends.selectors import Person


def going_sentence(people: Sequence[Person]) -> str:
    """One sentence naming the first one or two friends going, counting the others."""
    if not people:
        return ""
    first = people[0].name
    if len(people) == 1:
        return _("%(name)s is going") % {"name": first}
    if len(people) == 2:
        return _("%(name)s and %(other)s are going") % {"name": first, "other": people[1].name}
    others = len(people) - 1
    return ngettext(
        "%(name)s and %(count)d friend are going",
        "%(name)s and %(count)d friends are going",
        others,
    ) % {"name": first, "count": others}
