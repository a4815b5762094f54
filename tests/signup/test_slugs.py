"""signup/slugs.py: every rule, each refusal with its own message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from signup.slugs import Reason, skeleton, slug_propose, slug_refusal
from tenants.models import SLUG_PATTERN, Tenant


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


TAKEN = {"paris", "montreal", "acme", "lyon"}
RESERVED = settings.TENANT_RESERVED_SLUGS


def refusal(raw: str) -> str | None:
    found = slug_refusal(raw, taken=TAKEN, reserved=RESERVED)
    return found.reason if found else None


@pytest.mark.parametrize(
    "slug", ["testville", "saint-etienne", "ville-2", "paris-15", "parisien", "abc", "a" * 40]
)
def test_free_addresses_pass(slug: str) -> None:
    assert refusal(slug) is None
    assert SLUG_PATTERN.match(slug)


def test_upper_case_and_spaces_are_folded() -> None:
    assert refusal("  TestVille ") is None


@pytest.mark.parametrize(
    ("slug", "reason"),
    [
        ("", Reason.INVALID),
        ("ab", Reason.INVALID),
        ("a" * 41, Reason.INVALID),
        ("1paris", Reason.INVALID),
        ("-paris", Reason.INVALID),
        ("ville-", Reason.INVALID),
        ("ville_de", Reason.INVALID),
        ("ville.de", Reason.INVALID),
        ("ville de", Reason.INVALID),
        ("ville/de", Reason.INVALID),
        ("xn--pris-lra", Reason.PUNYCODE),
        ("ab--cd", Reason.PUNYCODE),
        ("ville--2", Reason.PUNYCODE),
        ("paris", Reason.TAKEN),
        ("PARIS", Reason.TAKEN),
        ("montreal", Reason.TAKEN),
    ],
)
def test_refused_with_a_reason(slug: str, reason: str) -> None:
    assert refusal(slug) == reason


@pytest.mark.parametrize(
    "word",
    [
        "www", "api", "admin", "console", "mail", "smtp", "imap", "pop", "ftp", "static",
        "media", "cdn", "status", "help", "support", "billing", "signup", "login", "auth",
        "sso", "app", "dashboard", "docs", "blog", "entraide", "public", "tenant_template",
    ],
)  # fmt: skip
def test_reserved_words(word: str) -> None:
    assert word in RESERVED
    expected = Reason.RESERVED if SLUG_PATTERN.match(word) else Reason.INVALID
    assert refusal(word) == expected


def test_reserved_words_are_refused_by_the_tenant_model_too() -> None:
    tenant = Tenant(kind="city", name="Console", slug="console", schema_name="t_console")
    with pytest.raises(ValidationError) as raised:
        tenant.clean()
    assert "slug" in raised.value.message_dict


@pytest.mark.parametrize(
    ("slug", "character", "latin"),
    [
        ("p\u0430ris", "CYRILLIC SMALL LETTER A", "a"),  # Cyrillic а
        ("\u0440aris", "CYRILLIC SMALL LETTER ER", "p"),  # Cyrillic р
        ("acm\u0435", "CYRILLIC SMALL LETTER IE", "e"),
        ("lyοn", "GREEK SMALL LETTER OMICRON", "o"),
    ],
)
def test_homoglyphs_are_named(slug: str, character: str, latin: str) -> None:
    found = slug_refusal(slug, taken=TAKEN, reserved=RESERVED)
    assert found is not None
    assert found.reason == Reason.NON_ASCII
    assert character in found.message
    assert f"“{latin}”" in found.message


@pytest.mark.parametrize("slug", ["montréal", "zürich", "ville-été", "東京"])
def test_other_non_ascii_is_refused_naming_the_character(slug: str) -> None:
    found = slug_refusal(slug, taken=TAKEN, reserved=RESERVED)
    assert found is not None and found.reason == Reason.NON_ASCII
    assert "“" in found.message


@pytest.mark.parametrize(
    ("slug", "resembles"),
    [
        ("pari5", "paris"),
        ("par1s", "paris"),
        ("parls", "paris"),
        ("pa-ris", "paris"),
        ("p4ris", "paris"),
        ("rnontreal", "montreal"),
        ("m0ntreal", "montreal"),
        ("acrne", "acme"),
        ("iyon", "lyon"),
        ("ly0n", "lyon"),
        ("adm1n", "admin"),
        ("c0nsole", "console"),
        ("wvvw", "www"),
        ("entra1de", "entraide"),
        ("si9nup", None),
    ],
)
def test_lookalikes_of_taken_or_reserved_addresses(slug: str, resembles: str | None) -> None:
    found = slug_refusal(slug, taken=TAKEN, reserved=RESERVED)
    if resembles is None:
        assert found is None
        return
    assert found is not None and found.reason == Reason.CONFUSABLE
    assert f"“{resembles}”" in found.message


def test_skeleton() -> None:
    assert skeleton("pari5") == skeleton("paris") == skeleton("pa-r1s")
    assert skeleton("rn") == "m"
    assert skeleton("paris-2") != skeleton("paris")


def test_each_reason_has_its_own_message() -> None:
    messages = {
        slug_refusal(slug, taken=TAKEN, reserved=RESERVED).message  # type: ignore[union-attr]
        for slug in ["ab", "p\u0430ris", "xn--abc", "admin", "paris", "pari5"]
    }
    assert len(messages) == 6


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Saint-Étienne", "saint-etienne"),
        ("Ville de Paris", "ville-de-paris"),
        ("  ACME  Corp. ", "acme-corp"),
        ("L'Haÿ-les-Roses", "lhay-les-roses"),
        ("2024 Ville", "ville"),
        (
            "Communauté d'agglomération du Grand Besançon Métropole et environs",
            "communaute-dagglomeration-du-grand",
        ),
        ("", ""),
    ],
)  # fmt: skip
def test_proposal_from_the_name(name: str, slug: str) -> None:
    assert slug_propose(name) == slug
    if slug:
        assert len(slug) <= 40
        assert SLUG_PATTERN.match(slug)
