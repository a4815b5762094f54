"""Cost of a choice field's label, `get_FOO_display`, for the fields shown on every row of a
list, an export or an API page (tenants/choices.py): Django's generic method against the map the
models now define, alternated in one process, in French.

    .venv/bin/python bench/choice_labels.py [CALLS]     (default: 20000 calls per round)

Figures: µs of CPU per call (median of 5 rounds of each), for each field, and what that makes
for a page of 50 rows. No database is read: the instances are not saved.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import _configure_django, machine_description  # noqa: E402

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
ROUNDS = 5
PAGE_ROWS = 50


def _cpu_us_per_call(method: Callable[[object], object], instance: object) -> float:
    started = time.process_time()
    for _ in range(CALLS):
        method(instance)
    return (time.process_time() - started) / CALLS * 1e6


def main() -> None:
    _configure_django("postgres", "choicelabels")
    from django.db import models
    from django.utils import translation

    from accounts.models import User
    from engagement.missions.models import Mission
    from engagement.organizations.models import Organization
    from engagement.participations.models import Participation

    fields: list[tuple[type[models.Model], str, object]] = [
        (Participation, "status", Participation.Status.CONFIRMED),
        (Mission, "status", Mission.Status.PUBLISHED),
        (Organization, "kind", Organization.Kind.ASSOCIATION),
        (User, "role", User.Role.ADMIN),
    ]
    print(f"machine: {machine_description()}")
    print(f"{CALLS} calls per round, {ROUNDS} rounds each, alternated; language fr\n")
    print(f"{'field':<24}{'choices':>8}{'Django µs':>11}{'map µs':>9}{'saved / 50 rows':>17}")
    translation.activate("fr")
    for model, name, value in fields:
        field = model._meta.get_field(name)
        ours = model.__dict__[f"get_{name}_display"]
        # What Django puts on a model that defines no get_FOO_display of its own.
        generic = partial(models.Model._get_FIELD_display, field=field)
        instance = model(**{field.attname: value})
        assert generic(instance) == ours(instance), (generic(instance), ours(instance))
        timings: dict[str, list[float]] = {"django": [], "map": []}
        for _ in range(ROUNDS):
            timings["django"].append(_cpu_us_per_call(generic, instance))
            timings["map"].append(_cpu_us_per_call(ours, instance))
        django_us = statistics.median(timings["django"])
        map_us = statistics.median(timings["map"])
        saved_ms = (django_us - map_us) * PAGE_ROWS / 1000
        label = f"{model.__name__}.{name}"
        print(
            f"{label:<24}{len(field.flatchoices):>8}{django_us:>11.1f}{map_us:>9.1f}"
            f"{saved_ms:>14.2f} ms"
        )


if __name__ == "__main__":
    main()
