"""The signed approve/refuse links of a work-time request (tenants.signing kind
`work_time_decision`): tenant-bound, expiring (WORKTIME_DECISION_LINK_SECONDS, 14 days by
default), and only ever acting once, since a decided request is not decided again."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from engagement.links import page_url
from engagement.worktime.models import WorkTimeRequest
from tenants.models import Tenant
from tenants.signing import InvalidToken, tenant_dumps, tenant_loads

TOKEN_KIND = "work_time_decision"
DECISION_PATH = "/temps-benevole/decision/{token}/"
TEAM_PATH = "/temps-benevole/equipe/"
MY_WORK_TIME_PATH = "/temps-benevole/"


class Decision(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"


def work_time_decision_token(*, work_time_request: WorkTimeRequest, decision: Decision) -> str:
    return tenant_dumps(TOKEN_KIND, {"r": work_time_request.pk, "a": str(decision)})


def work_time_decision_url(
    tenant: Tenant, work_time_request: WorkTimeRequest, decision: Decision
) -> str:
    token = work_time_decision_token(work_time_request=work_time_request, decision=decision)
    return page_url(tenant, "work-time-decision", DECISION_PATH, token=token)


def work_time_decision_read(token: str) -> tuple[WorkTimeRequest, Decision]:
    """The request and decision a link names, participation and employee joined;
    InvalidToken (TokenExpired when too old) for a link that is not one of this tenant's or a
    request that no longer exists."""
    value: Any = tenant_loads(TOKEN_KIND, token)
    if not isinstance(value, dict):
        raise InvalidToken("Not a work-time decision.")
    request_id, action = value.get("r"), value.get("a")
    if not isinstance(request_id, int) or action not in {d.value for d in Decision}:
        raise InvalidToken("Not a work-time decision.")
    found = (
        WorkTimeRequest.objects.select_related(
            "participation__slot__mission__organization", "employee", "approver"
        )
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise InvalidToken("No such request.")
    return found, Decision(action)
