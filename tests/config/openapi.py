"""The project's own OpenAPI document (/api/schema/) as the tests use it.

- `request_example(path, method)`: a plausible JSON body for an operation, built from its request
  schema, that the property tests then spoil one field at a time.
- `problems(path, method, answer)`: why a response does not match the document (an undocumented
  status, a body that fails its JSON schema, formats included), or nothing.

OpenAPI 3.0 schemas are JSON Schema with `nullable`; they are turned into plain JSON Schema
(draft 4, the closest) once, and formats are checked strictly: "" is not a URI nor an e-mail.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker

from tests.config.live import Answer, RawClient

FORMATS = FormatChecker(formats=())


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path))


@FORMATS.checks("email", raises=ValueError)
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"[^@\s]+@[^@\s]+", value))


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if isinstance(value, str):
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        datetime.date.fromisoformat(value)
    return True


@FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if isinstance(value, str):
        uuid.UUID(value)
    return True


def plain_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [plain_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: plain_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@dataclass
class Operation:
    template: str
    pattern: re.Pattern[str]
    method: str
    spec: dict[str, Any]


class OpenApi:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components = plain_json_schema(document.get("components", {}))
        self.operations: list[Operation] = []
        for template, item in document.get("paths", {}).items():
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            for method, spec in item.items():
                if method in ("get", "post", "put", "patch", "delete", "head", "options"):
                    self.operations.append(
                        Operation(template, re.compile(f"^{regex}$"), method.upper(), spec)
                    )

    @classmethod
    def fetch(cls, client: RawClient, host: str) -> OpenApi:
        answer = client.request("GET", "/api/schema/?format=json", host=host)
        assert answer.status == 200, answer.body[:500]
        return cls(json.loads(answer.body))

    def operation(self, path: str, method: str) -> Operation | None:
        """The operation of a path; a literal segment wins over a placeholder (missions/map/
        before missions/{mission_id}/)."""
        matches = [
            operation
            for operation in self.operations
            if operation.method == method and operation.pattern.match(path)
        ]
        return min(matches, key=lambda op: op.template.count("{"), default=None)

    def paths_for(self, method: str) -> list[Operation]:
        return [operation for operation in self.operations if operation.method == method]

    # --- Requests ---

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.document["components"]["schemas"][name]
        return schema

    def example_of(self, schema: dict[str, Any], depth: int = 0) -> Any:
        schema = self._resolve(schema)
        for combinator in ("allOf", "oneOf", "anyOf"):
            if combinator in schema:
                return self.example_of(schema[combinator][0], depth + 1)
        if "enum" in schema:
            return next((value for value in schema["enum"] if value is not None), None)
        kind = schema.get("type", "object")
        if kind == "object":
            if depth > 3:
                return {}
            return {
                name: self.example_of(prop, depth + 1)
                for name, prop in schema.get("properties", {}).items()
                if not prop.get("readOnly")
            }
        if kind == "array":
            return []
        if kind == "integer":
            return max(1, schema.get("minimum", 1))
        if kind == "number":
            return 1.5
        if kind == "boolean":
            return True
        formats = {
            "date-time": (
                datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=9)
            ).isoformat(),
            "date": datetime.date.today().isoformat(),
            "email": "someone@example.org",
            "uri": "https://example.org/",
            "uuid": str(uuid.uuid4()),
        }
        return formats.get(schema.get("format", ""), "Texte")

    def request_example(self, path: str, method: str) -> dict[str, Any]:
        operation = self.operation(path.split("?")[0], method)
        if operation is None:
            return {}
        content = operation.spec.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        example = self.example_of(schema) if schema else {}
        return example if isinstance(example, dict) else {}

    # --- Responses ---

    def problems(self, path: str, method: str, answer: Answer) -> list[str]:
        operation = self.operation(path.split("?")[0], method)
        if operation is None:
            return [f"{method} {path}: no operation in the schema"]
        responses = operation.spec.get("responses", {})
        documented = responses.get(str(answer.status)) or responses.get("default")
        where = f"{method} {operation.template} → {answer.status}"
        if documented is None:
            return [f"{where}: status not documented ({sorted(responses)})"]
        content = documented.get("content")
        if not content:
            return []  # documented without a body (204, a file…)
        media = content.get(answer.content_type)
        if media is None:
            return [f"{where}: content type {answer.content_type!r} not in {sorted(content)}"]
        schema = media.get("schema")
        if schema is None or answer.content_type != "application/json":
            return []
        try:
            body = json.loads(answer.body)
        except ValueError:
            return [f"{where}: body is not JSON: {answer.body[:200]!r}"]
        root = {**plain_json_schema(schema), "components": self.components}
        validator = Draft4Validator(root, format_checker=FORMATS)
        return [
            f"{where}: {'/'.join(map(str, error.absolute_path))}: {error.message[:300]}"
            for error in validator.iter_errors(body)
        ][:5]
