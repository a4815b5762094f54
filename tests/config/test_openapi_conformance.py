"""Every API response matches the project's own OpenAPI document (/api/schema/).

For each operation of the tenant API's schema, anonymous and signed-in actors send requests
through a real HTTP server: the documented request (body built from the request schema), then
generated ones (path ids real or missing, documented query parameters with plausible or hostile
values, bodies with some fields spoiled). Each answer's status must be documented for the
operation, its content type listed, and its JSON body valid against the response schema, formats
included (an empty string is no URI, no e-mail). Errors follow {"detail", "code", "fields"}.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from tests.config.fuzzing import (
    actor_client,
    bounded_examples,
    hostile_json,
    hostile_text,
    path_values,
    query_string,
    quote_path,
    session_for,
)
from tests.config.live import LiveServer, RawClient, live_server_running
from tests.config.openapi import OpenApi, Operation
from tests.engagement.conftest import build_world
from tests.engagement.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 5
ERROR_KEYS = {"detail", "code", "fields"}
REPR = re.compile(r"ErrorDetail\(|<class |\w+Error\(|\w+Exception\(|\{\d+: \[")


@pytest.fixture
def server() -> Iterator[LiveServer]:
    yield from live_server_running()


def _query_value(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    kind = schema.get("type", "string")
    if "enum" in schema:
        plausible = st.sampled_from([str(v) for v in schema["enum"] if v is not None] or ["x"])
    elif kind == "integer":
        plausible = st.integers(-5, 200).map(str)
    elif kind == "number":
        plausible = st.floats(-200, 200, allow_nan=False).map(str)
    elif kind == "boolean":
        plausible = st.sampled_from(["true", "false"])
    elif schema.get("format") == "date":
        plausible = st.dates().map(str)
    else:
        plausible = st.text(max_size=12)
    return st.one_of(plausible, plausible, hostile_text)


@st.composite
def request_for(
    draw: st.DrawFn, operation: Operation, openapi: OpenApi, values: dict[str, list[str]]
) -> tuple[str, bytes | None]:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        real = values.get(name) or ["1"]
        return draw(st.sampled_from([*real, "987654321", "99999999999999999999"]))

    path = re.sub(r"\{([^}]+)\}", fill, operation.template)
    query: list[tuple[str, str]] = []
    for parameter in operation.spec.get("parameters", []):
        if parameter.get("in") != "query" or not draw(st.booleans()):
            continue
        query.append((parameter["name"], draw(_query_value(parameter.get("schema", {})))))
    target = quote_path(path)
    if query:
        target += "?" + query_string(query)
    body = None
    if operation.method in ("POST", "PUT", "PATCH"):
        data = openapi.request_example(path, operation.method)
        for name in draw(st.lists(st.sampled_from(sorted(data) or ["x"]), max_size=2)):
            data[name] = draw(hostile_json)
        body = json.dumps(data).encode()
    return target, body


def _error_shape(answer_body: bytes, status: int) -> list[str]:
    if status < 400:
        return []
    try:
        body = json.loads(answer_body)
    except ValueError:
        return [f"{status}: not JSON: {answer_body[:200]!r}"]
    problems = []
    if not isinstance(body, dict) or set(body) != ERROR_KEYS:
        problems.append(f"{status}: error keys {sorted(body) if isinstance(body, dict) else body}")
    elif REPR.search(json.dumps(body, ensure_ascii=False)):
        problems.append(f"{status}: a Python repr in {body}")
    return problems


def test_every_api_response_matches_the_schema(in_paris, server: LiveServer):
    world = build_world(in_paris)
    # An organization with empty optional texts (website, contact e-mail): a known breakage.
    OrganizationFactory(name="Sans site", website="", contact_email="")
    host = in_paris.primary_host
    values = path_values(world, None)
    users = {
        "anonymous": None,
        "volunteer": world.volunteer,
        "admin": world.admin,
        "moderator": world.moderator,
    }
    actors = {
        name: actor_client(server.port, name, session_for(user, host))
        for name, user in users.items()
    }
    openapi = OpenApi.fetch(RawClient(port=server.port), host)
    connection.set_tenant(in_paris)
    problems: list[str] = []
    statuses: dict[str, set[int]] = {}
    count = [0]

    def exercise(operation: Operation) -> None:
        @bounded_examples(EXAMPLES_PER_OPERATION)
        @given(
            request=request_for(operation, openapi, values), actor=st.sampled_from(sorted(actors))
        )
        def attempt(request: tuple[str, bytes | None], actor: str) -> None:
            target, body = request
            answer = actors[actor].client.request(
                operation.method,
                target,
                host=host,
                body=body or b"",
                content_type="application/json" if body is not None else None,
            )
            count[0] += 1
            statuses.setdefault(f"{operation.method} {operation.template}", set()).add(
                answer.status
            )
            found = openapi.problems(target.split("?")[0], operation.method, answer)
            if answer.content_type == "application/json":
                found += _error_shape(answer.body, answer.status)
            problems.extend(f"{p}  [as {actor}: {target[:120]}]" for p in found)

        attempt()

    for operation in openapi.operations:
        if operation.method not in ("HEAD", "OPTIONS"):
            exercise(operation)
            connection.set_tenant(in_paris)

    unique = sorted(set(p.split("  [as")[0] for p in problems))
    print(f"{len(openapi.operations)} operations, {count[0]} requests")  # noqa: T201
    assert not unique, (
        f"{len(unique)} mismatches:\n" + "\n".join(unique[:60]) + "\n" + "\n".join(problems[:40])
    )


def test_the_schema_documents_the_error_shape(in_paris, server: LiveServer):
    openapi = OpenApi.fetch(RawClient(port=server.port), in_paris.primary_host)

    undocumented = [
        f"{operation.method} {operation.template}"
        for operation in openapi.operations
        if not any(code.startswith("4") for code in operation.spec.get("responses", {}))
    ]

    assert not undocumented
    assert (
        settings.REST_FRAMEWORK["EXCEPTION_HANDLER"] == "tenants.api_conventions.exception_handler"
    )
