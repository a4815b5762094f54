"""SCIM resources ↔ our objects: reading a User or Group the directory sends (POST, PUT), applying
PATCH operations (Azure's and Okta's styles), and writing resources back.

A PATCH is applied to the resource as we hold it (a plain SCIM dict), and the result goes through
the same reading and the same service as a PUT: one set of rules for every way in. An attribute
we do not know is refused (400 invalidPath) before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django_scim.constants import SchemaURI
from django_scim.exceptions import BadRequestError

from accounts.models import User
from engagement.directory.models import DirectoryIdentity
from engagement.directory.scim_schemas import ENTERPRISE_USER, ENTRAIDE_USER
from engagement.directory.services import DirectoryGroupData, DirectoryUserData
from engagement.programmes.models import Team

Resource = dict[str, Any]

# Attributes (by lower-cased name) and their canonical spelling; sub-attributes likewise.
USER_ATTRIBUTES = {
    "username": "userName",
    "externalid": "externalId",
    "name": "name",
    "displayname": "displayName",
    "title": "title",
    "emails": "emails",
    "active": "active",
}
NAME_PARTS = {"givenname": "givenName", "familyname": "familyName", "formatted": "formatted"}
EMAIL_PARTS = {"value": "value", "primary": "primary", "type": "type", "display": "display"}
ENTERPRISE_ATTRIBUTES = {
    "employeenumber": "employeeNumber",
    "department": "department",
    "manager": "manager",
}
MANAGER_PARTS = {"value": "value", "displayname": "displayName", "$ref": "$ref"}
ENTRAIDE_ATTRIBUTES = {"site": "site"}
GROUP_ATTRIBUTES = {"displayname": "displayName", "externalid": "externalId", "members": "members"}
MEMBER_PARTS = {"value": "value", "$ref": "$ref", "display": "display", "type": "type"}
# Read-only attributes a directory may still send (Azure sends a User's displayName): accepted,
# ignored. Likewise the sub-attributes we do not keep.
IGNORED_USER_ATTRIBUTES = {"displayName"}
IGNORED_PARTS = {"formatted", "display", "type", "displayName", "$ref", "primary"}

PATH = re.compile(
    r"^(?P<attribute>[A-Za-z$][\w$-]*)(?:\[(?P<filter>[^\]]*)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$"
)
FILTER = re.compile(
    r'^\s*(?P<name>[A-Za-z$][\w$-]*)\s+eq\s+(?P<value>"[^"]*"|true|false)\s*$', re.I
)


def invalid_path(path: str) -> BadRequestError:
    return BadRequestError(f"Unknown attribute path “{path}”.", scim_type="invalidPath")


def invalid_value(detail: str) -> BadRequestError:
    return BadRequestError(detail, scim_type="invalidValue")


def _lower_keys(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise invalid_value("Expected a JSON object.")
    return {str(key).lower(): item for key, item in value.items()}


# --- Users ---------------------------------------------------------------------------------------


def user_location(base: str, identity: DirectoryIdentity) -> str:
    return f"{base}Users/{identity.scim_id}"


def user_resource(
    identity: DirectoryIdentity, *, base: str, teams: Sequence[Team] = ()
) -> Resource:
    """The SCIM User of `identity` (its user, employee profile and teams already loaded)."""
    user: User = identity.user
    profile = getattr(user, "employee_profile", None)
    full_name = " ".join(part for part in (user.first_name, user.last_name) if part)
    resource: Resource = {
        "schemas": [SchemaURI.USER, ENTERPRISE_USER, ENTRAIDE_USER],
        "id": str(identity.scim_id),
        "userName": identity.user_name,
        "name": {"givenName": user.first_name or None, "familyName": user.last_name or None},
        "displayName": full_name or identity.user_name,
        "emails": [{"value": user.email}],
        "active": user.is_active,
        "groups": [
            {"value": str(team.pk), "$ref": f"{base}Groups/{team.pk}", "display": team.name}
            for team in teams
        ],
        ENTERPRISE_USER: {},
        ENTRAIDE_USER: {},
        "meta": {
            "resourceType": "User",
            "created": identity.created_at.isoformat(),
            "lastModified": identity.updated_at.isoformat(),
            "location": user_location(base, identity),
        },
    }
    if identity.external_id:
        resource["externalId"] = identity.external_id
    if profile is not None and profile.job_title:
        resource["title"] = profile.job_title
    enterprise: dict[str, Any] = resource[ENTERPRISE_USER]
    if profile is not None and profile.employee_number:
        enterprise["employeeNumber"] = profile.employee_number
    if profile is not None and profile.department:
        enterprise["department"] = profile.department
    if identity.manager_value:
        enterprise["manager"] = {"value": identity.manager_value}
    if identity.site_value:
        resource[ENTRAIDE_USER]["site"] = identity.site_value
    return resource


def _user_writable(resource: Resource) -> Resource:
    """The part of a User a PATCH may change, as a PUT would send it."""
    return {
        "userName": resource["userName"],
        "externalId": resource.get("externalId"),
        "name": {
            "givenName": resource["name"]["givenName"],
            "familyName": resource["name"]["familyName"],
        },
        "title": resource.get("title"),
        "emails": [dict(email) for email in resource["emails"]],
        "active": resource["active"],
        ENTERPRISE_USER: {
            key: (dict(value) if isinstance(value, dict) else value)
            for key, value in resource[ENTERPRISE_USER].items()
        },
        ENTRAIDE_USER: dict(resource[ENTRAIDE_USER]),
    }


def _string(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise invalid_value(f"“{name}” must be a string.")


def _primary_email(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):  # OneLogin sends one object instead of a list.
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise invalid_value("“emails” must be a list of objects.")
    emails = [_lower_keys(item) for item in value]
    chosen = next((email for email in emails if email.get("primary") is True), None)
    chosen = chosen or (emails[0] if emails else None)
    return _string(chosen.get("value"), "emails.value") if chosen else ""


def user_data_from_resource(resource: Any) -> DirectoryUserData:
    """Read a User the directory sent (POST or PUT body, or a PATCHed resource). Unknown
    attributes of a whole resource are ignored (RFC 7644 §3.3); wrong types are refused."""
    fields = _lower_keys(resource)
    name = _lower_keys(fields.get("name") or {})
    enterprise = _lower_keys(fields.get(ENTERPRISE_USER.lower()) or {})
    entraide = _lower_keys(fields.get(ENTRAIDE_USER.lower()) or {})
    manager = enterprise.get("manager")
    if isinstance(manager, Mapping):
        manager_value = _string(_lower_keys(manager).get("value"), "manager.value")
    else:
        manager_value = _string(manager, "manager")
    active = fields.get("active", True)
    if isinstance(active, str) and active.lower() in {"true", "false"}:
        active = active.lower() == "true"  # Azure's PATCH sends "False" as a string.
    if not isinstance(active, bool):
        raise invalid_value("“active” must be true or false.")
    return DirectoryUserData(
        user_name=_string(fields.get("username"), "userName"),
        email=_primary_email(fields.get("emails")),
        external_id=_string(fields.get("externalid"), "externalId"),
        given_name=_string(name.get("givenname"), "name.givenName"),
        family_name=_string(name.get("familyname"), "name.familyName"),
        active=active,
        job_title=_string(fields.get("title"), "title"),
        employee_number=_string(enterprise.get("employeenumber"), "employeeNumber"),
        department=_string(enterprise.get("department"), "department"),
        manager_value=manager_value,
        site_value=_string(entraide.get("site"), "site"),
    )


# --- Groups --------------------------------------------------------------------------------------


def group_location(base: str, team: Team) -> str:
    return f"{base}Groups/{team.pk}"


def group_resource(team: Team, *, base: str, members: Sequence[DirectoryIdentity] = ()) -> Resource:
    resource: Resource = {
        "schemas": [SchemaURI.GROUP],
        "id": str(team.pk),
        "displayName": team.name,
        "members": [
            {"value": str(identity.scim_id), "$ref": user_location(base, identity)}
            for identity in members
        ],
        "meta": {
            "resourceType": "Group",
            "created": team.created_at.isoformat(),
            "lastModified": team.updated_at.isoformat(),
            "location": group_location(base, team),
        },
    }
    if team.external_id:
        resource["externalId"] = team.external_id
    return resource


def _group_writable(resource: Resource) -> Resource:
    return {
        "displayName": resource["displayName"],
        "externalId": resource.get("externalId"),
        "members": [{"value": member["value"]} for member in resource["members"]],
    }


def group_data_from_resource(resource: Any) -> DirectoryGroupData:
    fields = _lower_keys(resource)
    members = fields.get("members") or []
    if not isinstance(members, list):
        raise invalid_value("“members” must be a list.")
    member_ids = []
    for member in members:
        value = _lower_keys(member).get("value")
        if not isinstance(value, str) or not value:
            raise invalid_value("Each member needs a “value” (the person's id).")
        member_ids.append(value)
    return DirectoryGroupData(
        display_name=_string(fields.get("displayname"), "displayName"),
        external_id=_string(fields.get("externalid"), "externalId"),
        member_ids=list(dict.fromkeys(member_ids)),
    )


# --- PATCH ---------------------------------------------------------------------------------------


def _filter_matches(item: Mapping[str, Any], expression: str, path: str) -> bool:
    match = FILTER.match(expression)
    if match is None:
        raise BadRequestError(f"Unsupported filter in “{path}”.", scim_type="invalidFilter")
    raw = match["value"]
    wanted: Any = raw[1:-1] if raw.startswith('"') else raw.lower() == "true"
    actual = _lower_keys(item).get(match["name"].lower())
    if isinstance(wanted, str) and isinstance(actual, str):
        return actual.lower() == wanted.lower()
    return bool(actual == wanted)


class _Target:
    """Where a PATCH path points in a resource dict: a container, an attribute, optionally a
    filter on its values and a sub-attribute."""

    def __init__(
        self,
        container: dict[str, Any],
        attribute: str,
        *,
        parts: Mapping[str, str] | None,
        value_filter: str | None,
        sub: str | None,
        multi_valued: bool,
        whole_extension: bool = False,
    ) -> None:
        self.whole_extension = whole_extension
        self.container = container
        self.attribute = attribute
        self.parts = parts
        self.value_filter = value_filter
        self.sub = sub
        self.multi_valued = multi_valued


def _resolve(resource: Resource, path: str, *, is_group: bool) -> _Target:
    text = path.strip()
    container = resource
    known = GROUP_ATTRIBUTES if is_group else USER_ATTRIBUTES
    for extension, attributes in (
        (ENTERPRISE_USER, ENTERPRISE_ATTRIBUTES),
        (ENTRAIDE_USER, ENTRAIDE_ATTRIBUTES),
        (SchemaURI.USER, USER_ATTRIBUTES),
        (SchemaURI.GROUP, GROUP_ATTRIBUTES),
    ):
        if text.lower() == extension.lower() and extension in (ENTERPRISE_USER, ENTRAIDE_USER):
            if is_group:
                raise invalid_path(path)
            return _Target(
                resource[extension],
                extension,
                parts=None,
                value_filter=None,
                sub=None,
                multi_valued=False,
                whole_extension=True,
            )
        if text.lower().startswith(extension.lower() + ":"):
            if is_group != (extension == SchemaURI.GROUP):
                raise invalid_path(path)
            text = text[len(extension) + 1 :]
            if extension in (ENTERPRISE_USER, ENTRAIDE_USER):
                container = resource[extension]
            known = attributes
            break
    match = PATH.match(text)
    if match is None or match["attribute"].lower() not in known:
        raise invalid_path(path)
    attribute = known[match["attribute"].lower()]
    parts = {
        "name": NAME_PARTS,
        "emails": EMAIL_PARTS,
        "manager": MANAGER_PARTS,
        "members": MEMBER_PARTS,
    }.get(attribute)
    sub = match["sub"]
    if sub is not None:
        if parts is None or sub.lower() not in parts:
            raise invalid_path(path)
        sub = parts[sub.lower()]
    if match["filter"] is not None and attribute not in {"emails", "members"}:
        raise invalid_path(path)
    return _Target(
        container,
        attribute,
        parts=parts,
        value_filter=match["filter"],
        sub=sub,
        multi_valued=attribute in {"emails", "members"},
    )


def _complex_value(value: Any, parts: Mapping[str, str], path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise invalid_value(f"“{path}” takes an object.")
    cleaned = {}
    for key, item in value.items():
        if str(key).lower() not in parts:
            raise invalid_path(f"{path}.{key}")
        cleaned[parts[str(key).lower()]] = item
    return cleaned


def _apply(resource: Resource, op: str, path: str, value: Any, *, is_group: bool) -> None:
    target = _resolve(resource, path, is_group=is_group)
    container, attribute = target.container, target.attribute
    if target.whole_extension:
        if op == "remove":
            container.clear()
            return
        for key, item in _lower_keys(value).items():
            if key != "schemas":
                _apply(resource, op, f"{path}:{key}", item, is_group=is_group)
        return
    if attribute in IGNORED_USER_ATTRIBUTES and not is_group:
        return
    if not target.multi_valued:
        if target.sub is not None:
            if target.sub in IGNORED_PARTS:
                return
            current = container.get(attribute) or {}
            if op == "remove":
                current.pop(target.sub, None)
            else:
                current[target.sub] = value
            container[attribute] = current
        elif op == "remove":
            container.pop(attribute, None)
        elif target.parts is not None:
            merged = dict(container.get(attribute) or {}) if op == "add" else {}
            merged.update(_complex_value(value, target.parts, path))
            container[attribute] = merged
        else:
            container[attribute] = value
        return
    items: list[dict[str, Any]] = list(container.get(attribute) or [])
    if target.value_filter is not None:
        selected = [item for item in items if _filter_matches(item, target.value_filter, path)]
        if op == "remove" and target.sub is None:
            container[attribute] = [item for item in items if item not in selected]
            return
        if target.sub is None:
            raise invalid_path(path)
        if not selected:
            if op == "remove":
                return
            # Azure's `emails[type eq "work"].value`: the (only) address we keep.
            selected = [items[0]] if items and attribute == "emails" else []
            if not selected:
                new_item: dict[str, Any] = {}
                items.append(new_item)
                selected = [new_item]
        for item in selected:
            if op == "remove":
                item.pop(target.sub, None)
            else:
                item[target.sub] = value
        container[attribute] = items
        return
    if target.sub is not None:
        raise invalid_path(path)
    if op == "remove":
        if value is None:
            container[attribute] = []
            return
        # Azure removes members by sending them as the value of a `members` path.
        removed = [
            _lower_keys(item).get("value")
            for item in (value if isinstance(value, list) else [value])
        ]
        container[attribute] = [item for item in items if item.get("value") not in removed]
        return
    values = value if isinstance(value, list) else [value]
    new_items = [_complex_value(item, target.parts or {}, path) for item in values]
    if attribute == "emails" or op == "replace":
        container[attribute] = new_items
    else:
        present = {item.get("value") for item in items}
        container[attribute] = items + [
            item for item in new_items if item.get("value") not in present
        ]


def patch_apply(resource: Resource, body: Any, *, is_group: bool) -> Resource:
    """The writable part of `resource` once the PATCH `body`'s operations are applied, in
    order; BadRequestError (nothing applied) for an unknown attribute, op or value shape."""
    fields = _lower_keys(body)
    if SchemaURI.PATCH_OP not in (fields.get("schemas") or []):
        raise invalid_value(f"A PATCH names the schema {SchemaURI.PATCH_OP}.")
    operations = fields.get("operations")
    if not isinstance(operations, list) or not operations:
        raise invalid_value("A PATCH needs a non-empty “Operations” list.")
    writable = _group_writable(resource) if is_group else _user_writable(resource)
    for operation in operations:
        details = _lower_keys(operation)
        op = details.get("op")
        if not isinstance(op, str) or op.lower() not in {"add", "replace", "remove"}:
            raise invalid_value(f"Unknown PATCH op “{op}”.")
        op = op.lower()
        path = details.get("path")
        value = details.get("value")
        if path is not None and not isinstance(path, str):
            raise invalid_path(str(path))
        if path:
            _apply(writable, op, path, value, is_group=is_group)
        elif op == "remove":
            raise BadRequestError("A remove operation needs a path.", scim_type="noTarget")
        else:
            if not isinstance(value, Mapping):
                raise invalid_value("Without a path, the value is an object of attributes.")
            for key, item in value.items():
                extension = str(key)
                # Okta repeats the resource's id; schemas and meta are not attributes to set.
                if extension.lower() in {"schemas", "id", "meta"}:
                    continue
                if extension.lower() in {ENTERPRISE_USER.lower(), ENTRAIDE_USER.lower()}:
                    if not isinstance(item, Mapping):
                        raise invalid_value(f"“{extension}” takes an object.")
                    for sub_key, sub_item in item.items():
                        _apply(writable, op, f"{extension}:{sub_key}", sub_item, is_group=is_group)
                else:
                    _apply(writable, op, extension, item, is_group=is_group)
    return writable
