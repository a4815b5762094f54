"""Certificates of volunteering: issue (confirmed hours only), the PDF with its QR code, the
public verification page, revocation, and other tenants."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from engagement.errors import EngagementError
from engagement.reports.models import Certificate
from engagement.reports.services import certificate_issue, certificate_revoke
from engagement.volunteers.privacy import user_delete_account, user_export_data
from tenants.audit.models import AuditEvent
from tenants.context import tenant_context
from tests.accounts.conftest import login
from tests.engagement.reports.conftest import YEAR, ReportWorld, build_report_world
from tests.engagement.reports.test_views import document_text, rendered_documents  # noqa: F401

pytestmark = pytest.mark.django_db

PAGE = "/profil/certificat/"


def signed_in(tenant: Any, client_for: Callable[..., Client], user: User) -> Client:
    client = client_for(tenant)
    assert login(client, user.email, "password").status_code == 302
    return client


@pytest.fixture
def acme_world(acme: Any) -> ReportWorld:
    with tenant_context(acme):
        return build_report_world()


def test_issue_freezes_the_confirmed_hours(report_world: ReportWorld) -> None:
    certificate = certificate_issue(volunteer=report_world.alice, year=YEAR)
    # S1 (3 h) and the confirmed declaration (1.5 h); not S5, attended in the next year.
    assert certificate.hours == Decimal("4.5")
    assert certificate.holder_name == "Alice Martin"
    assert (certificate.period_starts_on, certificate.period_ends_on) == (
        date(YEAR, 1, 1),
        date(YEAR, 12, 31),
    )
    assert [(a["day"], a["organization"], a["hours"]) for a in certificate.activities] == [
        (f"{YEAR}-03-10", "Alpha Restos", "3.00"),
        (f"{YEAR}-09-01", "Beta Green", "1.50"),
    ]
    assert AuditEvent.objects.filter(action="certificate.issued").count() == 1
    all_time = certificate_issue(volunteer=report_world.alice, year=None)
    assert all_time.hours == Decimal("6.5")
    assert all_time.period_starts_on is None


@pytest.mark.usefixtures("english_messages")
def test_pending_hours_certify_nothing(report_world: ReportWorld) -> None:
    """Carol has a confirmed participation (no hours yet) and a pending declaration."""
    with pytest.raises(EngagementError) as refused:
        certificate_issue(volunteer=report_world.carol, year=YEAR)
    assert "no confirmed hours" in str(refused.value.detail)
    assert Certificate.objects.count() == 0
    assert not AuditEvent.objects.filter(action="certificate.issued").exists()


def test_a_future_year_is_refused(report_world: ReportWorld) -> None:
    with pytest.raises(EngagementError):
        certificate_issue(volunteer=report_world.alice, year=timezone.localdate().year + 1)
    assert Certificate.objects.count() == 0


def test_page_refuses_unconfirmed_hours_with_a_message(
    acme: Any, acme_world: ReportWorld, client_for: Callable[..., Client]
) -> None:
    client = signed_in(acme, client_for, acme_world.carol)
    assert client.get(PAGE).status_code == 200
    response = client.post(PAGE, {"year": str(YEAR)})
    assert response.status_code == 400
    assert b"data-refused" in response.content
    response = client.post(PAGE, {"year": "not-a-year"})
    assert response.status_code == 400
    with tenant_context(acme):
        assert Certificate.objects.count() == 0


def test_download_then_verify_then_revoke(
    acme: Any,
    acme_world: ReportWorld,
    client_for: Callable[..., Client],
    rendered_documents: list[Any],  # noqa: F811
) -> None:
    client = signed_in(acme, client_for, acme_world.bob)
    response = client.post(PAGE, {"year": str(YEAR)})
    assert response.status_code == 302
    with tenant_context(acme):
        certificate = Certificate.objects.get()
    assert response["Location"] == f"/profil/certificat/{certificate.pk}/pdf/"
    started = time.perf_counter()
    response = client.get(response["Location"])
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = document_text(rendered_documents[0])
    assert "Bob Durand" in text
    assert "Alpha Restos" in text and "Beta Green" in text
    assert "7,5" in text or "7.5" in text
    assert f"/certificats/{certificate.token}/" in text.replace(" ", "")
    print(f"certificate PDF: {elapsed * 1000:.0f} ms")

    # The public page, signed out: what the certificate states, nothing more.
    page = client_for(acme).get(f"/certificats/{certificate.token}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Bob Durand" in content
    assert re.search(r"data-hours>7[.,]50<", content), content[
        content.find("data-hours") - 20 : content.find("data-hours") + 40
    ]
    assert "Alpha Restos" not in content
    assert page["X-Robots-Tag"] == "noindex, nofollow"

    # Revoked by its holder: the page says so and nothing else.
    response = client.post(f"/profil/certificat/{certificate.pk}/revoquer/")
    assert response.status_code == 302
    page = client_for(acme).get(f"/certificats/{certificate.token}/")
    assert page.status_code == 200
    assert b"data-revoked" in page.content
    assert b"Bob Durand" not in page.content
    assert b"7,5" not in page.content and b"7.5" not in page.content
    # No more download of a revoked certificate.
    assert client.get(f"/profil/certificat/{certificate.pk}/pdf/").status_code == 302


def test_certificate_is_nobody_elsewhere(
    acme: Any, paris: Any, acme_world: ReportWorld, client_for: Callable[..., Client]
) -> None:
    with tenant_context(acme):
        certificate = certificate_issue(volunteer=acme_world.bob, year=YEAR)
    response = client_for(paris).get(f"/certificats/{certificate.token}/")
    assert response.status_code == 404
    assert b"Bob Durand" not in response.content
    assert client_for(acme).get("/certificats/not-a-token/").status_code == 404


def test_only_the_holder_or_an_admin_revokes(
    acme: Any,
    acme_world: ReportWorld,
    client_for: Callable[..., Client],
    backoffice_admin: Callable[..., Client],
) -> None:
    with tenant_context(acme):
        certificate = certificate_issue(volunteer=acme_world.bob, year=YEAR)
    alice = signed_in(acme, client_for, acme_world.alice)
    assert alice.post(f"/profil/certificat/{certificate.pk}/revoquer/").status_code == 404
    assert alice.get(f"/profil/certificat/{certificate.pk}/pdf/").status_code == 404
    with tenant_context(acme):
        assert Certificate.objects.get().revoked_at is None
        with pytest.raises(EngagementError):
            certificate_revoke(certificate=certificate, actor=acme_world.alice)

    admin = backoffice_admin(acme)
    response = admin.post(f"/gestion/rapports/certificats/{certificate.pk}/revoquer/")
    assert response.status_code == 302
    with tenant_context(acme):
        revoked = Certificate.objects.get()
        assert revoked.revoked_by == admin.user  # type: ignore[attr-defined]
        with pytest.raises(EngagementError):
            certificate_revoke(certificate=revoked, actor=acme_world.bob)
    assert admin.post("/gestion/rapports/certificats/987654/revoquer/").status_code == 404


def test_deleting_the_account_deletes_its_certificates(
    acme: Any, acme_world: ReportWorld, client_for: Callable[..., Client]
) -> None:
    with tenant_context(acme):
        certificate = certificate_issue(volunteer=acme_world.bob, year=YEAR)
        exported = user_export_data(user=acme_world.bob)["certificates"]
        assert [(item["hours"], item["period_starts_on"]) for item in exported] == [
            ("7.50", f"{YEAR}-01-01")
        ]
        user_delete_account(user=acme_world.bob, actor=acme_world.bob)
        assert not Certificate.objects.exists()
    assert client_for(acme).get(f"/certificats/{certificate.token}/").status_code == 404
