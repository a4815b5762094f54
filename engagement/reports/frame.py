"""The reporting frame of the CSR report: B4SI (Business for Societal Impact).

B4SI classifies a company's community contributions as *inputs* (cash, time, in-kind,
management costs), *outputs* (what the contributions achieve or bring: community organisations
supported, employees involved…) and *impacts*, and asks what issue and where each contribution
addresses. The volunteering figures here fill its time input and some of its outputs; each
figure carries the B4SI item it is aligned with. They are figures *aligned with* B4SI, not a
B4SI-assured report: the frame's own guidance, and an assurance where the company wants one,
decide how they are finally reported.

For the CSRD, the ESRS have no volunteering datapoint: ESRS S1 (own workforce) measures the
workforce itself, not its volunteering; under ESRS S3 (affected communities) a company may cite
these figures when it describes its actions and the resources given to them (S3-4), as
entity-specific information. The report says so, and cites nothing more precise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from engagement.reports.selectors import CsrReport

FRAME_NAME = "B4SI (Business for Societal Impact)"


@dataclass(frozen=True)
class Figure:
    """One figure of the report with the frame's item it is aligned with."""

    key: str
    label: str
    value: Decimal | int | None
    unit: str
    reference: str
    note: str = ""


def _hours(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def report_figures(report: CsrReport) -> list[Figure]:
    """The headline figures, in the order of the frame (inputs, then outputs)."""
    totals = report.totals
    inputs_time = _("B4SI — Inputs: Time")
    community_outputs = _("B4SI — Outputs: community outputs")
    business_outputs = _("B4SI — Outputs: business outputs (employees)")
    figures = [
        Figure(
            "time_hours",
            _("Volunteering time"),
            _hours(totals.hours),
            _("hours"),
            inputs_time,
            _("Attended participations, confirmed declarations and shared city missions."),
        ),
        Figure(
            "time_hours_platform",
            _("of which: missions joined on the platform"),
            _hours(totals.participation_hours),
            _("hours"),
            inputs_time,
        ),
        Figure(
            "time_hours_declared",
            _("of which: declared by employees and confirmed"),
            _hours(totals.declared_hours),
            _("hours"),
            inputs_time,
        ),
        Figure(
            "time_hours_shared",
            _("of which: missions shared by cities"),
            _hours(totals.shared_mission_hours),
            _("hours"),
            inputs_time,
        ),
        Figure(
            "time_hours_work_time",
            _("Paid working time approved for these participations"),
            _hours(totals.work_time_hours),
            _("hours"),
            inputs_time,
            _(
                "Approved work-time requests; a confirmed participation counts before the "
                "organization records its hours. The rest of the time is the employees' own."
            ),
        ),
        Figure(
            "time_value",
            _("Value of the volunteering time"),
            report.valued_hours,
            report.currency,
            inputs_time,
            (
                _("Hours × %(rate)s %(currency)s per hour (the rate chosen for this report).")
                % {"rate": report.hourly_rate, "currency": report.currency}
                if report.hourly_rate is not None
                else _("Not valued: give an hourly rate to value the time.")
            ),
        ),
        Figure(
            "organizations_supported",
            _("Community organisations supported"),
            totals.organizations,
            _("organisations"),
            community_outputs,
        ),
        Figure(
            "participations",
            _("Participations (volunteering occasions)"),
            totals.participations,
            _("participations"),
            community_outputs,
            _("Confirmed or attended participations; declarations are not counted here."),
        ),
        Figure(
            "volunteers",
            _("Employees who volunteered"),
            totals.volunteers,
            _("people"),
            business_outputs,
        ),
        Figure(
            "active_members",
            _("Active members"),
            totals.active_members,
            _("people"),
            business_outputs,
            _("Accounts active on the day the report is made."),
        ),
        Figure(
            "volunteering_share",
            _("Share of active members who volunteered"),
            totals.volunteering_share,
            "%",
            business_outputs,
        ),
        Figure(
            "average_hours",
            _("Average hours per volunteer"),
            totals.average_hours,
            _("hours"),
            business_outputs,
        ),
    ]
    return figures


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    reference: str


def report_breakdowns() -> Sequence[Breakdown]:
    """The breakdowns and the frame's item each one serves."""
    return (
        Breakdown("cause", _("By cause"), _("B4SI — issue addressed (by the tenant's causes)")),
        Breakdown(
            "sdg",
            _("By UN Sustainable Development Goal"),
            _("UN SDGs, through the goals each cause maps to"),
        ),
        Breakdown("site", _("By site"), _("B4SI — location (the employee's office site)")),
        Breakdown("team", _("By team"), _("Internal breakdown (no frame item)")),
        Breakdown("month", _("By month"), _("Internal breakdown (no frame item)")),
        Breakdown(
            "organization",
            _("By organisation supported"),
            _("B4SI — Outputs: community organisations supported"),
        ),
    )


def not_measured() -> Sequence[str]:
    """What the frame asks that these figures do not measure, said plainly in every output."""
    return (
        _("Cash and in-kind contributions (B4SI inputs): not tracked here."),
        _("Management costs of the programme (B4SI inputs): not tracked here."),
        _(
            "The cost of the time: B4SI values paid working time at its cost to the company; "
            "this report multiplies hours by one flat rate chosen by you, or does not value them."
        ),
        _(
            "Paid working time versus the employee's own time (B4SI treats the latter as "
            "leverage): told apart for the missions joined on the platform (approved work-time "
            "requests), not for declared hours nor missions shared by cities."
        ),
        _("The motivation of each contribution (charitable, community investment, commercial)."),
        _("Beneficiaries reached, and impacts on people, employees and the business."),
        _(
            "CSRD: ESRS S1 has no volunteering metric; under ESRS S3 these figures may support "
            "the description of actions and resources (S3-4) as entity-specific information."
        ),
    )
