"""NUL bytes, lone surrogates and over-deep JSON are refused at the door (tenants.request_input):
a 400 in the API's error shape on API paths, the 400 page elsewhere, and nothing written."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from engagement.volunteers.models import VolunteerProfile
from tenants.request_input import _json_depth_exceeds
from tests.engagement.factories import UserFactory, VolunteerProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer_client(in_paris):
    user = UserFactory()
    VolunteerProfileFactory(user=user, home_label="Bastille", radius_km=7)
    client = Client(HTTP_HOST=in_paris.primary_host, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    connection.set_tenant(in_paris)
    return client, user


def _profile(user):
    return VolunteerProfile.objects.values_list("home_label", "radius_km").get(user=user)


@pytest.mark.parametrize(
    "body",
    [
        '{"home_label": "a\\u0000b"}',
        '{"home_label": "\\ud800"}',
        '{"home_label": {"\\u0000": 1}}',
        '{"home_label": "x", "radius_km": 3, "availability": ["mon", "\\u0000"]}',
    ],
    ids=["nul", "lone-surrogate", "nul-in-a-key", "nul-in-a-list"],
)
def test_json_with_nul_or_surrogates_is_a_400_and_changes_nothing(volunteer_client, in_paris, body):
    client, user = volunteer_client

    response = client.patch("/api/v1/me/profile/", body, content_type="application/json")

    connection.set_tenant(in_paris)
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"detail", "code", "fields"}
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["home_label"] or list(error["fields"]) == ["availability"]
    assert _profile(user) == ("Bastille", 7)


@pytest.mark.parametrize(
    ("depth", "field"),
    [
        (100, "home_label"),  # parsed, then refused by the guard's own limit
        (300, "non_field_errors"),  # refused before it is parsed
        (50_000, "non_field_errors"),  # beyond Python's recursion limit: never parsed
    ],
)
def test_deeply_nested_json_is_a_400(volunteer_client, in_paris, depth, field):
    client, user = volunteer_client
    body = '{"home_label": ' + "[" * depth + "]" * depth + "}"

    response = client.patch("/api/v1/me/profile/", body, content_type="application/json")

    connection.set_tenant(in_paris)
    assert response.status_code == 400
    with translation.override(in_paris.default_language):  # Paris answers in French
        message = translation.gettext("This JSON is nested too deeply.")
    assert message != "This JSON is nested too deeply."
    assert response.json()["fields"] == {field: [message]}
    assert _profile(user) == ("Bastille", 7)


@pytest.mark.parametrize(
    ("body", "limit", "exceeds"),
    [
        (b"[[[]]]", 3, False),
        (b"[[[[]]]]", 3, True),
        (b'{"a": [{"b": [1]}, {"c": {}}]}', 4, False),
        (b'{"a": [{"b": [[1]]}]}', 4, True),
        # Brackets inside strings, escaped quotes and backslashes included, are not nesting.
        (b'["[[[[", "\\"[[[[", "\\\\", "{{{{"]', 1, False),
        (b'["\\\\", [[]]]', 2, True),
        (b"", 0, False),
    ],
)
def test_the_depth_of_json_is_read_without_parsing_it(body, limit, exceeds):
    assert _json_depth_exceeds(body, limit) is exceeds


def test_brackets_inside_json_strings_are_not_nesting(volunteer_client, in_paris):
    client, user = volunteer_client
    body = json.dumps({"home_label": "[" * 300 + "{" * 300})

    response = client.patch("/api/v1/me/profile/", body, content_type="application/json")

    connection.set_tenant(in_paris)
    assert response.status_code == 400
    assert "home_label" in response.json()["fields"]
    with translation.override(in_paris.default_language):
        nested = translation.gettext("This JSON is nested too deeply.")
    assert response.json()["fields"]["home_label"] != [nested]
    assert _profile(user) == ("Bastille", 7)


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/api/v1/missions/?q=a%00b", {}),
        ("/api/v1/missions/%00/", {}),
        ("/organisation/invitation/a%00b/", {}),
        ("/accounts/confirm-email/a%00b/", {}),
        ("/", {"HTTP_COOKIE": "sessionid=abcdefgh\x00ijkl"}),
        ("/api/v1/me/profile/", {"HTTP_AUTHORIZATION": "Token abc\x00def"}),
    ],
)
def test_nul_in_path_query_cookie_or_token_is_a_400(in_paris, path, extra):
    client = Client(HTTP_HOST=in_paris.primary_host)

    with translation.override("en"):
        response = client.get(path, **extra)

    assert response.status_code == 400
    if path.startswith("/api/"):
        assert set(response.json()) == {"detail", "code", "fields"}


def test_nul_in_a_form_field_is_a_400_page_and_changes_nothing(volunteer_client, in_paris):
    client, user = volunteer_client

    response = client.post("/profil/", {"home_label": "Nation\x00", "radius_km": "3"})

    connection.set_tenant(in_paris)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    # Paris's branded 400 page, in French.
    html = response.content.decode()
    assert '<html lang="fr"' in html and in_paris.name in html
    assert "Requête incorrecte" in html
    assert _profile(user) == ("Bastille", 7)


def test_ordinary_text_passes(volunteer_client, in_paris):
    client, user = volunteer_client

    response = client.patch(
        "/api/v1/me/profile/",
        json.dumps({"home_label": "Café \\u0000 littéral 🙂"}),
        content_type="application/json",
    )

    connection.set_tenant(in_paris)
    assert response.status_code == 200, response.content
    assert _profile(user)[0] == "Café \\u0000 littéral 🙂"


@pytest.mark.parametrize(
    ("slug", "left_active", "expected"),
    [
        ("paris", "en", "Le texte ne peut pas contenir de caractère NUL ni de caractère invalide."),
        ("acme", "fr", "Text may not contain NUL or invalid characters."),
    ],
)
def test_the_refusal_speaks_the_tenants_language_whatever_the_thread_had(
    request, slug, left_active, expected
):
    tenant = request.getfixturevalue(slug)
    translation.activate(left_active)  # what a previous request on this thread left active
    try:
        response = Client(HTTP_HOST=tenant.primary_host).get("/api/v1/missions/?q=a%00b")
    finally:
        translation.deactivate()

    assert response.status_code == 400
    assert response.json()["fields"] == {"q": [expected]}
