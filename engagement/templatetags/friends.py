"""What the mission list and page show of the friends going (engagement.friends.wording)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import template

from engagement.friends.selectors import Person
from engagement.friends.wording import going_sentence

register = template.Library()


@register.simple_tag
def friends_going_for(going: Mapping[int, Sequence[Person]] | None, mission_id: int) -> str:
    """The sentence for one mission of a page (`going` from friends_going), or ""."""
    if not going:
        return ""
    return going_sentence(going.get(mission_id, ()))


@register.filter
def going_text(people: Sequence[Person] | None) -> str:
    return going_sentence(people or ())
