"""No account enumeration: sign-up and password reset answer the same whether an address has an
account or not; the owner of an existing account hears about it by e-mail instead."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django_tenants.utils import tenant_context

from accounts.models import User
from tests.accounts.conftest import PASSWORD, make_user, session_user_id

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _signup(client: Any, email: str, next_url: str = "/missions/5/") -> Any:
    data = {
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_terms": "on",
        "next": next_url,
    }
    return client.post("/accounts/signup/", data)


def _observable(response: Any, client: Any) -> tuple[int, str, str]:
    """What a visitor sees of an answer: status, where it leads, and the page it leads to."""
    location = response.get("Location", "")
    landing = client.get(location) if location else response
    body = CSRF_TOKEN.sub("", landing.content.decode())
    return (
        response.status_code,
        location,
        body.replace("lea@example.org", "EMAIL").replace("new@example.org", "EMAIL"),
    )


def test_signup_answers_the_same_for_an_existing_and_a_new_address(paris, client_for):
    existing = make_user(paris, "lea@example.org")
    existing_client, new_client = client_for(paris), client_for(paris)

    on_existing = _signup(existing_client, "lea@example.org")
    existing_seen = _observable(on_existing, existing_client)
    existing_mails = [(message.to, message.subject) for message in mail.outbox]
    mail.outbox.clear()
    on_new = _signup(new_client, "new@example.org")
    new_seen = _observable(on_new, new_client)
    new_mails = [(message.to, message.subject) for message in mail.outbox]

    assert existing_seen == new_seen
    assert existing_seen[:2] == (302, "/accounts/confirm-email/")
    # One e-mail each; the owner of the account is told, nothing is created or changed for them.
    assert [to for to, _ in existing_mails] == [["lea@example.org"]]
    assert [to for to, _ in new_mails] == [["new@example.org"]]
    assert session_user_id(paris, existing_client) is None
    assert session_user_id(paris, new_client) is None
    with tenant_context(paris):
        assert User.objects.filter(email="lea@example.org").count() == 1
        assert User.objects.get(pk=existing.pk).password == existing.password


def test_the_owner_of_an_existing_account_is_told_by_email(paris, client_for):
    make_user(paris, "lea@example.org")

    _signup(client_for(paris), "lea@example.org")

    (message,) = mail.outbox
    assert message.to == ["lea@example.org"]
    # allauth's "account already exists" message (in the tenant's language): no confirmation
    # link, a way back in through the password reset page.
    assert "/accounts/confirm-email/" not in message.body
    assert "http://paris.entraide.test:8000/accounts/password/reset/\n" in message.body


def test_signup_on_a_company_answers_the_same_for_an_existing_address(acme, client_for):
    acme.allowed_email_domains = ["acme.example"]
    acme.save(update_fields=["allowed_email_domains"])
    make_user(acme, "bob@acme.example")
    existing_client, new_client = client_for(acme), client_for(acme)

    on_existing = _signup(existing_client, "bob@acme.example")
    on_new = _signup(new_client, "carol@acme.example")

    assert (on_existing.status_code, on_existing["Location"]) == (302, "/accounts/confirm-email/")
    assert (on_new.status_code, on_new["Location"]) == (302, "/accounts/confirm-email/")
    assert [message.to for message in mail.outbox] == [["bob@acme.example"], ["carol@acme.example"]]


def test_a_new_account_is_signed_in_by_its_confirmation_link_and_returns_to_next(paris, client_for):
    client = client_for(paris)
    _signup(client, "new@example.org", next_url="/missions/5/")
    link = re.search(
        r"http://paris\.entraide\.test:8000(/accounts/confirm-email/\S+/)", mail.outbox[0].body
    )
    assert link is not None

    confirmed = client.post(link.group(1))

    with tenant_context(paris):
        user = User.objects.get(email="new@example.org")
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/missions/5/"
    assert session_user_id(paris, client) == str(user.pk)


def test_password_reset_answers_the_same_for_an_existing_and_an_unknown_address(paris, client_for):
    make_user(paris, "lea@example.org")
    existing_client, unknown_client = client_for(paris), client_for(paris)

    on_existing = existing_client.post("/accounts/password/reset/", {"email": "lea@example.org"})
    existing_seen = _observable(on_existing, existing_client)
    on_unknown = unknown_client.post("/accounts/password/reset/", {"email": "new@example.org"})
    unknown_seen = _observable(on_unknown, unknown_client)

    assert existing_seen == unknown_seen
    assert existing_seen[:2] == (302, "/accounts/password/reset/done/")
    # One e-mail to each address: a reset link to the owner, "no account here" to the other.
    assert [message.to for message in mail.outbox] == [["lea@example.org"], ["new@example.org"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body
