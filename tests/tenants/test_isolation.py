import pytest
from django.core.cache import cache
from django.db import connection

from accounts.models import User
from accounts.services import user_create
from engagement.taxonomy.models import Cause
from tenants.context import tenant_cache_key, tenant_context

pytestmark = pytest.mark.django_db


def test_rows_written_in_one_tenant_are_invisible_in_another(paris, montreal):
    with tenant_context(paris):
        Cause.objects.create(slug="paris-only", name_fr="Seulement Paris", name_en="Paris only")
        paris_count = Cause.objects.count()

    with tenant_context(montreal):
        assert not Cause.objects.filter(slug="paris-only").exists()
        assert Cause.objects.count() == paris_count - 1


def test_same_email_is_two_accounts_in_two_tenants(paris, acme):
    with tenant_context(paris):
        resident = user_create(email="camille@example.org", password="pw-123456789")
    with tenant_context(acme):
        employee = user_create(email="camille@example.org", password="other-987654321")
        assert User.objects.filter(email="camille@example.org").count() == 1
        assert User.objects.get(email="camille@example.org").check_password("other-987654321")
    with tenant_context(paris):
        assert User.objects.get(email="camille@example.org").check_password("pw-123456789")
    assert resident.pk is not None and employee.pk is not None


def test_a_paris_session_is_anonymous_on_montreal(client_for, paris, montreal):
    with tenant_context(paris):
        user = user_create(email="lea@paris.example", password="pw-123456789", email_verified=True)
    paris_client = client_for(paris)
    paris_client.post("/accounts/login/", {"login": user.email, "password": "pw-123456789"})
    session_cookie = paris_client.cookies["sessionid"].value

    assert paris_client.get("/accounts/email/").status_code == 200

    montreal_client = client_for(montreal)
    montreal_client.cookies["sessionid"] = session_cookie
    response = montreal_client.get("/accounts/email/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_paris_admin_cannot_reach_montreal_admin(client_for, paris, montreal):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    with tenant_context(paris):
        admin = User.objects.get(email="admin@paris.example")
        TOTP.activate(admin, generate_totp_secret())  # admins need a second factor
    paris_client = client_for(paris)
    with tenant_context(paris):
        paris_client.force_login(admin)
    assert paris_client.get("/admin/").status_code == 200

    montreal_client = client_for(montreal)
    montreal_client.cookies["sessionid"] = paris_client.cookies["sessionid"].value

    assert montreal_client.get("/admin/").status_code == 302


def test_cache_keys_differ_per_tenant(paris, montreal):
    with tenant_context(paris):
        cache.set("greeting", "bonjour", 30)
        paris_key = cache.make_key("greeting")
        assert tenant_cache_key("a", 1) == f"{paris.schema_name}:a:1"
    with tenant_context(montreal):
        assert cache.get("greeting") is None
        montreal_key = cache.make_key("greeting")

    assert paris_key != montreal_key
    assert paris.schema_name in paris_key
    assert montreal.schema_name in montreal_key
    with tenant_context(paris):
        cache.delete("greeting")


def test_log_records_carry_the_tenant(paris, caplog):
    import logging

    from tenants.context import TenantLogFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    with tenant_context(paris):
        TenantLogFilter().filter(record)

    assert record.schema_name == paris.schema_name
    assert connection.schema_name == "public"
