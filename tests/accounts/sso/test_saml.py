"""SAML 2.0 against a real pysaml2 identity provider in the test process.

Every response is built and signed by pysaml2 with its own key; Entraide checks it with the
certificate it took from the IdP's metadata. No check is switched off: the refused cases are
refused by the real validation (python3-saml in strict mode, and our replay/state checks).
"""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django_tenants.utils import tenant_context

from accounts.models import User
from tests.accounts.conftest import make_user, session_user_id
from tests.accounts.idp.saml_idp import EMAIL, GIVEN_NAME, SHA1, SURNAME, decode, encode
from tests.accounts.sso.saml_flow import FINISH, JANE, post_to_acs, respond, start_login


def counts(acme: Any) -> tuple[int, int]:
    with tenant_context(acme):
        return User.objects.count(), SocialAccount.objects.count()


def assert_refused(response: Any, code: str, status: int = 401) -> None:
    assert response.status_code == status
    assert f'data-code="{code}"' in response.content.decode()


def test_valid_response_signs_in_and_creates_the_account_just_in_time(acme, client_for, acme_saml):
    client = client_for(acme)
    seen = start_login(client, acme_saml)

    response = post_to_acs(client, respond(acme_saml, seen))

    assert response.status_code == 302
    assert response["Location"] == "/missions/42/"
    with tenant_context(acme):
        user = User.objects.get(email="jane@acme.example")
        assert (user.first_name, user.last_name, user.role) == ("Jane", "Doe", "volunteer")
        assert user.has_usable_password() is False
        assert list(SocialAccount.objects.filter(user=user).values_list("provider", "uid")) == [
            ("saml", "jane-0001")
        ]
        assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
            ("jane@acme.example", True)
        ]
    assert session_user_id(acme, client) == str(user.pk)


def test_authn_request_is_signed_sha256_and_names_our_acs(acme, client_for, acme_saml):
    seen = start_login(client_for(acme), acme_saml)

    assert seen.issuer == acme_saml.sp_entity_id
    assert seen.acs_url == acme_saml.acs_url
    assert seen.id.startswith("ONELOGIN_")


def test_next_login_updates_names_from_the_identity_provider(acme, client_for, acme_saml):
    client = client_for(acme)
    post_to_acs(client, respond(acme_saml, start_login(client, acme_saml)))
    client.post("/accounts/logout/")

    second = client_for(acme)
    renamed = {EMAIL: ["jane@acme.example"], GIVEN_NAME: ["Janet"], SURNAME: ["Doe-Martin"]}
    response = post_to_acs(
        second, respond(acme_saml, start_login(second, acme_saml), attributes=renamed)
    )

    assert response.status_code == 302
    with tenant_context(acme):
        assert list(
            User.objects.filter(email="jane@acme.example").values_list("first_name", "last_name")
        ) == [("Janet", "Doe-Martin")]
        assert SocialAccount.objects.count() == 1


def test_existing_verified_account_of_an_allowed_domain_is_connected(acme, client_for, acme_saml):
    existing = make_user(acme, "jane@acme.example", first_name="J")
    client = client_for(acme)

    response = post_to_acs(client, respond(acme_saml, start_login(client, acme_saml)))

    assert response.status_code == 302
    assert session_user_id(acme, client) == str(existing.pk)
    with tenant_context(acme):
        assert User.objects.filter(email="jane@acme.example").count() == 1
        assert SocialAccount.objects.get().user_id == existing.pk


def test_address_outside_the_allowed_domains_is_refused_without_account(
    acme, client_for, acme_saml
):
    client = client_for(acme)
    before = counts(acme)
    outsider = {EMAIL: ["mallory@evil.example"], GIVEN_NAME: ["M"], SURNAME: ["X"]}

    response = post_to_acs(
        client, respond(acme_saml, start_login(client, acme_saml), attributes=outsider)
    )

    assert_refused(response, "email_domain_not_allowed", status=403)
    assert counts(acme) == before


def test_response_without_email_is_refused(acme, client_for, acme_saml):
    client = client_for(acme)
    before = counts(acme)

    response = post_to_acs(
        client,
        respond(acme_saml, start_login(client, acme_saml), attributes={GIVEN_NAME: ["Jane"]}),
    )

    assert_refused(response, "email_missing", status=403)
    assert counts(acme) == before


def test_tampered_attribute_is_refused(acme, client_for, acme_saml, refusals):
    client = client_for(acme)
    before = counts(acme)
    signed = decode(respond(acme_saml, start_login(client, acme_saml)))
    assert signed.count("jane@acme.example") == 1
    tampered = encode(signed.replace("jane@acme.example", "ceo@acme.example"))

    response = post_to_acs(client, tampered)

    assert_refused(response, "saml_invalid_response")
    assert refusals() == [
        ("saml_invalid_response", "Signature validation failed. SAML Response rejected")
    ]
    assert counts(acme) == before


def test_response_for_another_audience_is_refused(acme, client_for, acme_saml, refusals):
    client = client_for(acme)
    before = counts(acme)
    seen = start_login(client, acme_saml)
    other_sp = "https://other-app.example/saml/metadata"
    acme_saml.idp.trust_sp(acme_saml.idp.sp_metadata[0].replace(seen.issuer, other_sp))

    response = post_to_acs(client, respond(acme_saml, seen, sp_entity_id=other_sp))

    assert_refused(response, "saml_invalid_response")
    assert refusals() == [
        (
            "saml_invalid_response",
            "http://acme.entraide.test/accounts/saml/acme/metadata/ "
            "is not a valid audience for this Response",
        )
    ]
    assert counts(acme) == before


