"""The sign-up form and its live address check: field errors, the honeypot, rate limits, the
number of queries."""

from __future__ import annotations

from typing import Any

import pytest

from signup.models import SignupRequest
from tests.signup.conftest import form_data

pytestmark = pytest.mark.django_db


def test_form_page_in_french_by_default_and_english_on_request(public_client: Any) -> None:
    response = public_client.get("/signup/?kind=company&plan=company_standard&interval=year")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="fr"' in page
    assert "Adresse" in page
    assert 'value="company_standard"' in page
    assert 'value="year"' in page
    english = public_client.get("/signup/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Address" in english.content.decode()


def test_form_page_queries_are_fixed(public_client: Any, django_assert_num_queries: Any) -> None:
    public_client.get("/signup/")
    with django_assert_num_queries(0):
        assert public_client.get("/signup/?kind=city").status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "paris"),
        ("slug", "p\u0430ris"),
        ("slug", "xn--pris-lra"),
        ("slug", "admin"),
        ("slug", "pari5"),
        ("slug", "a"),
        ("email", "not-an-address"),
        ("kind", "ministry"),
        ("terms", ""),
        ("name", ""),
        ("country", "ZZ"),
        ("language", "de"),
    ],
)
def test_bad_input_is_a_400_with_the_field_error(
    public_client: Any, paris: Any, field: str, value: str
) -> None:
    response = public_client.post("/signup/", form_data(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not SignupRequest.objects.exists()


def test_a_plan_of_the_other_kind_is_refused(public_client: Any) -> None:
    response = public_client.post("/signup/", form_data(plan="company_standard"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not SignupRequest.objects.exists()


def test_homoglyph_message_names_the_character(public_client: Any) -> None:
    response = public_client.post("/signup/", form_data(slug="p\u0430ris"))
    [message] = response.context["form"].errors["slug"]
    assert "CYRILLIC SMALL LETTER A" in message


def test_an_address_held_by_a_sign_up_under_way_is_taken(
    public_client: Any, smtp_inbox: Any
) -> None:
    assert public_client.post("/signup/", form_data()).status_code == 302
    other = public_client.post("/signup/", form_data(email="other@example.org"))
    assert other.status_code == 400
    assert "slug" in other.context["form"].errors
    lookalike = public_client.post("/signup/", form_data(slug="testvi1le", email="x@example.org"))
    assert "slug" in lookalike.context["form"].errors


def test_the_hold_of_an_unverified_sign_up_expires(
    public_client: Any, smtp_inbox: Any, settings: Any
) -> None:
    assert public_client.post("/signup/", form_data()).status_code == 302
    settings.SIGNUP_SLUG_HOLD_SECONDS = 0
    assert public_client.post("/signup/", form_data(email="b@example.org")).status_code == 302


def test_honeypot_answers_the_same_and_creates_nothing(
    public_client: Any, smtp_inbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        bot = public_client.post("/signup/", form_data(website="http://spam.example"))
        human = public_client.post("/signup/", form_data(slug="autreville"))
    assert bot.status_code == human.status_code == 302
    assert bot["Location"] == human["Location"]
    assert list(SignupRequest.objects.values_list("slug", flat=True)) == ["autreville"]
    assert len(smtp_inbox.to("maire@testville.example")) == 1


def test_rate_limit_per_e_mail(public_client: Any, smtp_inbox: Any, settings: Any) -> None:
    settings.SIGNUP_RATE_LIMITS = {**settings.SIGNUP_RATE_LIMITS, "signup_email": "2/h"}
    for slug in ("ville-a", "ville-b"):
        assert public_client.post("/signup/", form_data(slug=slug)).status_code == 302
    response = public_client.post("/signup/", form_data(slug="ville-c"))
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    assert SignupRequest.objects.count() == 2
    # Another address from the same client still may.
    assert (
        public_client.post("/signup/", form_data(slug="ville-d", email="b@example.org")).status_code
        == 302
    )


def test_rate_limit_per_client_address(public_client: Any, smtp_inbox: Any, settings: Any) -> None:
    settings.SIGNUP_RATE_LIMITS = {**settings.SIGNUP_RATE_LIMITS, "signup_ip": "2/h"}
    for index in range(2):
        response = public_client.post(
            "/signup/", form_data(slug=f"ville-{index}x", email=f"{index}@example.org")
        )
        assert response.status_code == 302
    response = public_client.post("/signup/", form_data(slug="ville-zz", email="z@example.org"))
    assert response.status_code == 429
    assert SignupRequest.objects.count() == 2


@pytest.mark.parametrize(
    ("query", "available", "slug"),
    [
        ("slug=testville", True, "testville"),
        ("slug=paris", False, "paris"),
        ("slug=pari5", False, "pari5"),
        ("slug=admin", False, "admin"),
        ("slug=p%D0%B0ris", False, "p\u0430ris"),
        ("name=Saint-%C3%89tienne", True, "saint-etienne"),
        ("", False, ""),
    ],
)
def test_slug_check(public_client: Any, paris: Any, query: str, available: bool, slug: str) -> None:
    response = public_client.get(f"/signup/slug-check/?{query}")
    assert response.status_code == 200
    data = response.json()
    assert data["available"] is available
    assert data["slug"] == slug
    assert data["message"]


def test_slug_check_queries_are_fixed(public_client: Any, django_assert_num_queries: Any) -> None:
    """The tenants' addresses, those sign-ups hold, and the routing's look-up of the host."""
    with django_assert_num_queries(3):
        public_client.get("/signup/slug-check/?slug=testville")


def test_slug_check_is_rate_limited(public_client: Any, settings: Any) -> None:
    settings.SIGNUP_RATE_LIMITS = {**settings.SIGNUP_RATE_LIMITS, "signup_check": "3/m"}
    for _ in range(3):
        assert public_client.get("/signup/slug-check/?slug=abc").status_code == 200
    assert public_client.get("/signup/slug-check/?slug=abc").status_code == 429


def test_sign_up_pages_are_not_on_tenant_hosts(client_for: Any, paris: Any) -> None:
    assert client_for(paris).get("/signup/").status_code == 404


def test_the_product_sites_language_switch_carries_over_to_the_form(public_client: Any) -> None:
    public_client.get("/?lang=en")
    page = public_client.get("/signup/").content.decode()
    assert 'lang="en"' in page and "Address" in page
    public_client.get("/?lang=fr")
    assert "Adresse" in public_client.get("/signup/").content.decode()


def test_the_form_has_its_own_language_switch_keeping_the_plan(public_client: Any) -> None:
    page = public_client.get("/signup/?kind=city&plan=city_premium&interval=year").content.decode()
    assert 'href="/signup/?kind=city&amp;plan=city_premium&amp;interval=year&amp;lang=en"' in page
    english = public_client.get("/signup/?kind=city&plan=city_premium&interval=year&lang=en")
    assert 'lang="en"' in english.content.decode()
    assert 'value="city_premium"' in english.content.decode()
    # Remembered on the base domain.
    assert "Address" in public_client.get("/signup/").content.decode()
