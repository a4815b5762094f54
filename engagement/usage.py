"""What engagement tells the platform console about a tenant's usage (tenants/usage.py): its
members, missions, participations and the last thing that happened. Runs inside the tenant's
schema; three queries."""

from __future__ import annotations

from django.db.models import Count, Max

from accounts.models import User
from engagement.missions.models import Mission
from engagement.participations.models import Participation
from tenants.usage import UsageCounts


def engagement_usage(counts: UsageCounts) -> None:
    members = User.objects.filter(is_active=True).aggregate(
        n=Count("pk"), last=Max("last_login"), joined=Max("date_joined")
    )
    counts.members += members["n"]
    counts.saw_activity(members["last"])
    counts.saw_activity(members["joined"])
    missions = Mission.objects.aggregate(n=Count("pk"), last=Max("created_at"))
    counts.missions += missions["n"]
    counts.saw_activity(missions["last"])
    participations = Participation.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    counts.participations += participations["n"]
    counts.saw_activity(participations["last"])