def test_response_sent_to_another_recipient_is_refused(acme, client_for, acme_saml, refusals):
    client = client_for(acme)
    before = counts(acme)
    seen = start_login(client, acme_saml)

    response = post_to_acs(
        client,
        respond(acme_saml, seen, destination="http://paris.entraide.test/accounts/saml/acme/acs/"),
    )

    assert_refused(response, "saml_invalid_response")
    assert refusals() == [
        (
            "saml_invalid_response",
            "The response was received at http://acme.entraide.test/accounts/saml/acme/acs/ "
            "instead of http://paris.entraide.test/accounts/saml/acme/acs/",
        )
    ]
    assert counts(acme) == before


def test_expired_assertion_is_refused(acme, client_for, acme_saml, refusals):
    client = client_for(acme)
    before = counts(acme)

    # Issued with a validity that ended 15 minutes ago (beyond the 5 minutes of clock drift).
    response = post_to_acs(
        client, respond(acme_saml, start_login(client, acme_saml), lifetime_minutes=-15)
    )

    assert_refused(response, "saml_invalid_response")
    assert refusals() == [
        ("saml_invalid_response", "Could not validate timestamp: expired. Check system clock.")
    ]
    assert counts(acme) == before


def test_sha1_signed_response_is_refused(acme, client_for, acme_saml, refusals):
    client = client_for(acme)
    before = counts(acme)

    response = post_to_acs(
        client, respond(acme_saml, start_login(client, acme_saml), algorithms=SHA1)
    )

    assert_refused(response, "saml_invalid_response")
    assert refusals() == [
        (
            "saml_invalid_response",
            "Deprecated signature algorithm found: http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        )
    ]
    assert counts(acme) == before


@pytest.mark.parametrize(
    ("sign_response", "sign_assertion"),
    [(False, False), (True, False), (False, True)],
    ids=["unsigned", "assertion-unsigned", "response-unsigned"],
)
def test_response_without_both_signatures_is_refused(
    acme, client_for, acme_saml, refusals, sign_response, sign_assertion
):
    client = client_for(acme)
    before = counts(acme)

    response = post_to_acs(
        client,
        respond(
            acme_saml,
            start_login(client, acme_saml),
            sign_response=sign_response,
            sign_assertion=sign_assertion,
        ),
    )

    assert_refused(response, "saml_invalid_response")
    # python3-saml names the first missing signature it finds: the assertion's, then the message's.
    missing = "Message" if sign_assertion else "Assertion"
    assert refusals() == [
        (
            "saml_invalid_response",
            f"The {missing} of the Response is not signed and the SP require it",
        )
    ]
    assert counts(acme) == before


def test_replayed_response_is_refused(acme, client_for, acme_saml):
    victim = client_for(acme)
    saml_response = respond(acme_saml, start_login(victim, acme_saml))
    assert post_to_acs(victim, saml_response).status_code == 302
    victim.post("/accounts/logout/")
    before = counts(acme)

    same_browser = post_to_acs(victim, saml_response)
    attacker = post_to_acs(client_for(acme), saml_response)

    assert_refused(same_browser, "saml_replayed")
    assert_refused(attacker, "saml_replayed")
    assert counts(acme) == before


def test_idp_initiated_login_is_refused(acme, client_for, acme_saml):
    client = client_for(acme)
    before = counts(acme)
    unsolicited = acme_saml.idp.respond(
        in_response_to=None,
        destination=acme_saml.acs_url,
        sp_entity_id=acme_saml.sp_entity_id,
        subject="jane-0001",
        attributes=JANE,
    )

    response = post_to_acs(client, unsolicited, relay_state="/admin/")

    assert_refused(response, "saml_idp_initiated")
    assert counts(acme) == before


def test_response_to_a_request_of_another_browser_is_refused(acme, client_for, acme_saml):
    requester = client_for(acme)
    saml_response = respond(acme_saml, start_login(requester, acme_saml))
    before = counts(acme)

    response = post_to_acs(client_for(acme), saml_response)

    assert_refused(response, "state_mismatch")
    assert counts(acme) == before


def test_finish_without_acs_session_is_refused(acme, client_for, acme_saml):
    response = client_for(acme).get(FINISH)

    assert_refused(response, "saml_session_missing", status=400)


def test_acme_saml_connection_is_unknown_on_paris(acme, paris, client_for, acme_saml):
    paris_client = client_for(paris)
    seen = start_login(client_for(acme), acme_saml)
    saml_response = respond(acme_saml, seen)

    assert paris_client.get("/accounts/saml/acme/metadata/").status_code == 404
    assert paris_client.post("/accounts/saml/acme/login/").status_code == 404
    acs = paris_client.post("/accounts/saml/acme/acs/", {"SAMLResponse": saml_response})
    assert paris_client.get(acs["Location"]).status_code == 404
    with tenant_context(paris):
        assert User.objects.filter(email="jane@acme.example").exists() is False


def test_sp_metadata_publishes_our_signing_certificate_and_acs(acme, client_for, acme_saml):
    metadata = client_for(acme).get("/accounts/saml/acme/metadata/").content.decode()

    assert f'entityID="{acme_saml.sp_entity_id}"' in metadata
    assert 'AuthnRequestsSigned="true"' in metadata
    assert 'WantAssertionsSigned="true"' in metadata
    assert f'Location="{acme_saml.acs_url}"' in metadata
    assert "<ds:X509Certificate>" in metadata
