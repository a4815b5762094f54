"""The product site on the base domain: home, pricing, language, robots.txt."""

from __future__ import annotations

import re
from types import MappingProxyType

import pytest
from django.conf import settings
from django.urls import reverse

from billing import plans as plan_catalogue
from billing.plans import PLANS, Interval
from website.selectors import money_format

pytestmark = pytest.mark.django_db


def test_home_in_french_by_default_with_links_to_pricing_and_signup(client_for, paris):
    response = client_for().get("/")

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert '<a class="button large" href="/signup/">Essai gratuit</a>' in page
    assert 'href="/pricing/"' in page
    assert (
        "<title>Plateforme de bénévolat pour les villes et les entreprises · Entraide</title>"
        in page
    )
    assert '<meta name="description" content="Entraide est la plateforme' in page
    assert '<meta property="og:title" content="Entraide, la plateforme' in page


def test_home_lists_public_instances_and_never_a_private_one(client_for, paris, montreal, acme):
    page = client_for().get("/").content.decode()

    assert f'href="//{paris.primary_host}/">Paris</a>' in page
    assert f'href="//{montreal.primary_host}/">' in page
    assert acme.name not in page
    assert acme.primary_host not in page


def test_home_costs_one_query(client_for, paris, django_assert_num_queries):
    client = client_for()
    client.get("/")
    # search_path (once per request, before the first query), the public instances
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200


def test_the_historical_url_name_still_names_the_home():
    assert reverse("public_home", urlconf="config.urls_public") == "/"
    assert reverse("website:home", urlconf="config.urls_public") == "/"


def test_lang_switches_to_english_and_is_remembered(client_for, paris):
    client = client_for()

    english = client.get("/?lang=en")

    assert english.status_code == 200
    assert english["Content-Language"] == "en"
    assert english.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert english.cookies[settings.LANGUAGE_COOKIE_NAME]["domain"] == ""
    assert '<html lang="en">' in english.content.decode()
    assert "Start free trial" in english.content.decode()
    # The next page, without ?lang=, stays in English.
    pricing = client.get("/pricing/")
    assert pricing["Content-Language"] == "en"
    assert "€49 excl. VAT / month" in pricing.content.decode()
    # And back to French.
    assert client.get("/pricing/?lang=fr")["Content-Language"] == "fr"
    assert client.get("/")["Content-Language"] == "fr"


def test_browser_language_is_used_until_a_choice_is_made(client_for, paris):
    response = client_for().get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert response["Content-Language"] == "en"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("value", ["de", "", "fr-ca", "<script>"])
def test_an_unknown_lang_is_ignored(client_for, paris, value):
    response = client_for().get("/", {"lang": value})

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_pages_name_their_alternates_in_each_language(client_for, paris):
    page = client_for().get("/pricing/?interval=year").content.decode()
    address = f"http://{settings.BASE_DOMAIN}/pricing/"
    yearly = f"{address}?interval=year&amp;lang="

    assert f'<link rel="alternate" hreflang="fr" href="{yearly}fr">' in page
    assert f'<link rel="alternate" hreflang="en" href="{yearly}en">' in page
    assert f'<link rel="alternate" hreflang="x-default" href="{address}">' in page
    assert f'<link rel="canonical" href="{yearly}fr">' in page


def _prices_on(page: str) -> dict[str, str]:
    card = r'data-plan="([a-z_]+)">\s*<h3>[^<]*</h3>\s*<p class="site-price" data-price>([^<]*)</p>'
    return dict(re.findall(card, page))


def test_pricing_monthly_in_french(client_for, django_assert_num_queries):
    client = client_for()
    with django_assert_num_queries(0):
        response = client.get("/pricing/")

    assert response.status_code == 200
    assert _prices_on(response.content.decode()) == {
        "city_essential": "49\xa0€ HT / mois",
        "city_premium": "149\xa0€ HT / mois",
        "company_standard": "4\xa0€ HT / personne / mois",
        "company_enterprise": "8\xa0€ HT / personne / mois",
    }


