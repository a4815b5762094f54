"""The data the export tests read, with every row's expected place in each export.

Period under test: 1 March – 30 April 2025 (Paris time). In it:

- S1 "Distribution de repas" (Les Restos du Cœur), 10 March 2025 10:00–13:00: Alice attended
  (2.50 h), "-Bob" cancelled.
- S4, an ongoing slot of "+Collecte" ("=Evil Org"): Dan confirmed, signed up on 15 March 2025.
- S2 "+Collecte", 2 April 2025 14:00–16:00: Alice attended (2.00 h), a deleted account
  attended (1.50 h).
- S4 again: Chloé signed up on 1 December 2024 (outside) and her attendance (1.00 h) was recorded
  on 10 April 2025 (inside): an attended participation of an undated slot counts on that day.

Outside it: S3 (20 December 2024), where Alice is confirmed and Chloé attended (3 h).
Names that start with =, +, - or @ check the formula escaping.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from accounts.models import User
from engagement.backoffice.models import ExportJob
from engagement.participations.models import Participation
from tests.engagement.factories import (
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

PARIS = ZoneInfo("Europe/Paris")
START, END = date(2025, 3, 1), date(2025, 4, 30)


def paris_time(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@dataclass
class ExportWorld:
    alice: User
    bob: User
    chloe: User
    dan: User


def _user(email: str, first: str, last: str, joined: datetime) -> User:
    user = UserFactory(email=email, first_name=first, last_name=last)
    User.objects.filter(pk=user.pk).update(date_joined=joined)
    user.refresh_from_db()
    return user


def build_export_world() -> ExportWorld:
    """In the current tenant (call it inside tenant_context)."""
    dan = _user("dan@example.org", "Dan", "Petit", paris_time(2024, 5, 1, 12))
    alice = _user("alice@example.org", "Alice", "Martin", paris_time(2024, 6, 1, 12))
    bob = _user("bob@example.org", "-Bob", "Leroy", paris_time(2025, 3, 5, 9))
    chloe = _user("chloe@example.org", "Chloé", "Bernard", paris_time(2024, 1, 1, 12))
    gone = UserFactory(email="gone@example.org")

    restos = OrganizationFactory(name="Les Restos du Cœur")
    evil = OrganizationFactory(name="=Evil Org")
    meals = MissionFactory(organization=restos, title="Distribution de repas")
    collect = MissionFactory(organization=evil, title="+Collecte")
    s1 = SlotFactory(
        mission=meals, starts_at=paris_time(2025, 3, 10, 10), ends_at=paris_time(2025, 3, 10, 13)
    )
    s2 = SlotFactory(
        mission=collect, starts_at=paris_time(2025, 4, 2, 14), ends_at=paris_time(2025, 4, 2, 16)
    )
    s3 = SlotFactory(
        mission=meals, starts_at=paris_time(2024, 12, 20, 9), ends_at=paris_time(2024, 12, 20, 12)
    )
    s4 = SlotFactory(mission=collect, ongoing=True)

    attended = Participation.Status.ATTENDED
    ParticipationFactory(slot=s1, volunteer=alice, status=attended, hours=Decimal("2.50"))
    ParticipationFactory(slot=s1, volunteer=bob, status=Participation.Status.CANCELLED)
    ongoing = ParticipationFactory(slot=s4, volunteer=dan)
    Participation.objects.filter(pk=ongoing.pk).update(created_at=paris_time(2025, 3, 15, 12))
    ParticipationFactory(slot=s2, volunteer=alice, status=attended, hours=Decimal("2.00"))
    deleted = ParticipationFactory(slot=s2, volunteer=gone, status=attended, hours=Decimal("1.50"))
    ParticipationFactory(slot=s3, volunteer=alice)
    ParticipationFactory(slot=s3, volunteer=chloe, status=attended, hours=Decimal("3.00"))
    recorded = ParticipationFactory(
        slot=s4, volunteer=chloe, status=attended, hours=Decimal("1.00")
    )
    Participation.objects.filter(pk=recorded.pk).update(
        created_at=paris_time(2024, 12, 1, 12), decided_at=paris_time(2025, 4, 10, 18)
    )
    # The volunteer deleted their account (GDPR): the participation stays, anonymised.
    Participation.objects.filter(pk=deleted.pk).update(volunteer=None, is_anonymised=True)
    gone.delete()
    return ExportWorld(alice=alice, bob=bob, chloe=chloe, dan=dan)


EXPECTED_CSV = {
    ExportJob.Kind.VOLUNTEERS: [
        ["Name", "E-mail", "Signed up on", "Participations", "Hours"],
        ["Chloé Bernard", "chloe@example.org", "2024-01-01", "1", "1.00"],
        ["Dan Petit", "dan@example.org", "2024-05-01", "1", "0"],
        ["Alice Martin", "alice@example.org", "2024-06-01", "2", "4.50"],
        ["'-Bob Leroy", "bob@example.org", "2025-03-05", "0", "0"],
    ],
    ExportJob.Kind.PARTICIPATIONS: [
        ["Mission", "Organization", "Starts", "Ends", "Status", "Volunteer", "E-mail", "Hours"],
        [
            "Distribution de repas",
            "Les Restos du Cœur",
            "2025-03-10 10:00",
            "2025-03-10 13:00",
            "Attended",
            "Alice Martin",
            "alice@example.org",
            "2.50",
        ],
        [
            "Distribution de repas",
            "Les Restos du Cœur",
            "2025-03-10 10:00",
            "2025-03-10 13:00",
            "Cancelled",
            "'-Bob Leroy",
            "bob@example.org",
            "",
        ],
        ["'+Collecte", "'=Evil Org", "", "", "Confirmed", "Dan Petit", "dan@example.org", ""],
        [
            "'+Collecte",
            "'=Evil Org",
            "2025-04-02 14:00",
            "2025-04-02 16:00",
            "Attended",
            "Alice Martin",
            "alice@example.org",
            "2.00",
        ],
        [
            "'+Collecte",
            "'=Evil Org",
            "2025-04-02 14:00",
            "2025-04-02 16:00",
            "Attended",
            "Deleted account",
            "",
            "1.50",
        ],
        [
            "'+Collecte",
            "'=Evil Org",
            "",
            "",
            "Attended",
            "Chloé Bernard",
            "chloe@example.org",
            "1.00",
        ],
    ],
    ExportJob.Kind.HOURS: [
        ["Month", "Organization", "Volunteer", "E-mail", "Participations attended", "Hours"],
        ["2025-03", "Les Restos du Cœur", "Alice Martin", "alice@example.org", "1", "2.50"],
        ["2025-04", "'=Evil Org", "Chloé Bernard", "chloe@example.org", "1", "1.00"],
        ["2025-04", "'=Evil Org", "Alice Martin", "alice@example.org", "1", "2.00"],
        ["2025-04", "'=Evil Org", "Deleted account", "", "1", "1.50"],
    ],
}


@pytest.fixture
def export_files_removed(paris, montreal, acme) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Delete the files the test's export jobs stored (the rows roll back, files would not)."""
    yield
    for tenant in (paris, montreal, acme):
        with tenant_context(tenant):
            for job in ExportJob.objects.exclude(file=""):
                job.file.storage.delete(job.file.name)
