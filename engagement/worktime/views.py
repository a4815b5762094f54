"""Pages of volunteering time.

- /temps-benevole/: the employee's balance for the current allowance year, their requests, the
  form to ask for work time for one of their participations, their declared hours and the form
  to declare more;
- /temps-benevole/equipe/: the requests a manager (or, for employees without a manager, a
  tenant admin) has to decide, each with approve / refuse (and an optional reason);
- /temps-benevole/decision/<token>/: the page behind the signed links of the manager's e-mail.
  A GET only shows the request and a button (mail scanners open links); the POST decides, once.
  The link works for the request's approver signed in on this tenant; to anyone else it is a
  403 page that says why, and nothing changes. A link of another tenant, forged or altered is a
  404 page; an expired one a 410 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import SignedInRequest
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.organization_pages import show_service_error
from engagement.worktime import services
from engagement.worktime.access import (
    work_time_request_get_for_approver,
    work_time_request_get_for_employee,
)
from engagement.worktime.forms import HoursDeclarationForm, ReasonForm, WorkTimeRequestForm
from engagement.worktime.links import Decision, work_time_decision_read
from engagement.worktime.models import WorkTimeRequest
from engagement.worktime.selectors import (
    approvers_of,
    effective_status,
    hours_declarations_of,
    is_approver,
    pending_requests_for_approver,
    requestable_participations,
    work_time_balance,
    work_time_requests_of,
)
from tenants.signing import InvalidToken, TokenExpired

REQUESTS_SHOWN = 50
DECLARATIONS_SHOWN = 50


def _page(
    request: SignedInRequest,
    *,
    request_form: WorkTimeRequestForm | None = None,
    declaration_form: HoursDeclarationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    participations = requestable_participations(employee=request.user)
    if request_form is None:
        chosen = request.GET.get("participation", "")
        request_form = WorkTimeRequestForm(
            participations=participations,
            initial={"participation": chosen} if chosen.isdigit() else None,
        )
    requests = list(work_time_requests_of(employee=request.user)[:REQUESTS_SHOWN])
    for work_time_request in requests:
        work_time_request.shown_status = effective_status(work_time_request)  # type: ignore[attr-defined]
    return render(
        request,
        "worktime/work_time.html",
        {
            "balance": work_time_balance(employee=request.user),
            "requests": requests,
            "participations": participations,
            "request_form": request_form,
            "declarations": list(
                hours_declarations_of(volunteer=request.user)[:DECLARATIONS_SHOWN]
            ),
            "declaration_form": declaration_form or HoursDeclarationForm(),
            "cancellable": (WorkTimeRequest.Status.REQUESTED, WorkTimeRequest.Status.APPROVED),
        },
        status=status,
    )


@login_required
@require_GET
def work_time(request: SignedInRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def work_time_request_new(request: SignedInRequest) -> HttpResponse:
    form = WorkTimeRequestForm(
        request.POST, participations=requestable_participations(employee=request.user)
    )
    if not form.is_valid():
        return _page(request, request_form=form, status=400)
    try:
        created = services.work_time_request_create(
            employee=request.user,
            participation=form.chosen_participation(),
            hours=form.cleaned_data["hours"],
        )
    except EngagementError as error:
        show_service_error(form, error)
        return _page(request, request_form=form, status=400)
    if created.status == WorkTimeRequest.Status.APPROVED:
        messages.success(request, _("Your work time is approved."))
    else:
        messages.success(request, _("Your request is sent to your manager."))
    return redirect("work-time")


@login_required
@require_POST
def work_time_request_withdraw(request: SignedInRequest, work_time_request_id: int) -> HttpResponse:
    found = work_time_request_get_for_employee(request_id=work_time_request_id, user=request.user)
    try:
        services.work_time_request_cancel(work_time_request=found, actor=request.user)
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your request is withdrawn: its hours are back."))
    return redirect("work-time")


@login_required
@require_POST
def hours_declaration_new(request: SignedInRequest) -> HttpResponse:
    form = HoursDeclarationForm(request.POST)
    if not form.is_valid():
        return _page(request, declaration_form=form, status=400)
    data = form.cleaned_data
    try:
        services.hours_declaration_create(
            volunteer=request.user,
            organization=data["organization"],
            organization_name=data["organization_name"],
            cause=data["cause"],
            description=data["description"],
            day=data["day"],
            hours=data["hours"],
        )
    except EngagementError as error:
        show_service_error(form, error)
        return _page(request, declaration_form=form, status=400)
    messages.success(request, _("Your hours are declared: they count once confirmed."))
    return redirect("work-time")


# --- The manager's side --------------------------------------------------------------------------


@login_required
@require_GET
def work_time_team(request: SignedInRequest) -> HttpResponse:
    pending = list(pending_requests_for_approver(approver=request.user))
    return render(request, "worktime/team.html", {"pending": pending, "reason_form": ReasonForm()})


def _refused(request: SignedInRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "worktime/refused.html", {"message": message}, status=status)


def _decide(
    request: SignedInRequest, found: WorkTimeRequest, *, approve: bool
) -> EngagementError | None:
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if not form.is_valid():
        return EngagementError(
            _("The reason is too long (at most 300 characters)."),
            code=EngagementErrorCode.TEXT_TOO_LONG,
        )
    try:
        services.work_time_request_decide(
            work_time_request=found, actor=request.user, approve=approve, reason=reason
        )
    except EngagementError as error:
        return error
    return None


def _team_decision(
    request: SignedInRequest, work_time_request_id: int, *, approve: bool
) -> HttpResponse:
    try:
        found = work_time_request_get_for_approver(
            request_id=work_time_request_id, user=request.user
        )
    except EngagementError as error:
        return _refused(request, str(error.detail), status=403)
    error = _decide(request, found, approve=approve)
    if error is not None:
        messages.error(request, error.detail)
    elif approve:
        messages.success(request, _("Approved: the employee is told."))
    else:
        messages.success(request, _("Refused: the employee is told."))
    return redirect("work-time-team")


@login_required
@require_POST
def work_time_team_approve(request: SignedInRequest, work_time_request_id: int) -> HttpResponse:
    return _team_decision(request, work_time_request_id, approve=True)


@login_required
@require_POST
def work_time_team_refuse(request: SignedInRequest, work_time_request_id: int) -> HttpResponse:
    return _team_decision(request, work_time_request_id, approve=False)


@login_required
@require_http_methods(["GET", "POST"])
def work_time_decision(request: SignedInRequest, token: str) -> HttpResponse:
    try:
        found, decision = work_time_decision_read(token)
    except TokenExpired:
        return render(request, "worktime/link_refused.html", {"expired": True}, status=410)
    except InvalidToken:
        return render(request, "worktime/link_refused.html", {"expired": False}, status=404)
    if found.employee_id == request.user.pk:
        return _refused(
            request, _("You cannot decide on your own request: your manager does."), status=403
        )
    if not is_approver(request.user, found):
        approvers = approvers_of(found)
        return _refused(
            request,
            _("Only the employee's manager can decide on this request.")
            if approvers
            else _("Nobody can decide on this request here."),
            status=403,
        )
    form = ReasonForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        error = _decide(request, found, approve=decision == Decision.APPROVE)
        if error is None:
            messages.success(
                request,
                _("Approved: the employee is told.")
                if decision == Decision.APPROVE
                else _("Refused: the employee is told."),
            )
            return redirect("work-time-decision", token=token)
        messages.error(request, error.detail)
        status = 409 if error.status_code == 409 else 400
        found.refresh_from_db()
    return render(
        request,
        "worktime/decision.html",
        {
            "work_time_request": found,
            "decision": str(decision),
            "shown_status": effective_status(found),
            "can_decide": effective_status(found) == WorkTimeRequest.Status.REQUESTED,
            "form": form,
        },
        status=status,
    )
