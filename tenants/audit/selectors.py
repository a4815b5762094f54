"""Reads of the audit trail (the back office's audit log and its CSV export)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from tenants.audit.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log is narrowed to; every part is optional.

    `person`: part of the actor's e-mail address or name; `actor_id`: one actor exactly.
    `action_prefixes` / `actions`: the kinds of event (`"auth."` or `"mission.published"`),
    matched if any matches. `since` is inclusive, `until` exclusive.
    """

    person: str = ""
    actor_id: int | None = None
    action_prefixes: Sequence[str] = ()
    actions: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None


def _user_model() -> Any:
    # The actor's model (the tenant's users) without importing an app above this one.
    return AuditEvent._meta.get_field("actor").related_model


def audit_event_list(*, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The events matching `filters`, newest first, with their actor (one query per page)."""
    events = AuditEvent.objects.select_related("actor")
    if filters.actor_id is not None:
        events = events.filter(actor_id=filters.actor_id)
    person = filters.person.strip()
    if person:
        # The people first (a small table), then their events through the (actor, created_at)
        # index, rather than a scan of every event joined to its actor.
        people = _user_model().objects.filter(
            Q(email__icontains=person)
            | Q(first_name__icontains=person)
            | Q(last_name__icontains=person)
        )
        events = events.filter(actor_id__in=people.values("pk"))
    if filters.action_prefixes or filters.actions:
        kinds = Q(action__in=list(filters.actions)) if filters.actions else Q()
        for prefix in filters.action_prefixes:
            kinds |= Q(action__startswith=prefix)
        events = events.filter(kinds)
    if filters.since is not None:
        events = events.filter(created_at__gte=filters.since)
    if filters.until is not None:
        events = events.filter(created_at__lt=filters.until)
    return events.order_by("-created_at", "-id")


def audit_event_batches(
    *, filters: AuditFilters, batch_size: int = 1000
) -> Iterator[list[AuditEvent]]:
    """Every event matching `filters`, newest first, `batch_size` at a time (one query per
    batch, each starting after the last row of the previous one: no cursor stays open)."""
    events = audit_event_list(filters=filters)
    last: AuditEvent | None = None
    while True:
        batch_query = events
        if last is not None:
            batch_query = batch_query.filter(
                Q(created_at__lt=last.created_at) | Q(created_at=last.created_at, id__lt=last.pk)
            )
        batch = list(batch_query[:batch_size])
        if not batch:
            return
        yield batch
        if len(batch) < batch_size:
            return
        last = batch[-1]
