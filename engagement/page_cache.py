"""What empties the tenant's cache of anonymous pages (tenants/page_cache.py): a write to a row
the home page or a mission page shows — a mission, its dates and seats, its causes and skills,
its organization, the taxonomy, a campaign banner.

- A change of one mission's content (the mission, its dates, its causes and skills) renews that
  mission's page, its copy, its seats and the lists (the home page): the tenant's other mission
  pages and copies are kept, however many missions its organizers edit.
- A change of seats only (a participation confirmed or cancelled, a seat held: a Slot saved
  with only its counters) renews that mission's seats, which every view of its stored page
  puts in afresh (engagement/missions/mission_page.py, fill_seats): the page itself is kept.
  The lists that show seats left (the home page) keep theirs until they expire
  (HOME_PAGE_SECONDS): with many volunteers signing up, every sign-up would otherwise empty
  them.
- A change shown on many missions' pages (an organization, a cause or a skill, a campaign)
  renews every page of the tenant.

Model signals, not services: this is cache coherence, as for host routing (tenants/routing.py),
and it must follow every save whichever service makes it. Bulk `QuerySet.update()` calls send no
signal; the pages' short expiry bounds those.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from engagement.campaigns.models import Campaign
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.taxonomy.models import Cause, Skill
from tenants.page_cache import (
    LISTS_SCOPE,
    mission_copy_scope,
    mission_scope,
    mission_seats_scope,
    page_cache_invalidate,
)

SHOWN_ON_MANY_PAGES = (Organization, Cause, Skill, Campaign)
SEAT_COUNTERS = frozenset({"confirmed_count", "held_count"})


def _mission_content_changed(mission_id: object) -> None:
    """Renew what shows this mission's content: its page, its copy, its seats and the lists."""
    page_cache_invalidate(
        scope=[
            mission_scope(mission_id),
            mission_copy_scope(mission_id),
            mission_seats_scope(mission_id),
            LISTS_SCOPE,
        ]
    )


def _on_change(sender: type, **kwargs: Any) -> None:
    page_cache_invalidate()


def _on_mission_change(sender: type, instance: Mission, **kwargs: Any) -> None:
    _mission_content_changed(instance.pk)


def _on_slot_change(sender: type, instance: Slot, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= SEAT_COUNTERS:
        page_cache_invalidate(scope=mission_seats_scope(instance.mission_id))
    else:
        _mission_content_changed(instance.mission_id)


def _on_slot_delete(sender: type, instance: Slot, **kwargs: Any) -> None:
    _mission_content_changed(instance.mission_id)


def _on_taxonomy_links_change(
    sender: type, instance: Any, reverse: bool, action: str, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:  # From the mission's side: `instance` is the mission.
        _mission_content_changed(instance.pk)
    else:
        # From the cause's or the skill's side: the missions are many, or (a clear) unknown.
        page_cache_invalidate()


def connect_page_cache_invalidation() -> None:
    for model in SHOWN_ON_MANY_PAGES:
        name = model._meta.label_lower
        post_save.connect(_on_change, sender=model, dispatch_uid=f"page-cache-save-{name}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"page-cache-delete-{name}")
    post_save.connect(_on_mission_change, sender=Mission, dispatch_uid="page-cache-save-mission")
    post_delete.connect(
        _on_mission_change, sender=Mission, dispatch_uid="page-cache-delete-mission"
    )
    post_save.connect(_on_slot_change, sender=Slot, dispatch_uid="page-cache-save-slot")
    post_delete.connect(_on_slot_delete, sender=Slot, dispatch_uid="page-cache-delete-slot")
    for through in (Mission.causes.through, Mission.skills.through):
        name = through._meta.label_lower
        m2m_changed.connect(
            _on_taxonomy_links_change, sender=through, dispatch_uid=f"page-cache-m2m-{name}"
        )
