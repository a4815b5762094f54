"""Reads of the directory: the people and teams SCIM serves (their related rows loaded, so that a
page of any size costs the same queries), and the token the back office shows."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from engagement.directory.models import DirectoryIdentity, DirectoryToken
from engagement.programmes.models import Team, TeamMembership


def directory_identities() -> QuerySet[DirectoryIdentity]:
    """Every person the directory provisioned, with their account, profile and directory teams."""
    return (
        DirectoryIdentity.objects.select_related("user", "user__employee_profile")
        .prefetch_related(
            Prefetch(
                "user__team_memberships",
                queryset=TeamMembership.objects.filter(team__source=Team.Source.DIRECTORY)
                .select_related("team")
                .order_by("team__name", "team_id"),
                to_attr="directory_memberships",
            )
        )
        .order_by("created_at", "pk")
    )


def directory_teams() -> QuerySet[Team]:
    """Every team that came from the directory, with its members' directory identities."""
    return (
        Team.objects.filter(source=Team.Source.DIRECTORY)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=TeamMembership.objects.filter(user__directory_identity__isnull=False)
                .select_related("user__directory_identity")
                .order_by("created_at", "pk"),
                to_attr="directory_memberships",
            )
        )
        .order_by("created_at", "pk")
    )


def directory_token_working() -> DirectoryToken | None:
    return (
        DirectoryToken.objects.select_related("created_by").filter(revoked_at__isnull=True).first()
    )


def directory_token_history(*, limit: int = 10) -> list[DirectoryToken]:
    return list(
        DirectoryToken.objects.select_related("created_by", "revoked_by").filter(
            ~Q(revoked_at__isnull=True)
        )[:limit]
    )


def directory_counts() -> dict[str, int]:
    return {
        "people": DirectoryIdentity.objects.count(),
        "active_people": DirectoryIdentity.objects.filter(user__is_active=True).count(),
        "teams": Team.objects.filter(source=Team.Source.DIRECTORY).count(),
    }
