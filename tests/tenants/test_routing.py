import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Domain, Tenant
from tenants.routing import NOWHERE, PUBLIC, normalize_host, resolve_host
from tests.tenants.routing_trace import routing_counts, routing_trace

pytestmark = pytest.mark.django_db


def test_public_host_serves_the_product_site(client_for):
    response = client_for(None).get("/")

    assert response.status_code == 200
    assert b"Entraide" in response.content
    assert b"Paris" in response.content  # lists the instances


def test_tenant_host_serves_its_own_name_and_colours(client_for, paris, montreal):
    paris_page = client_for(paris).get("/")
    montreal_page = client_for(montreal).get("/")

    assert paris_page.status_code == 200
    assert b"<h1>Paris</h1>" in paris_page.content
    assert b"--brand-primary:#0d2a5c" in paris_page.content
    assert "<h1>Montréal</h1>".encode() in montreal_page.content
    assert b"--brand-primary:#b5121b" in montreal_page.content
    assert b"#0d2a5c" not in montreal_page.content


def test_tenant_home_uses_tenant_language(client_for, paris, acme):
    assert client_for(paris).get("/")["Content-Language"] == "fr"
    assert client_for(acme).get("/")["Content-Language"] == "en"


def test_unknown_host_is_a_404_page_not_the_public_site(client_for):
    from django.test import Client

    response = Client(HTTP_HOST="nowhere.entraide.test").get("/")

    assert response.status_code == 404
    assert b"nowhere.entraide.test" in response.content
    assert b"Our instances" not in response.content


def test_unverified_custom_domain_is_a_404(paris):
    from django.test import Client

    Domain.objects.create(domain="jemengage.paris.example", tenant=paris, is_primary=False)

    response = Client(HTTP_HOST="jemengage.paris.example").get("/")

    assert response.status_code == 404


def test_verified_custom_domain_serves_the_tenant(paris):
    from django.test import Client

    Domain.objects.create(
        domain="jemengage.paris.example", tenant=paris, is_primary=False, is_verified=True
    )

    response = Client(HTTP_HOST="jemengage.paris.example:443").get("/")

    assert response.status_code == 200
    assert b"<h1>Paris</h1>" in response.content


def test_disabled_tenant_answers_404_at_once(client_for, paris):
    assert client_for(paris).get("/").status_code == 200  # warms the routing cache

    paris.status = Tenant.Status.DISABLED
    paris.save()

    assert client_for(paris).get("/").status_code == 404


def test_health_probes_answer_on_any_host():
    from django.test import Client

    for host in ("nowhere.example", settings.BASE_DOMAIN, "paris." + settings.BASE_DOMAIN):
        client = Client(HTTP_HOST=host)
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {
            "status": "ok",
            "checks": {"database": "ok", "redis": "ok"},
        }


def test_readyz_is_503_while_the_database_is_unreachable():
    """Served on a connection of its own (as in a server), pointed at a port where nothing
    listens; /healthz stays green, since the process itself is alive."""
    import socket
    import threading

    from django.db import connections
    from django.test import Client

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    answers: dict[str, tuple[int, dict]] = {}

    def serve() -> None:
        client = Client(HTTP_HOST=settings.BASE_DOMAIN)
        original = connections.settings["default"]
        connections.settings["default"] = {
            **original,
            "HOST": "127.0.0.1",
            "PORT": str(closed_port),
        }
        try:
            for path in ("/readyz", "/healthz"):
                response = client.get(path)
                answers[path] = (response.status_code, response.json())
        finally:
            connections.close_all()
            connections.settings["default"] = original

    thread = threading.Thread(target=serve)
    thread.start()
    thread.join(timeout=60)

    assert answers["/readyz"] == (
        503,
        {"status": "unavailable", "checks": {"database": "down", "redis": "ok"}},
    )
    assert answers["/healthz"] == (200, {"status": "ok"})


def test_healthz_needs_no_database(django_assert_num_queries):
    from django.test import Client

    with django_assert_num_queries(0):
        assert Client(HTTP_HOST="x.example").get("/healthz").status_code == 200


def test_routing_cache_hit_runs_no_sql(paris):
    host = paris.primary_host
    counts = routing_counts()
    resolve_host(host)  # miss: one lookup, then cached

    with CaptureQueriesContext(connection) as queries:
        route = resolve_host(host)

    trace = routing_trace(host, counts_before=counts)
    assert len(queries) == 0, trace
    assert route.kind == "tenant", trace
    assert route.tenant.slug == "paris"


def test_routing_cache_is_invalidated_when_a_domain_is_removed(paris):
    Domain.objects.create(
        domain="benevolat.paris.example", tenant=paris, is_primary=False, is_verified=True
    )
    assert resolve_host("benevolat.paris.example").kind == "tenant"

    Domain.objects.filter(domain="benevolat.paris.example").get().delete()

    assert resolve_host("benevolat.paris.example") == NOWHERE


def test_routing_cache_remembers_unknown_hosts_until_a_domain_appears(paris):
    assert resolve_host("later.paris.example") == NOWHERE

    Domain.objects.create(
        domain="later.paris.example", tenant=paris, is_primary=False, is_verified=True
    )

    assert resolve_host("later.paris.example").kind == "tenant"


def test_base_domain_routes_to_public():
    assert resolve_host(settings.BASE_DOMAIN) == PUBLIC


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Paris.Entraide.test:8000", "paris.entraide.test"), ("a.example.", "a.example")],
)
def test_normalize_host(raw, expected):
    assert normalize_host(raw) == expected


def test_session_and_csrf_cookies_are_host_only(client_for, paris):
    from accounts.services import user_create

    connection.set_tenant(paris)
    user_create(email="cookie@paris.example", password="s3cret-Passw0rd!", email_verified=True)
    connection.set_schema_to_public()
    client = client_for(paris)

    login_page = client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {"login": "cookie@paris.example", "password": "s3cret-Passw0rd!"},
    )

    assert response.status_code == 302
    assert login_page.cookies["csrftoken"]["domain"] == ""
    assert response.cookies["sessionid"]["domain"] == ""