def test_pricing_yearly_in_english(client_for):
    page = client_for().get("/pricing/?interval=year&lang=en").content.decode()

    assert _prices_on(page) == {
        "city_essential": "€490 excl. VAT / year",
        "city_premium": "€1,490 excl. VAT / year",
        "company_standard": "€40 excl. VAT / person / year",
        "company_enterprise": "€80 excl. VAT / person / year",
    }
    assert "16 % less than paying monthly." in page
    assert 'href="/signup/?kind=city&amp;plan=city_essential&amp;interval=year"' in page


def test_pricing_interval_switch_is_plain_links(client_for):
    page = client_for().get("/pricing/").content.decode()

    assert 'href="/pricing/?interval=year"' in page
    assert 'aria-current="page" data-interval="month"' in page
    for plan in PLANS.values():
        expected = f"/signup/?kind={plan.kind}&amp;plan={plan.code}&amp;interval=month"
        assert f'href="{expected}"' in page


def test_an_unknown_interval_shows_monthly_prices(client_for):
    response = client_for().get("/pricing/?interval=fortnight")

    assert response.status_code == 200
    assert "49\xa0€ HT / mois" in response.content.decode()


def test_pricing_shows_trial_days_and_features_from_the_catalogue(client_for):
    page = client_for().get("/pricing/?lang=en").content.decode()

    assert "Start free trial (30 days)" in page
    assert "Start free trial (14 days)" in page
    assert "Up to 50 organizations" in page
    assert "Unlimited organizations" in page
    assert "Single sign-on (SAML, OpenID Connect)" in page


def test_a_price_changed_in_the_catalogue_changes_the_page(client_for, monkeypatch):
    essential = PLANS["city_essential"]
    changed = plan_catalogue.Plan(
        **{
            **{name: getattr(essential, name) for name in essential.__dataclass_fields__},
            "prices": MappingProxyType({Interval.MONTH: 5950, Interval.YEAR: 59000}),
        }
    )
    monkeypatch.setattr(
        plan_catalogue, "PLANS", MappingProxyType({**PLANS, "city_essential": changed})
    )
    monkeypatch.setattr("website.selectors.PLANS", plan_catalogue.PLANS)

    page = client_for().get("/pricing/").content.decode()

    assert _prices_on(page)["city_essential"] == "59,50\xa0€ HT / mois"
    assert ">49\xa0€ HT / mois" not in page


def test_money_is_formatted_per_language():
    assert money_format(149000, language="fr") == "1\u202f490\xa0€"
    assert money_format(149000, language="en") == "€1,490"
    assert money_format(850, language="fr") == "8,50\xa0€"
    assert money_format(850, language="en") == "€8.50"


def test_robots_txt_on_the_public_host(client_for):
    response = client_for().get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "Disallow: /console/\n" in body
    assert "Allow: /signup/$\n" in body
    assert "Disallow: /signup/\n" in body
    assert "Disallow: /pricing" not in body


def test_a_tenant_host_keeps_its_own_robots_and_home(client_for, paris):
    assert "Disallow: /gestion/" in client_for(paris).get("/robots.txt").content.decode()
    assert "Start free trial" not in client_for(paris).get("/?lang=en").content.decode()


def test_pricing_answers_only_get(client_for):
    assert client_for().post("/pricing/").status_code == 405


@pytest.mark.parametrize("path", ["/", "/pricing/"])
def test_pages_load_nothing_from_elsewhere_and_nothing_inline(client_for, paris, path):
    response = client_for().get(path)
    page = response.content.decode()

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert " style=" not in page
    assert "<style" not in page
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/js/entraide.js" defer>']
    # Scripts, pictures and style sheets from this host only (no CDN).
    loaded = re.findall(r'src="([^"]*)"', page) + re.findall(
        r'<link rel="stylesheet" href="([^"]*)"', page
    )
    assert loaded and all(address.startswith("/static/") for address in loaded)
