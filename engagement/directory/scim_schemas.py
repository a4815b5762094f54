"""What /scim/v2/ publishes of itself (RFC 7643 §5–§7): the service provider's configuration,
the resource types and the schemas. They describe exactly what we keep, so that a directory (or
a conformance tester) never sends an attribute expecting it back when we drop it."""

from __future__ import annotations

from typing import Any

from django_scim.constants import SchemaURI

ENTERPRISE_USER = SchemaURI.ENTERPRISE_USER
# Our own extension: the office the person works at (a Site's external_id or name).
ENTRAIDE_USER = "urn:ietf:params:scim:schemas:extension:entraide:2.0:User"
SCHEMA_URI = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def _attribute(
    name: str,
    *,
    kind: str = "string",
    description: str = "",
    required: bool = False,
    multi_valued: bool = False,
    mutability: str = "readWrite",
    uniqueness: str = "none",
    case_exact: bool = False,
    sub_attributes: list[dict[str, Any]] | None = None,
    reference_types: list[str] | None = None,
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "name": name,
        "type": kind,
        "multiValued": multi_valued,
        "description": description or name,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": uniqueness,
    }
    if sub_attributes is not None:
        attribute["subAttributes"] = sub_attributes
    if reference_types is not None:
        attribute["referenceTypes"] = reference_types
    return attribute


def _schema(uri: str, name: str, attributes: list[dict[str, Any]], location: str) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA_URI],
        "id": uri,
        "name": name,
        "description": name,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{location}Schemas/{uri}"},
    }


def schemas(base: str) -> list[dict[str, Any]]:
    """The four schemas, their locations under `base` (the /scim/v2/ URL, with its slash)."""
    return [
        _schema(
            SchemaURI.USER,
            "User",
            [
                _attribute(
                    "userName",
                    required=True,
                    uniqueness="server",
                    description="Unique identifier of the person, usually an e-mail address.",
                ),
                _attribute(
                    "name",
                    kind="complex",
                    sub_attributes=[_attribute("givenName"), _attribute("familyName")],
                ),
                _attribute("displayName", mutability="readOnly"),
                _attribute("title", description="Job title."),
                _attribute(
                    "emails",
                    kind="complex",
                    multi_valued=True,
                    required=True,
                    description="The person's e-mail address: one is kept (the primary one, or the "
                    "first), and it is the one sent back.",
                    sub_attributes=[_attribute("value", required=True)],
                ),
                # Required here (RFC 7643 leaves it optional): an account is active or not;
                # a User sent without it is active.
                _attribute("active", kind="boolean", required=True),
                _attribute(
                    "groups",
                    kind="complex",
                    multi_valued=True,
                    mutability="readOnly",
                    sub_attributes=[
                        _attribute("value", mutability="readOnly"),
                        _attribute(
                            "$ref",
                            kind="reference",
                            mutability="readOnly",
                            reference_types=["Group"],
                        ),
                        _attribute("display", mutability="readOnly"),
                    ],
                ),
            ],
            base,
        ),
        _schema(
            ENTERPRISE_USER,
            "EnterpriseUser",
            [
                _attribute("employeeNumber"),
                _attribute("department"),
                _attribute(
                    "manager",
                    kind="complex",
                    description="The id (SCIM) of the person's manager.",
                    sub_attributes=[_attribute("value")],
                ),
            ],
            base,
        ),
        _schema(
            ENTRAIDE_USER,
            "EntraideUser",
            [_attribute("site", description="The office: a site's external id or name.")],
            base,
        ),
        _schema(
            SchemaURI.GROUP,
            "Group",
            [
                _attribute("displayName", required=True, uniqueness="server"),
                _attribute(
                    "members",
                    kind="complex",
                    multi_valued=True,
                    sub_attributes=[
                        _attribute("value", mutability="immutable"),
                        _attribute(
                            "$ref",
                            kind="reference",
                            mutability="immutable",
                            reference_types=["User"],
                        ),
                    ],
                ),
            ],
            base,
        ),
    ]


def resource_types(base: str) -> list[dict[str, Any]]:
    return [
        {
            "schemas": [SchemaURI.RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person of the company",
            "schema": SchemaURI.USER,
            "schemaExtensions": [
                {"schema": ENTERPRISE_USER, "required": False},
                {"schema": ENTRAIDE_USER, "required": False},
            ],
            "meta": {"resourceType": "ResourceType", "location": f"{base}ResourceTypes/User"},
        },
        {
            "schemas": [SchemaURI.RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A team of the company",
            "schema": SchemaURI.GROUP,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": f"{base}ResourceTypes/Group"},
        },
    ]


# Pages of lists: at most this many resources per page, whatever `count` asks.
MAX_RESULTS = 200


def service_provider_config(base: str) -> dict[str, Any]:
    return {
        "schemas": [SchemaURI.SERVICE_PROVIDER_CONFIG],
        "documentationUri": None,
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The token made in the back office (Company directory page).",
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base}ServiceProviderConfig",
        },
    }
