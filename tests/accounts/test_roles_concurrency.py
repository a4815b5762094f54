"""Two admins change the set of admins at the same moment (accounts/roles.py).

Each thread has its own connection and transaction, so the data is committed from separate
threads and deleted afterwards (as in tests/engagement/participations/test_concurrency.py),
never through `transactional_db`, whose flush would destroy the session's tenants.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from accounts.errors import AccountsError, AccountsErrorCode
from accounts.models import User
from accounts.roles import user_role_change, user_suspend
from accounts.services import user_create
from billing.entitlements import entitlement_limit
from tenants.audit.models import AuditEvent
from tests.engagement.participations.test_concurrency import in_own_connection, run_at_once

pytestmark = pytest.mark.django_db

Role = User.Role


def _active_admins() -> list[int]:
    return sorted(User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True))


@pytest.fixture
def committed(paris) -> Iterator[dict[str, Any]]:
    """Paris with one admin place left (admins created up to the limit minus one) and two
    volunteers; provisioning's admin set aside. Committed, then deleted."""
    assert connection.settings_dict["NAME"].startswith("test_")

    def create() -> dict[str, Any]:
        provisioned = list(_active_admins())
        User.objects.filter(pk__in=provisioned).update(is_active=False)
        limit = entitlement_limit(paris, "max_tenant_admins")
        assert limit == 5
        admins = [
            user_create(email=f"race-admin{index}@example.org", role=Role.ADMIN)
            for index in range(limit - 1)
        ]
        volunteers = [user_create(email=f"race-volunteer{index}@example.org") for index in range(2)]
        return {
            "last_audit_id": AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
            or 0,
            "provisioned": provisioned,
            "admins": admins,
            "volunteers": volunteers,
        }

    data = in_own_connection(paris, create)

    def delete() -> None:
        User.objects.filter(
            pk__in=[user.pk for user in (*data["admins"], *data["volunteers"])]
        ).delete()
        User.objects.filter(pk__in=data["provisioned"]).update(is_active=True)
        AuditEvent.objects.filter(id__gt=data["last_audit_id"]).delete()

    try:
        yield data
    finally:
        in_own_connection(paris, delete)


def _english(call: Any) -> Any:
    def run() -> Any:
        with translation.override("en"):
            return call()

    return run


def test_two_promotions_for_the_last_admin_place_only_one_passes(committed, paris):
    first_admin, second_admin = committed["admins"][:2]
    calls = [
        _english(
            lambda actor=actor, volunteer=volunteer: user_role_change(
                user=volunteer, actor=actor, role=Role.ADMIN
            )
        )
        for actor, volunteer in zip(
            (first_admin, second_admin), committed["volunteers"], strict=True
        )
    ]

    results = run_at_once(paris, calls)

    refused = [result for result in results if isinstance(result, AccountsError)]
    assert len(refused) == 1, results
    assert refused[0].code == AccountsErrorCode.TENANT_ADMIN_LIMIT_REACHED
    assert len(in_own_connection(paris, _active_admins)) == 5


def test_the_last_two_admins_suspending_each_other_leave_one(committed, paris):
    # Down to two admins: the others are demoted first (one at a time).
    first, second, *others = committed["admins"]
    for other in others:
        in_own_connection(
            paris,
            lambda other=other: user_role_change(user=other, actor=first, role=Role.VOLUNTEER),
        )
    calls = [
        _english(lambda: user_suspend(user=second, actor=first)),
        _english(lambda: user_suspend(user=first, actor=second)),
    ]

    results = run_at_once(paris, calls)

    refused = [result for result in results if isinstance(result, AccountsError)]
    assert len(refused) == 1, results
    # The loser is no longer an admin once the locks let it through.
    assert refused[0].code == AccountsErrorCode.FORBIDDEN
    assert len(in_own_connection(paris, _active_admins)) == 1
