"""API errors are {"detail", "code", "fields"} of plain messages: never a Python repr."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from rest_framework import exceptions

from tenants.api_conventions import exception_handler
from tests.engagement.factories import UserFactory

pytestmark = pytest.mark.django_db

REPR = re.compile(r"ErrorDetail\(|<class |\w+Error\(|\{\d+: |\{'")


@pytest.mark.parametrize(
    ("error", "fields"),
    [
        (
            exceptions.ValidationError({"location": {"lat": ["Too far north."]}}),
            {"location": ["lat: Too far north."]},
        ),
        (
            exceptions.ValidationError({"cause_ids": {0: ["A valid integer is required."]}}),
            {"cause_ids": ["0: A valid integer is required."]},
        ),
        (
            exceptions.ValidationError({"slots": [{}, {"capacity": ["Too many."]}]}),
            {"slots": ["1: capacity: Too many."]},
        ),
        (
            exceptions.ValidationError([{"title": ["Required."]}]),
            {"non_field_errors": ["0: title: Required."]},
        ),
    ],
)
def test_nested_validation_errors_are_plain_messages(error, fields):
    response = exception_handler(error, {})

    assert response.status_code == 400
    assert response.data == {"detail": "Invalid input.", "code": "invalid", "fields": fields}
    assert not REPR.search(json.dumps(response.data))


def test_an_exception_with_a_list_detail_shows_its_message():
    error = exceptions.APIException(["Something failed.", "Twice."])

    response = exception_handler(error, {})

    assert response.data == {"detail": "Something failed.", "code": "error", "fields": {}}


@pytest.mark.parametrize(
    "body",
    [
        {"home": {"lat": 999, "lng": "x"}},
        {"cause_ids": ["a", None, 10**30]},
        {"availability": [["nested"]]},
        {"home": [1, 2]},
    ],
)
def test_api_field_errors_carry_no_python_repr(in_paris, body):
    user = UserFactory()
    client = Client(HTTP_HOST=in_paris.primary_host)
    client.force_login(user)

    response = client.patch("/api/v1/me/profile/", body, content_type="application/json")

    connection.set_tenant(in_paris)
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"detail", "code", "fields"}
    assert error["fields"]
    assert all(isinstance(m, str) for ms in error["fields"].values() for m in ms)
    assert not REPR.search(json.dumps(error, ensure_ascii=False)), error


def test_a_body_too_large_is_a_413_in_the_error_shape(in_paris):
    user = UserFactory()
    client = Client(HTTP_HOST=in_paris.primary_host)
    client.force_login(user)
    body = json.dumps({"home_label": "x" * (3 * 1024 * 1024)})

    response = client.patch("/api/v1/me/profile/", body, content_type="application/json")

    assert response.status_code == 413
    assert set(response.json()) == {"detail", "code", "fields"}


def test_anonymous_me_is_a_documented_401(in_paris):
    response = Client(HTTP_HOST=in_paris.primary_host).get("/accounts/api/me/")

    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code", "fields"}
    assert response["WWW-Authenticate"].startswith("Token")
