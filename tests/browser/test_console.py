"""The platform console in Chromium: a staff member signs in with a password and enrols a TOTP
device, suspends a throwaway tenant (its host shows the suspended page), reactivates it, archives
it (the job page to 100 %), restores it under a new address and opens the restored instance.

Tasks run eagerly here: the archive and the restore run when their request commits, so each job
page already shows its end; the polling is covered by the job page's own test."""

from __future__ import annotations

import base64
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django_otp.oath import totp

from accounts.models import User
from tenants.models import DeprovisionJob, PlatformAuditEntry, RestoreJob, Tenant
from tenants.provisioning import schema_drop
from tenants.services import tenant_provision

pytestmark = pytest.mark.browser

SLUG = f"brest{os.getpid() % 10000}"
RESTORED = f"{SLUG}-bis"
STAFF = f"ops{os.getpid()}@platform.example"
PASSWORD = "console-pass-Word-9"


def _cleanup() -> None:
    from django.db import connection

    connection.set_schema_to_public()
    for slug in (SLUG, RESTORED):
        Tenant.objects.filter(slug=slug).delete()
        schema_drop(Tenant.schema_name_for(slug))
        shutil.rmtree(Path(settings.MEDIA_ROOT) / Tenant.schema_name_for(slug), ignore_errors=True)
    RestoreJob.objects.filter(target_slug__in=[SLUG, RESTORED]).delete()
    DeprovisionJob.objects.filter(tenant_slug=SLUG).delete()
    PlatformAuditEntry.objects.filter(actor_email=STAFF).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM otp_totp_totpdevice WHERE user_id IN "
            "(SELECT id FROM accounts_user WHERE email = %s)",
            [STAFF],
        )
        cursor.execute("DELETE FROM accounts_user WHERE email = %s", [STAFF])


@pytest.fixture
def throwaway(live_site, tmp_path: Path) -> Iterator[Tenant]:
    _cleanup()
    with override_settings(TENANT_EXPORT_DIR=str(tmp_path)):
        tenant = tenant_provision(
            kind="city", name="Brest", slug=SLUG, admin_email=f"admin@{SLUG}.example"
        ).tenant
        User.objects.create_user(email=STAFF, password=PASSWORD, is_staff=True, is_superuser=True)
        yield tenant
    _cleanup()


def _code(secret: str) -> str:
    remaining = 30 - time.time() % 30
    if remaining < 2:
        time.sleep(remaining + 0.05)
    return f"{totp(base64.b32decode(secret), step=30, t0=0, digits=6):06d}"


def test_staff_suspends_archives_and_restores_a_tenant(pages, url, throwaway):
    started = time.monotonic()
    page = pages.new()

    # Password, then a device to enrol: the console is out of reach until the code is given.
    page.goto(url(None, "/console/"))
    page.wait_for_url("**/console/login/**")
    page.locator("input[name=username]").fill(STAFF)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url("**/console/mfa/enrol/**")
    assert page.locator("figure.qr svg").count() == 1
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.locator("input[name=otp_token]").fill(_code(secret))
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(url(None, "/console/"))

    # Find the tenant, suspend it with a reason.
    page.locator("input[name=q]").fill(SLUG)
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name="Brest").click()
    page.wait_for_url(url(None, f"/console/tenant/{SLUG}/"))
    page.locator("textarea[name=reason], input[name=reason]").fill("Factures impayées")
    page.get_by_role("button", name="Suspendre").click()
    assert "Suspendu" in page.get_by_test_id("status").inner_text()

    visitor = pages.new()
    response = visitor.goto(url(SLUG, "/"))
    assert response is not None and response.status == 503
    assert visitor.get_by_role("heading", name="Cette instance est suspendue").is_visible()

    page.get_by_role("button", name="Réactiver").click()
    assert "Actif" in page.get_by_test_id("status").inner_text()
    response = visitor.goto(url(SLUG, "/"))
    assert response is not None and response.status == 200

    # Archive: a confirmation step, then the job page at 100 %.
    page.get_by_role("link", name="Archiver (exporter, puis supprimer)…").click()
    page.locator("input[name=confirm_slug]").fill(SLUG)
    page.get_by_role("button", name="Archiver maintenant").click()
    page.wait_for_url("**/console/jobs/archive/**")
    page.locator("[data-testid=job-status][data-status=succeeded]").wait_for()
    assert page.get_by_test_id("percent").inner_text() == "100%"
    response = visitor.goto(url(SLUG, "/"))
    assert response is not None and response.status == 404

    # Restore it under a new address and open it.
    page.get_by_role("link", name="Restaurer cette archive…").click()
    page.locator("input[name=target_slug]").fill(RESTORED)
    page.get_by_role("button", name="Restaurer").click()
    page.wait_for_url("**/console/jobs/restore/**")
    page.locator("[data-testid=job-status][data-status=succeeded]").wait_for()
    page.get_by_role("link", name="Ouvrir l’instance restaurée").click()
    page.wait_for_url(url(None, f"/console/tenant/{RESTORED}/"))
    response = visitor.goto(url(RESTORED, "/"))
    assert response is not None and response.status == 200
    assert "Brest" in visitor.title()

    actions = set(
        PlatformAuditEntry.objects.filter(actor_email=STAFF).values_list("action", flat=True)
    )
    assert {
        "staff.mfa_enrol",
        "tenant.suspend",
        "tenant.reactivate",
        "tenant.archive",
        "tenant.restore",
    } <= actions
    assert time.monotonic() - started < 60
