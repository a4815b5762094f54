"""Reads of the back office's people pages: finding people, a person with their participations
and organizations, and the organizations with their admins.

Counts are correlated subqueries, so they are computed for the rows of the page only and a page
costs the same number of queries however many people, participations or members there are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from allauth.account.models import EmailAddress
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.permissions import get_or_404, id_or_404
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.participations.models import Participation

if TYPE_CHECKING:
    # django-stubs-ext is a development dependency (types only).
    from django_stubs_ext import WithAnnotations

# A search of more words than this keeps the first ones (each word is one more condition).
MAX_SEARCH_TERMS = 5


class PersonFacts(TypedDict):
    participation_count: int
    email_verified: bool


class OrganizationFacts(TypedDict):
    admin_count: int
    member_count: int


class PersonStatus:
    ACTIVE = "active"
    SUSPENDED = "suspended"
    INVITED = "invited"


def _count_of(queryset: QuerySet[Participation] | QuerySet[OrganizationMembership]) -> Coalesce:
    """COUNT(*) of a queryset filtered on an OuterRef, as a correlated subquery (a plain COUNT
    function rather than an aggregate, so Django adds no GROUP BY: one row, one number)."""
    counted = queryset.order_by().annotate(
        total=Func(F("pk"), function="COUNT", output_field=IntegerField())
    )
    return Coalesce(Subquery(counted.values("total")), 0)


def _with_person_facts(users: QuerySet[User]) -> QuerySet[WithAnnotations[User, PersonFacts]]:
    return users.annotate(
        participation_count=_count_of(Participation.objects.filter(volunteer_id=OuterRef("pk"))),
        email_verified=Exists(
            EmailAddress.objects.filter(
                user_id=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
            )
        ),
    )


def people_search(
    *, q: str = "", role: str = "", status: str = ""
) -> QuerySet[WithAnnotations[User, PersonFacts]]:
    """People whose name or e-mail contain every word of `q`, of `role` and `status` when
    given, newest first; each with `participation_count` and `email_verified`."""
    users = User.objects.all()
    for term in q.split()[:MAX_SEARCH_TERMS]:
        users = users.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    if role:
        users = users.filter(role=role)
    if status == PersonStatus.ACTIVE:
        users = users.filter(is_active=True)
    elif status == PersonStatus.SUSPENDED:
        users = users.filter(is_active=False)
    elif status == PersonStatus.INVITED:
        # Never signed in, no password yet (Django marks an unusable password with "!").
        users = users.filter(last_login__isnull=True, password__startswith="!")
    return _with_person_facts(users).order_by("-date_joined", "-pk")


def person_get(*, user_id: int | str) -> WithAnnotations[User, PersonFacts]:
    """A person of this tenant with the facts of their page, or a 404 (another tenant's id is
    simply not in this schema)."""
    return get_or_404(_with_person_facts(User.objects.all()), id_or_404(user_id))


def person_participations(*, user: User) -> QuerySet[Participation]:
    """The person's participations with slot, mission and organization, latest slot first
    (ongoing slots, without dates, first)."""
    return (
        Participation.objects.filter(volunteer=user)
        .select_related("slot__mission__organization")
        .defer(
            "slot__mission__search_vector",
            "slot__mission__description",
            "slot__mission__organization__description",
        )
        .order_by(F("slot__starts_at").desc(nulls_first=True), "-pk")
    )


def person_memberships(*, user: User) -> QuerySet[OrganizationMembership]:
    """The organizations the person belongs to, with their role, by organization name."""
    return (
        OrganizationMembership.objects.filter(user=user)
        .select_related("organization")
        .defer("organization__description")
        .order_by("organization__name", "pk")
    )


def organization_search(
    *, q: str = ""
) -> QuerySet[WithAnnotations[Organization, OrganizationFacts]]:
    """Organizations whose name contains every word of `q`, by name, each with `admin_count`
    and `member_count`."""
    organizations = Organization.objects.defer("description")
    for term in q.split()[:MAX_SEARCH_TERMS]:
        organizations = organizations.filter(name__icontains=term)
    return organizations.annotate(
        admin_count=_count_of(
            OrganizationMembership.objects.filter(
                organization_id=OuterRef("pk"), role=OrganizationMembership.Role.ADMIN
            )
        ),
        member_count=_count_of(
            OrganizationMembership.objects.filter(organization_id=OuterRef("pk"))
        ),
    ).order_by("name", "pk")


def organization_memberships(*, organization: Organization) -> QuerySet[OrganizationMembership]:
    """The organization's members with their users: admins first, then by name."""
    return (
        OrganizationMembership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name", "user__email")
    )
