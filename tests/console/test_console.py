"""The platform console (/console/ on the public host): staff only, past a TOTP second factor;
the tenants list, a tenant's page and its one-click actions, every action audited."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tenants.models import DeprovisionJob, Domain, PlatformAuditEntry, Tenant, TenantUsage
from tests.console.conftest import (
    PASSWORD,
    device_code,
    give_device,
    make_staff,
    public_client,
    verified_client,
)

pytestmark = pytest.mark.django_db


def _password_client(user: User) -> Client:
    client = public_client()
    response = client.post(
        "/console/login/?next=/console/", {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content[:300]
    return client


# --- who gets in ---------------------------------------------------------------------------------


CONSOLE_PAGES = ["/console/", "/console/tenant/paris/", "/console/archives/", "/console/audit/"]


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_anonymous_is_sent_to_the_password_sign_in(paris, path):
    response = public_client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize("path", CONSOLE_PAGES + ["/console/mfa/enrol/", "/console/mfa/verify/"])
def test_signed_in_non_staff_is_refused(paris, path):
    plain = User.objects.create_user(email="someone@entraide.test", password=PASSWORD)
    support = make_staff("support@entraide.test", superuser=False)
    for user in (plain, support):
        client = public_client()
        client.force_login(user)
        assert client.get(path).status_code == 403


def test_staff_without_a_device_must_enrol_before_anything(paris):
    staff = make_staff()
    client = _password_client(staff)

    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/mfa/enrol/")
    # Django admin's pages too: the second factor comes first.
    response = client.get("/console/tenants/tenant/")
    assert response.status_code == 302  # to the admin's sign-in, which sends it on
    assert client.get(response["Location"])["Location"].startswith("/console/mfa/enrol/")

    page = client.get("/console/mfa/enrol/?next=/console/")
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed

    wrong = client.post("/console/mfa/enrol/", {"otp_token": "000000", "next": "/console/"})
    assert wrong.status_code == 400
    assert client.get("/console/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # django-otp waits a second after a wrong code

    right = client.post(
        "/console/mfa/enrol/", {"otp_token": device_code(device), "next": "/console/"}
    )
    assert right.status_code == 302
    assert right["Location"] == "/console/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/console/").status_code == 200
    assert client.get("/console/tenants/tenant/").status_code == 200
    assert PlatformAuditEntry.objects.filter(action="staff.mfa_enrol", actor_id=staff.pk).exists()


def test_staff_with_a_device_passes_it_at_each_sign_in(paris):
    staff = make_staff()
    device = give_device(staff)
    client = _password_client(staff)

    response = client.get("/console/")
    assert response["Location"].startswith("/console/mfa/verify/")
    # The admin's own sign-in page sends a password-signed-in staff member there too.
    assert client.get("/console/login/")["Location"].startswith("/console/mfa/verify/")

    assert client.post("/console/mfa/verify/", {"otp_token": "12ab56"}).status_code == 400
    assert client.post("/console/mfa/verify/", {"otp_token": "000000"}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # django-otp waits a second after a wrong code
    code = device_code(device)
    response = client.post("/console/mfa/verify/", {"otp_token": code, "next": "/console/audit/"})
    assert (response.status_code, response["Location"]) == (302, "/console/audit/")
    assert client.get("/console/").status_code == 200

    # A code is good once: another session cannot replay it.
    other = _password_client(staff)
    assert other.post("/console/mfa/verify/", {"otp_token": code}).status_code == 400
    assert other.get("/console/").status_code == 302


def test_next_never_leaves_the_console_host(paris):
    staff = make_staff()
    device = give_device(staff)
    client = _password_client(staff)
    response = client.post(
        "/console/mfa/verify/",
        {"otp_token": device_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/console/"


def test_a_device_of_another_user_in_the_session_is_not_a_second_factor(paris):
    staff = make_staff()
    other = make_staff("other@entraide.test")
    client = verified_client(staff, give_device(other))
    assert client.get("/console/")["Location"].startswith("/console/mfa/")


@pytest.mark.parametrize(
    "path", CONSOLE_PAGES + ["/console/mfa/enrol/", "/console/tenant/paris/suspend/"]
)
def test_tenant_hosts_have_no_console(client_for, paris, montreal, path):
    staff = make_staff()
    give_device(staff)
    assert client_for(montreal).get(path).status_code == 404
    assert client_for(montreal).post(path, {"reason": "x"}).status_code in {403, 404}


# --- the list ------------------------------------------------------------------------------------


def _rows(count: int) -> None:
    connection.set_schema_to_public()
    for index in range(count):
        tenant = Tenant.objects.create(
            kind="company" if index % 2 else "city",
            name=f"Ville {index:02d}",
            slug=f"ville{index:02d}",
            schema_name=f"t_ville{index:02d}",
            billing_plan="city_essential" if index % 3 == 0 else "",
            is_private=bool(index % 2),
        )
        Domain.objects.create(
            domain=f"ville{index:02d}.entraide.test",
            tenant=tenant,
            is_primary=True,
            is_verified=True,
        )
        TenantUsage.objects.create(
            tenant=tenant, members=index, missions=2 * index, refreshed_at=timezone.now()
        )


@pytest.mark.parametrize("count", [3, 30])
def test_list_costs_the_same_queries_for_3_or_30_tenants(
    console, paris, count, django_assert_num_queries
):
    _rows(count)
    console.get("/console/")  # warm the session
    with django_assert_num_queries(7):
        response = console.get("/console/")
    assert response.status_code == 200
    assert response.content.count(b"data-slug=") >= count


def test_list_shows_status_plan_usage_and_filters(console, paris):
    _rows(6)
    page = console.get("/console/").content.decode()
    assert "Ville 03" in page and "city_essential" in page
    assert "ville03.entraide.test" in page

    def slugs(query: str) -> set[str]:
        content = console.get(f"/console/?{query}").content.decode()
        return {part.split('"')[0] for part in content.split('data-slug="')[1:]}

    assert slugs("q=ville04") == {"ville04"}
    assert slugs("q=ville05.entraide") == {"ville05"}  # by domain
    assert slugs("kind=company&q=ville") == {"ville01", "ville03", "ville05"}
    assert slugs("private=no&q=ville") == {"ville00", "ville02", "ville04"}
    assert slugs("plan=city_essential&q=ville") == {"ville00", "ville03"}
    Tenant.objects.filter(slug="ville02").update(status="suspended")
    assert slugs("status=suspended") == {"ville02"}
    # A value that is not a choice: the form says so, the list is unfiltered, never a 500.
    assert console.get("/console/?kind=planet").status_code == 200


def test_list_is_paginated(console, paris):
    _rows(55)
    first = console.get("/console/?q=ville").content.decode()
    second = console.get("/console/?q=ville&page=2").content.decode()
    assert first.count("data-slug=") == 50
    assert second.count("data-slug=") == 5
    assert "page=2" in first


# --- actions -------------------------------------------------------------------------------------


def test_suspend_and_reactivate_from_the_tenant_page(console, staff, paris, client_for):
    assert console.get("/console/tenant/paris/").status_code == 200

    response = console.post("/console/tenant/paris/suspend/", {"reason": "Unpaid invoices"})
    assert response.status_code == 302
    paris.refresh_from_db()
    assert paris.status == Tenant.Status.SUSPENDED
    assert paris.suspension_reason == "Unpaid invoices"
    assert client_for(paris).get("/").status_code == 503
    entry = PlatformAuditEntry.objects.get(action="tenant.suspend")
    assert (entry.actor_id, entry.tenant_slug, entry.source) == (staff.pk, "paris", "console")
    assert entry.details == {"reason": "Unpaid invoices"}

    assert console.post("/console/tenant/paris/reactivate/").status_code == 302
    paris.refresh_from_db()
    assert paris.status == Tenant.Status.ACTIVE
    assert client_for(paris).get("/").status_code == 200
    assert (
        PlatformAuditEntry.objects.filter(action="tenant.reactivate", source="console").count() == 1
    )


def test_suspend_needs_a_reason(console, paris):
    response = console.post("/console/tenant/paris/suspend/", {"reason": ""})
    assert response.status_code == 400
    paris.refresh_from_db()
    assert paris.status == Tenant.Status.ACTIVE
    assert not PlatformAuditEntry.objects.exists()


def test_unknown_tenant_is_a_404(console):
    assert console.get("/console/tenant/nowhere/").status_code == 404
    assert console.post("/console/tenant/nowhere/suspend/", {"reason": "x"}).status_code == 404
    assert console.post("/console/tenant/nowhere/reactivate/").status_code == 404
    assert console.get("/console/tenant/nowhere/archive/").status_code == 404
    assert console.get("/console/jobs/archive/999999/").status_code == 404
    assert console.get("/console/jobs/restore/999999/").status_code == 404
    assert console.get("/console/archives/999999/restore/").status_code == 404


def test_actions_need_post_and_csrf(staff, paris):
    client = verified_client(staff)
    client.handler.enforce_csrf_checks = True
    assert client.get("/console/tenant/paris/suspend/").status_code == 405
    assert client.post("/console/tenant/paris/suspend/", {"reason": "x"}).status_code == 403
    assert (
        client.post("/console/tenant/paris/archive/", {"confirm_slug": "paris"}).status_code == 403
    )
    paris.refresh_from_db()
    assert paris.status == Tenant.Status.ACTIVE
    assert not DeprovisionJob.objects.exists()

    page = client.get("/console/tenant/paris/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/console/tenant/paris/suspend/", {"reason": "Abuse", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_archive_asks_for_the_slug_then_queues_the_job(console, staff, paris):
    page = console.get("/console/tenant/paris/archive/")
    assert page.status_code == 200
    wrong = console.post("/console/tenant/paris/archive/", {"confirm_slug": "montreal"})
    assert wrong.status_code == 400
    assert not DeprovisionJob.objects.exists()

    response = console.post("/console/tenant/paris/archive/", {"confirm_slug": "paris"})
    job = DeprovisionJob.objects.get(tenant_slug="paris")
    assert response["Location"] == f"/console/jobs/archive/{job.pk}/"
    job_page = console.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in job_page  # polls while queued or running
    entry = PlatformAuditEntry.objects.get(action="tenant.archive")
    assert (entry.actor_id, entry.details["job_id"], entry.source) == (staff.pk, job.pk, "console")


def test_restore_form_refuses_a_taken_or_invalid_slug(console, paris, tmp_path):
    archive = DeprovisionJob.objects.create(
        tenant_slug="paris",
        status=DeprovisionJob.Status.SUCCEEDED,
        export_path=str(tmp_path / "paris.dump"),
        finished_at=timezone.now(),
    )
    listing = console.get("/console/archives/").content.decode()
    assert f"/console/archives/{archive.pk}/restore/" in listing
    assert console.get(f"/console/archives/{archive.pk}/restore/").status_code == 200
    for slug, message in [("paris", "already taken"), ("www", "reserved"), ("A b", "Invalid")]:
        response = console.post(f"/console/archives/{archive.pk}/restore/", {"target_slug": slug})
        assert response.status_code == 400
        assert message in response.content.decode()
    # A free slug, but the dump is missing: refused at once, nothing queued.
    response = console.post(f"/console/archives/{archive.pk}/restore/", {"target_slug": "lyon"})
    assert response.status_code == 400
    assert "missing" in response.content.decode()
    assert not PlatformAuditEntry.objects.filter(action="tenant.restore").exists()


def test_usage_refresh_and_audit_pages(console, paris):
    response = console.post("/console/tenant/paris/usage/")
    assert response.status_code == 302
    usage = TenantUsage.objects.get(tenant=paris)
    assert usage.schema_bytes > 0
    audit = console.get("/console/audit/?tenant=paris").content.decode()
    assert "usage.refresh" in audit and "ops@entraide.test" in audit
