"""The browser's part of a SAML login in tests: start at our SP, visit the IdP, post to the ACS."""

from __future__ import annotations

from typing import Any

from tests.accounts.conftest import SamlSetup
from tests.accounts.idp.saml_idp import EMAIL, GIVEN_NAME, SURNAME

JANE = {EMAIL: ["jane@acme.example"], GIVEN_NAME: ["Jane"], SURNAME: ["Doe"]}
FINISH = "/accounts/saml/acme/acs/finish/"


def start_login(client: Any, setup: SamlSetup, next_url: str = "/missions/42/") -> Any:
    response = client.post(f"/accounts/saml/acme/login/?next={next_url}")
    assert response.status_code == 302
    seen = setup.idp.receive(response["Location"])
    assert seen.signed is True
    return seen


def respond(setup: SamlSetup, seen: Any, **overrides: Any) -> str:
    arguments = {
        "in_response_to": seen.id,
        "destination": seen.acs_url,
        "sp_entity_id": seen.issuer,
        "subject": "jane-0001",
        "attributes": JANE,
    }
    arguments.update(overrides)
    return setup.idp.respond(**arguments)


def post_to_acs(client: Any, saml_response: str, relay_state: str = "") -> Any:
    acs = client.post(
        "/accounts/saml/acme/acs/", {"SAMLResponse": saml_response, "RelayState": relay_state}
    )
    assert acs.status_code == 302
    assert acs["Location"] == FINISH
    return client.get(FINISH)
