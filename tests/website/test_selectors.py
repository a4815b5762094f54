"""The product site's reads: the plan catalogue as the pricing page shows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation
from PIL import Image

from billing.plans import PLANS, Interval
from tenants.public_language import site_language
from website.selectors import (
    FEATURE_LABELS,
    LIMIT_LABELS,
    plan_cards,
    signup_path,
    yearly_saving_percent,
)
from website.views import WALK

REPOSITORY = Path(__file__).resolve().parents[2]


def test_every_feature_and_limit_of_the_catalogue_has_a_label():
    features = {key for plan in PLANS.values() for key in plan.features}
    limits = {key for plan in PLANS.values() for key in plan.limits}

    assert features <= set(FEATURE_LABELS)
    assert limits <= set(LIMIT_LABELS)


def test_cards_follow_the_catalogue_by_kind_and_order():
    cards = plan_cards(interval=Interval.MONTH, language="fr")

    assert [card.code for card in cards["city"]] == [
        plan.code for plan in PLANS.values() if plan.kind == "city"
    ]
    assert [card.code for card in cards["company"]] == [
        plan.code for plan in PLANS.values() if plan.kind == "company"
    ]
    assert all(card.trial_days == PLANS[card.code].trial_days for card in cards["city"])


def test_a_limit_of_zero_is_not_sold_as_a_feature():
    with translation.override("en"):
        essential = plan_cards(interval=Interval.MONTH, language="en")["city"][0]

    assert "Up to 0 custom domains" not in essential.features
    assert "Up to 50 organizations" in essential.features


def test_yearly_saving_is_derived_from_the_prices():
    # 12 × 49 € = 588 € against 490 € a year.
    assert yearly_saving_percent(PLANS["city_essential"]) == 16


@pytest.mark.parametrize(
    ("code", "expected"),
    [("fr", "fr"), ("fr-ca", "fr"), ("en", "en"), ("en-gb", "en"), ("de", "fr"), (None, "fr")],
)
def test_site_language(code, expected):
    assert site_language(code) == expected


def test_the_signup_path_names_kind_plan_and_interval():
    assert (
        signup_path(kind="company", plan="company_standard", interval="year")
        == "/signup/?kind=company&plan=company_standard&interval=year"
    )


def test_no_price_is_written_outside_the_catalogue():
    written = re.compile(r"\d\s*(€|EUR)|€\s*\d")
    offenders = [
        str(path.relative_to(REPOSITORY))
        for path in (REPOSITORY / "website").rglob("*")
        if path.suffix in {".py", ".html", ".txt", ".js", ".css"}
        and written.search(path.read_text(encoding="utf-8"))
    ]

    assert offenders == []


@pytest.mark.parametrize("step", WALK, ids=lambda step: step.image)
def test_screenshots_are_small_and_have_the_declared_size(step):
    path = REPOSITORY / "website" / "static" / step.image

    assert path.stat().st_size < 150 * 1024
    with Image.open(path) as image:
        assert image.format == "WEBP"
        assert image.size == (step.width, step.height)


def test_a_feature_said_by_a_limit_is_not_said_twice():
    with translation.override("en"):
        premium = plan_cards(interval=Interval.YEAR, language="en")["city"][1]

    assert premium.code == "city_premium"
    assert "Up to 3 custom domains" in premium.features
    assert "Your own domain name" not in premium.features
    assert "Single sign-on (SAML, OpenID Connect)" in premium.features
