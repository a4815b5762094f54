"""What the company's identity provider says of a person beyond their name — department, site,
manager, job title, employee number, the groups they belong to — read at each sign-in and handed
to whoever keeps it.

accounts keeps no such profile (and never imports a domain): a domain registers a consumer in its
AppConfig.ready (`register_profile_consumer`, as tenants.provisioning_steps does for provisioning
steps), and every SAML or OpenID Connect sign-in calls the consumers with the values found.

Which SAML attribute or OIDC claim carries each value is set per connection
(`settings["profile_attributes"]`: our key → attribute names, the first present wins); without
it, the defaults below.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from allauth.socialaccount.models import SocialApp

from accounts.models import User

logger = logging.getLogger(__name__)

# Our keys, in the order the settings pages show them.
PROFILE_KEYS = ("department", "site", "manager", "job_title", "employee_number", "teams")
# Keys whose attribute carries several values (each one a name): handed over as a list.
MULTI_VALUED_KEYS = frozenset({"teams"})
MAX_VALUES_PER_KEY = 50
# An LDAP distinguished name's first part (memberOf: "CN=Finance,OU=Groups,DC=acme,DC=com").
DISTINGUISHED_NAME = re.compile(r"^\s*cn=([^,]+),", re.IGNORECASE)
MAX_NAMES_PER_KEY = 5
MAX_NAME_LENGTH = 200
# Longer values are cut (the profile's fields are shorter anyway).
MAX_VALUE_LENGTH = 254

# Friendly names first, then the LDAP attributes' OIDs (what IdPs send with the URI name format).
DEFAULT_SAML_PROFILE_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "department": ("department",),
    # physicalDeliveryOfficeName is urn:oid:2.5.4.19.
    "site": ("site", "physicalDeliveryOfficeName", "urn:oid:2.5.4.19"),
    # The manager's e-mail address.
    "manager": ("manager",),
    # title is urn:oid:2.5.4.12.
    "job_title": ("title", "jobTitle", "urn:oid:2.5.4.12"),
    # employeeNumber (inetOrgPerson) is urn:oid:2.16.840.1.113730.3.1.3.
    "employee_number": ("employeeNumber", "urn:oid:2.16.840.1.113730.3.1.3"),
    # The person's groups, which become teams; memberOf is urn:oid:1.2.840.113556.1.2.102.
    "teams": ("groups", "memberOf", "urn:oid:1.2.840.113556.1.2.102"),
}
DEFAULT_OIDC_PROFILE_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "department": ("department",),
    "site": ("site",),
    "manager": ("manager_email",),
    "job_title": ("job_title",),
    "employee_number": ("employee_number",),
    "teams": ("groups",),
}

ProfileConsumer = Callable[..., None]
_consumers: dict[str, ProfileConsumer] = {}


def register_profile_consumer(name: str, consumer: ProfileConsumer) -> None:
    """`consumer(user=..., attributes=...)` runs at each SSO sign-in, inside the sign-in's
    request, with the values found (our keys → text; a list of names for MULTI_VALUED_KEYS).
    Registering a name again replaces it."""
    _consumers[name] = consumer


def profile_consumers() -> Mapping[str, ProfileConsumer]:
    return dict(_consumers)


def default_profile_attributes(provider: str) -> dict[str, list[str]]:
    defaults = (
        DEFAULT_SAML_PROFILE_ATTRIBUTES if provider == "saml" else DEFAULT_OIDC_PROFILE_ATTRIBUTES
    )
    return {key: list(names) for key, names in defaults.items()}


def app_profile_attributes(app: SocialApp) -> dict[str, list[str]]:
    """The connection's mapping (our key → attribute names), or the provider's defaults."""
    stored = (app.settings or {}).get("profile_attributes")
    if not isinstance(stored, Mapping):
        return default_profile_attributes(app.provider)
    return {
        key: [str(name) for name in stored.get(key) or [] if name]
        for key in PROFILE_KEYS
        if stored.get(key)
    }


def profile_attributes_clean(mapping: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """A mapping as stored: known keys only, a few short names each. ValueError names the key
    at fault."""
    cleaned: dict[str, list[str]] = {}
    for key, names in mapping.items():
        if key not in PROFILE_KEYS:
            raise ValueError(key)
        kept = list(dict.fromkeys(str(name).strip() for name in names if str(name).strip()))
        if len(kept) > MAX_NAMES_PER_KEY or any(len(name) > MAX_NAME_LENGTH for name in kept):
            raise ValueError(key)
        if kept:
            cleaned[key] = kept
    return cleaned


def _first_text(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        value = next((item for item in value if isinstance(item, str) and item.strip()), None)
    if isinstance(value, str):
        return value.strip()[:MAX_VALUE_LENGTH]
    return None


def _texts(value: Any) -> list[str]:
    """Every value of a multi-valued attribute, as names (an LDAP DN gives its CN)."""
    values = value if isinstance(value, list | tuple) else [value]
    names: list[str] = []
    for item in values:
        if not isinstance(item, str) or not item.strip():
            continue
        dn = DISTINGUISHED_NAME.match(item)
        name = (dn.group(1) if dn else item).strip()[:MAX_VALUE_LENGTH]
        if name and name not in names:
            names.append(name)
    return names[:MAX_VALUES_PER_KEY]


def profile_values(app: SocialApp, data: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The values `data` (SAML attributes, lists of values; or OIDC claims) carries, by our
    keys. A key whose attributes are all absent is left out (nothing to change)."""
    userinfo, id_token = data.get("userinfo"), data.get("id_token")
    if isinstance(userinfo, Mapping) or isinstance(id_token, Mapping):
        # allauth keeps an OIDC login's claims as {"userinfo": …, "id_token": …}.
        data = {
            **(id_token if isinstance(id_token, Mapping) else {}),
            **(userinfo if isinstance(userinfo, Mapping) else {}),
        }
    found: dict[str, str | list[str]] = {}
    for key, names in app_profile_attributes(app).items():
        for name in names:
            if name in data and key in MULTI_VALUED_KEYS:
                # An empty list is an answer too: the person belongs to no group any more.
                found[key] = _texts(data[name])
                break
            if name in data:
                value = _first_text(data[name])
                if value is not None:
                    found[key] = value
                    break
    return found


def profile_attributes_deliver(*, user: User, app: SocialApp, data: Mapping[str, Any]) -> None:
    """Hand what the identity provider sent to every registered consumer."""
    values = profile_values(app, data)
    if not values:
        return
    for name, consumer in profile_consumers().items():
        consumer(user=user, attributes=values)
        logger.info(
            "sso.profile_attributes_delivered",
            extra={"user_id": user.pk, "consumer": name, "keys": sorted(values)},
        )
