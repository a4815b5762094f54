"""Back-office exports in a real browser: a tenant admin signs in (password, then the second
factor), asks for an export, follows it to its page and downloads the file; axe finds no
violation at all (every impact) on the form (with and without its errors) and the job page, on
a computer and a phone. Tasks run eagerly in the test settings, so the file is ready when the
page loads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from engagement.backoffice.models import ExportJob
from tenants.legal.services import terms_accept_current
from tenants.models import Tenant
from tests.accounts.conftest import totp_code
from tests.browser.conftest import axe_violations, unique_email
from tests.engagement.factories import TenantAdminFactory

pytestmark = pytest.mark.browser

EVERY_IMPACT = ("minor", "moderate", "serious", "critical")

PASSWORD = "Un-mot-de-passe-2024"


@dataclass
class Exporter:
    tenant: Tenant
    admin: User
    secret: str


@pytest.fixture
def exporter(live_site) -> Iterator[Exporter]:  # type: ignore[no-untyped-def]
    """A tenant admin of Paris with a second factor; removed with their exports and files."""
    paris = Tenant.objects.get(slug="paris")
    with tenant_context(paris):
        admin = TenantAdminFactory(email=unique_email("exports"), password=PASSWORD)
        # As people who signed up with the form did (else their first page asks for it).
        terms_accept_current(user=admin)
        secret = generate_totp_secret()
        TOTP.activate(admin, secret)
    yield Exporter(tenant=paris, admin=admin, secret=secret)
    with tenant_context(paris):
        for job in ExportJob.objects.filter(requested_by=admin):
            job.file.delete(save=False)
        ExportJob.objects.filter(requested_by=admin).delete()
        User.objects.filter(pk=admin.pk).delete()


def sign_in(page, exporter: Exporter) -> None:  # type: ignore[no-untyped-def]
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    form = page.locator("form.login")
    form.locator("input[name=login]").fill(exporter.admin.email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(totp_code(exporter.secret))
    page.get_by_role("button", name="Connexion").click()


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_an_admin_exports_participations_and_downloads_the_file(
    pages, url, exporter, phone, tmp_path: Path
):
    page = pages.new(phone=phone, accept_downloads=True)
    page.goto(url("paris", "/gestion/exports/"))
    sign_in(page, exporter)
    expect(page.locator("h1")).to_have_text("Exports")
    assert axe_violations(page, impacts=EVERY_IMPACT) == []
    if phone:
        # Mobile first: nothing wider than the phone's screen.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    # Errors first: an end before the start, shown beside the field and in the summary.
    page.locator("#id_end").fill("2000-01-01")
    page.get_by_role("button", name="Préparer l’export").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("[data-error-summary] a[href='#id_end']")).to_have_count(1)
    assert axe_violations(page, impacts=EVERY_IMPACT) == []

    page.locator("#id_end").fill("2030-12-31")
    page.locator("#id_start").fill("2024-01-01")
    page.get_by_label("Participations", exact=True).check()
    page.get_by_role("button", name="Préparer l’export").click()

    expect(page).to_have_url(re.compile(r"/gestion/exports/\d+/$"))
    expect(page.locator("#export-status")).to_contain_text("Prêt à télécharger")
    assert axe_violations(page, impacts=EVERY_IMPACT) == []
    link = page.locator("#export-status a.button")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "participations_2024-01-01_2030-12-31.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith("\ufeffMission,Organisation,Début,Fin".encode())
    # The form sent back with its errors answers 400, on purpose.
    assert [error for error in pages.errors if "status of 400" not in error] == []
