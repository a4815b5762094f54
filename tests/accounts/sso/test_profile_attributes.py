"""accounts.sso.profile_attributes: the per-connection mapping of profile attributes (its form
syntax, its defaults, what is read from SAML attributes and OIDC claims)."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp
from django import forms

from accounts.forms import profile_attributes_parse, profile_attributes_text
from accounts.sso.profile_attributes import (
    app_profile_attributes,
    profile_attributes_clean,
    profile_values,
)


def test_the_form_syntax_round_trips():
    text = "department: department, ou\nmanager: managerMail\n\n"

    mapping = profile_attributes_parse(text)

    assert mapping == {"department": ["department", "ou"], "manager": ["managerMail"]}
    assert profile_attributes_text(mapping) == "department: department, ou\nmanager: managerMail"


@pytest.mark.parametrize("text", ["colour: favourite", "department department"])
def test_unknown_keys_and_lines_without_colon_are_refused(text):
    with pytest.raises(forms.ValidationError):
        profile_attributes_parse(text)


def test_clean_refuses_too_many_names():
    with pytest.raises(ValueError, match="site"):
        profile_attributes_clean({"site": [f"a{n}" for n in range(6)]})


def test_defaults_then_stored_mapping_decide_what_is_read():
    saml = SocialApp(provider="saml", settings={})
    oidc = SocialApp(
        provider="openid_connect", settings={"profile_attributes": {"site": ["office"]}}
    )

    assert profile_values(
        saml, {"department": ["R&D", "Ops"], "urn:oid:2.5.4.19": ["LYS"], "manager": []}
    ) == {"department": "R&D", "site": "LYS"}
    assert app_profile_attributes(oidc) == {"site": ["office"]}
    assert profile_values(
        oidc, {"userinfo": {"office": "Paris HQ", "department": "R&D"}, "id_token": {}}
    ) == {"site": "Paris HQ"}
