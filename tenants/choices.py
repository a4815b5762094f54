"""A choice field's label, read from a map built once: `get_FOO_display` for fields shown on
every row of a list, an export or an API page.

Django's own `get_FOO_display` rebuilds a dict of the field's choices on every call and hashes
each label to do it; a label is a lazy translation, so every call translates every label of the
field (seven for a participation's status: 35-49 µs a call on a 2-core machine, against ~4 for
the one label read here; `make bench-choice-labels`, docs/benchmarks.md). A model defines the
method itself, which Django then leaves in place:

    get_status_display = choice_display("status", Status)

The label is still translated at each call, into the language active then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.encoding import force_str


def choice_display(field_name: str, choices: type[models.Choices]) -> Callable[[Any], str]:
    """The `get_<field_name>_display` method for a field whose choices are `choices`: the
    label of the value held, or the value itself (as Django's) when it is not one of them."""
    labels: dict[Any, Any] = dict(choices.choices)

    def display(instance: Any) -> str:
        value = getattr(instance, field_name)
        return force_str(labels.get(value, value), strings_only=True)

    display.__name__ = f"get_{field_name}_display"
    display.__qualname__ = display.__name__
    return display
