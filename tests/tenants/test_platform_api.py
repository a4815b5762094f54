"""Platform API: /api/platform/v1/tenants/ on the public host, platform staff token only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists
from rest_framework.authtoken.models import Token

from accounts.models import User
from tenants import provisioning
from tenants.models import Domain, Tenant
from tenants.services import tenant_provision
from tests.tenants.platform import PUBLIC_HOST, URL, api_client, platform_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> User:
    return platform_user("ops@entraide.example", staff=True, superuser=True)


@pytest.fixture
def plain_user() -> User:
    return platform_user("someone@entraide.example", staff=False, superuser=False)


@pytest.fixture
def staff_not_superuser() -> User:
    return platform_user("support@entraide.example", staff=True, superuser=False)


def _tenant_body(slug: str) -> dict:
    tenant = Tenant.objects.get(slug=slug)
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "kind": tenant.kind,
        "status": "active",
        "schema_name": f"t_{slug}",
        "url": f"http://{slug}.entraide.test:8000",
        "default_language": tenant.default_language,
        "languages": tenant.languages,
        "timezone": tenant.timezone,
        "country": tenant.country,
        "billing_state": tenant.billing_state,
        "billing_plan": tenant.billing_plan,
        "suspended_at": None,
        "suspension_reason": "",
        "usage": None,
        # Provisioning's default: a company's instance is private, a city's is not.
        "is_private": tenant.kind == "company",
        "domains": [{"domain": f"{slug}.entraide.test", "is_primary": True, "is_verified": True}],
        "created_at": tenant.created_at.isoformat().replace("+00:00", "Z"),
    }


# --- permission matrix ------------------------------------------------------------------------


def test_anonymous_is_asked_to_authenticate(paris):
    response = api_client().get(URL)

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "fields": {},
    }
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("who", ["plain_user", "staff_not_superuser"])
def test_platform_users_other_than_staff_superusers_are_refused(request, who):
    user = request.getfixturevalue(who)

    for method, url, body in (
        ("get", URL, None),
        ("post", URL, {"kind": "city", "name": "Lyon", "slug": "lyon", "admin_email": "a@b.fr"}),
        ("get", f"{URL}paris/", None),
        ("post", f"{URL}paris/deprovision/", {"confirm_slug": "paris"}),
    ):
        response = getattr(api_client(user), method)(url, body, content_type="application/json")
        assert response.status_code == 403, (method, url)
        assert response.json()["code"] == "permission_denied"

    assert not Tenant.objects.filter(slug="lyon").exists()
    assert Tenant.objects.get(slug="paris").status == Tenant.Status.ACTIVE


def test_inactive_staff_token_is_refused(paris):
    user = platform_user("gone@entraide.example", staff=True, superuser=True, active=False)

    response = api_client(user).get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_session_is_not_enough_only_a_token(staff):
    client = Client(HTTP_HOST=PUBLIC_HOST, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)

    response = client.get(URL)

    assert response.status_code == 401


def test_a_tenant_superuser_token_means_nothing_on_the_platform(paris):
    connection.set_tenant(paris)
    tenant_admin = User.objects.create_user(
        email="boss@paris.example", is_staff=True, is_superuser=True
    )
    key = Token.objects.create(user=tenant_admin).key
    connection.set_schema_to_public()

    response = api_client(host=PUBLIC_HOST).get(URL, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_tenant_hosts_do_not_serve_the_platform_api(staff, paris, acme):
    for tenant in (paris, acme):
        client = api_client(staff, host=tenant.primary_host)
        assert client.get(URL).status_code == 404
        assert client.get(f"{URL}paris/").status_code == 404
        response = client.post(
            f"{URL}paris/deprovision/", {"confirm_slug": "paris"}, content_type="application/json"
        )
        assert response.status_code == 404
    assert Tenant.objects.get(slug="paris").status == Tenant.Status.ACTIVE


# --- list -------------------------------------------------------------------------------------


def test_list_is_paginated_with_domains(staff, paris, montreal, acme):
    response = api_client(staff).get(URL, {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["previous"] is None
    assert body["next"] == "http://entraide.test/api/platform/v1/tenants/?page=2&page_size=2"
    assert body["results"] == [_tenant_body("paris"), _tenant_body("montreal")]

    second = api_client(staff).get(URL, {"page_size": 2, "page": 2}).json()
    assert second["results"] == [_tenant_body("acme")]


def test_list_filters_by_kind_and_status(staff, paris, acme):
    companies = api_client(staff).get(URL, {"kind": "company"}).json()
    assert [tenant["slug"] for tenant in companies["results"]] == ["acme"]

    paris.status = Tenant.Status.DISABLED
    paris.save()
    disabled = api_client(staff).get(URL, {"status": "disabled"}).json()
    assert [tenant["slug"] for tenant in disabled["results"]] == ["paris"]

    bad = api_client(staff).get(URL, {"kind": "planet"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    assert list(bad.json()["fields"]) == ["kind"]


def test_list_costs_the_same_queries_whatever_the_number_of_tenants(
    staff, django_assert_num_queries
):
    client = api_client(staff)
    client.get(URL)  # the first request in a test also sets up the connection

    # search_path (once per request), token + user, count, page of tenants, their domains
    with django_assert_num_queries(5):
        assert client.get(URL).json()["count"] == 3

    for slug in ("lille", "brest"):
        tenant_provision(kind="city", name=slug.title(), slug=slug, admin_email=f"a@{slug}.fr")
    connection.set_schema_to_public()

    with django_assert_num_queries(5):
        assert client.get(URL).json()["count"] == 5


# --- create -----------------------------------------------------------------------------------


def test_staff_creates_a_tenant_through_provisioning(staff):
    response = api_client(staff).post(
        URL,
        {
            "kind": "company",
            "name": "Globex",
            "slug": "globex",
            "admin_email": "IT@Globex.example",
            "domains": ["benevolat.globex.example"],
            "default_language": "en",
            "languages": ["fr"],
            "timezone": "Europe/Berlin",
            "country": "de",
            "primary_color": "#123456",
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    tenant = Tenant.objects.get(slug="globex")
    assert (tenant.kind, tenant.name, tenant.timezone, tenant.country) == (
        "company",
        "Globex",
        "Europe/Berlin",
        "DE",
    )
    assert tenant.languages == ["en", "fr"]
    assert tenant.primary_color == "#123456"
    assert schema_exists("t_globex")
    assert body["tenant"]["slug"] == "globex"
    assert body["tenant"]["schema_name"] == "t_globex"
    assert body["admin_email"] == "it@globex.example"
    assert body["set_password_url"].startswith(
        "http://globex.entraide.test:8000/accounts/password/reset/key/"
    )
    assert body["tenant"]["domains"] == [
        {"domain": "globex.entraide.test", "is_primary": True, "is_verified": True},
        {"domain": "benevolat.globex.example", "is_primary": False, "is_verified": True},
    ]
    assert 0 < body["seconds"] < 30
    assert sorted(body) == ["admin_email", "seconds", "set_password_url", "tenant"]


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        ({"slug": "www"}, 400, "slug_reserved", "slug"),
        ({"slug": "Bad Slug"}, 400, "slug_invalid", "slug"),
        ({"slug": "paris"}, 409, "slug_taken", "slug"),
        ({"domains": ["paris.entraide.test"]}, 409, "domain_taken", "domains"),
        ({"domains": ["not a domain"]}, 400, "domain_invalid", "domains"),
        ({"admin_email": "not-an-email"}, 400, "email_invalid", "admin_email"),
        ({"timezone": "Mars/Olympus"}, 400, "invalid", "timezone"),
        ({"kind": "planet"}, 400, "invalid", "kind"),
        ({"primary_color": "blue"}, 400, "invalid", "primary_color"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(staff, paris, payload, status, code, field):
    tenants_before = Tenant.objects.count()
    domains_before = Domain.objects.count()
    body = {"kind": "city", "name": "Nice", "slug": "nice", "admin_email": "a@nice.example"}

    response = api_client(staff).post(URL, {**body, **payload}, content_type="application/json")

    assert response.status_code == status
    assert response.json()["code"] == code
    assert list(response.json()["fields"]) == [field]
    assert Tenant.objects.count() == tenants_before
    assert Domain.objects.count() == domains_before
    assert not schema_exists("t_nice")


def test_missing_fields_are_listed(staff):
    response = api_client(staff).post(URL, {}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert sorted(response.json()["fields"]) == ["admin_email", "kind", "name", "slug"]


def test_missing_template_is_a_503_and_never_a_slow_path(staff):
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{provisioning.template_schema_name()}" CASCADE')

    response = api_client(staff).post(
        URL,
        {"kind": "city", "name": "Nice", "slug": "nice", "admin_email": "a@nice.example"},
        content_type="application/json",
    )

    assert response.status_code == 503
    assert response.json()["code"] == "template_missing"
    assert not Tenant.objects.filter(slug="nice").exists()
    assert not schema_exists("t_nice")


# --- retrieve ---------------------------------------------------------------------------------


def test_retrieve_one_tenant(staff, montreal):
    response = api_client(staff).get(f"{URL}montreal/")

    assert response.status_code == 200
    assert response.json() == _tenant_body("montreal")


def test_retrieve_unknown_tenant_is_a_404(staff):
    response = api_client(staff).get(f"{URL}atlantis/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found", "fields": {}}


def test_other_methods_are_405(staff):
    response = api_client(staff).delete(URL)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
