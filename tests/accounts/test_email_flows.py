"""E-mail accounts through allauth in each tenant's schema: sign-up (with ?next=), verification,
login, logout, password reset, e-mail change; and the login rules of cities and companies."""

from __future__ import annotations

import re
from typing import Any

from allauth.account.models import EmailAddress
from django.core import mail
from django_tenants.utils import tenant_context

from accounts.models import User
from tests.accounts.conftest import PASSWORD, login, make_user, session_user_id


def signup(client: Any, email: str, next_url: str | None = None) -> Any:
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, "accept_terms": "on"}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/signup/", data)


def link_in_last_mail(host: str, path_fragment: str) -> str:
    # Links are on the tenant's canonical origin (BASE_PORT included).
    match = re.search(
        rf"http://{re.escape(host)}(?::8000)?({path_fragment}\S+/)", mail.outbox[-1].body
    )
    assert match is not None, mail.outbox[-1].body
    return match.group(1)


def set_policy(tenant: Any, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(tenant, name, value)
    tenant.save(update_fields=list(fields))


# --- cities: open sign-up -------------------------------------------------------------------


def test_city_signup_is_signed_in_by_the_confirmation_link_and_returns_to_next(paris, client_for):
    client = client_for(paris)

    response = signup(client, "Lea@Example.org", next_url="/missions/5/")

    # The same answer as for an address that already has an account (tests/accounts/
    # test_enumeration.py): check your inbox; the link signs in and goes back to `next`.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    with tenant_context(paris):
        user = User.objects.get(email="lea@example.org")
        assert user.role == "volunteer"
        assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
            ("lea@example.org", False)
        ]
    assert session_user_id(paris, client) is None
    assert [message.to for message in mail.outbox] == [["lea@example.org"]]
    assert mail.outbox[0].subject.startswith("[Paris] ")
    confirmed = client.post(link_in_last_mail("paris.entraide.test", "/accounts/confirm-email/"))
    assert confirmed["Location"] == "/missions/5/"
    assert session_user_id(paris, client) == str(user.pk)


def test_signup_page_keeps_next_in_the_form(paris, client_for):
    page = client_for(paris).get("/accounts/signup/?next=/missions/5/")

    assert page.status_code == 200
    assert 'name="next" value="/missions/5/"' in page.content.decode()


def test_login_page_links_to_signup_with_next(paris, client_for):
    page = client_for(paris).get("/accounts/login/?next=/missions/5/")

    assert 'href="/accounts/signup/?next=%2Fmissions%2F5%2F"' in page.content.decode()


def test_signup_with_unsafe_next_goes_home(paris, client_for):
    client = client_for(paris)
    signup(client, "lea@example.org", next_url="https://evil.example/")

    response = client.post(link_in_last_mail("paris.entraide.test", "/accounts/confirm-email/"))

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_confirmation_link_verifies_the_address(paris, client_for):
    client = client_for(paris)
    signup(client, "lea@example.org")

    response = client.post(link_in_last_mail("paris.entraide.test", "/accounts/confirm-email/"))

    assert response.status_code == 302
    with tenant_context(paris):
        assert EmailAddress.objects.get(email="lea@example.org").verified is True


def test_signup_form_errors_are_linked_to_their_field(paris, client_for):
    make_user(paris, "lea@example.org")

    page = signup(client_for(paris), "not-an-address").content.decode()

    assert 'aria-describedby="id_email_errors"' in page
    assert 'aria-invalid="true"' in page
    assert 'id="id_email_errors"' in page
    assert '<label for="id_email">' in page


def test_same_email_in_two_tenants_is_two_accounts(paris, montreal, client_for):
    signup(client_for(paris), "lea@example.org")
    signup(client_for(montreal), "lea@example.org")

    with tenant_context(paris):
        paris_user = User.objects.get(email="lea@example.org")
    with tenant_context(montreal):
        montreal_user = User.objects.get(email="lea@example.org")
    assert paris_user.password != montreal_user.password  # each hashed with its own salt


# --- companies: SSO or allowed domains ------------------------------------------------------


def test_company_without_allowed_domains_has_signup_closed(acme, client_for):
    before = User.objects.count()

    page = client_for(acme).post(
        "/accounts/signup/",
        {
            "email": "bob@acme.example",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_terms": "on",
        },
    )

    assert page.status_code == 200
    assert 'data-reason="company"' in page.content.decode()
    with tenant_context(acme):
        assert User.objects.filter(email="bob@acme.example").exists() is False
    assert User.objects.count() == before


def test_company_refuses_an_address_outside_its_domains(acme, client_for):
    set_policy(acme, allowed_email_domains=["acme.example"])

    page = signup(client_for(acme), "bob@gmail.example")

    assert page.status_code == 200
    assert "Sign up with your work address (acme.example)." in page.content.decode()
    with tenant_context(acme):
        assert User.objects.filter(email="bob@gmail.example").exists() is False


def test_company_signup_needs_the_address_confirmed_before_use(acme, client_for):
    set_policy(acme, allowed_email_domains=["acme.example"])
    client = client_for(acme)

    response = signup(client, "bob@acme.example", next_url="/missions/1/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert session_user_id(acme, client) is None
    assert login(client_for(acme), "bob@acme.example")["Location"] == "/accounts/confirm-email/"

    confirmed = client.post(link_in_last_mail("acme.entraide.test", "/accounts/confirm-email/"))

    assert confirmed.status_code == 302
    with tenant_context(acme):
        user = User.objects.get(email="bob@acme.example")
    assert session_user_id(acme, client) == str(user.pk)


# --- login, logout, password, e-mail ----------------------------------------------------------


def test_login_and_logout(paris, client_for):
    user = make_user(paris, "lea@example.org")
    client = client_for(paris)

    response = login(client, "LEA@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert session_user_id(paris, client) == str(user.pk)
    assert client.post("/accounts/logout/").status_code == 302
    assert session_user_id(paris, client) is None


def test_wrong_password_is_refused(acme, client_for):
    make_user(acme, "bob@acme.example")
    client = client_for(acme)

    response = login(client, "bob@acme.example", "wrong password")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<div class="error-summary" role="alert" id="form_non_field_errors">' in page
    assert "The email address and/or password you specified are not correct." in page
    assert session_user_id(acme, client) is None


def test_password_reset_by_email(paris, client_for):
    make_user(paris, "lea@example.org")
    client = client_for(paris)

    assert client.post("/accounts/password/reset/", {"email": "lea@example.org"}).status_code == 302
    link = link_in_last_mail("paris.entraide.test", "/accounts/password/reset/key/")
    form_url = client.get(link)["Location"]
    done = client.post(
        form_url, {"password1": "a new long passphrase", "password2": "a new long passphrase"}
    )

    assert done.status_code == 302
    assert login(client_for(paris), "lea@example.org", "a new long passphrase").status_code == 302
    assert login(client_for(paris), "lea@example.org").status_code == 200


def test_add_email_address_sends_a_confirmation(paris, client_for):
    user = make_user(paris, "lea@example.org")
    client = client_for(paris)
    login(client, "lea@example.org")
    mail.outbox.clear()

    response = client.post("/accounts/email/", {"action_add": "", "email": "lea@work.example"})

    assert response.status_code == 302
    with tenant_context(paris):
        assert sorted(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
            ("lea@example.org", True),
            ("lea@work.example", False),
        ]
    assert [message.to for message in mail.outbox] == [["lea@work.example"]]


def test_company_refuses_adding_an_address_outside_its_domains(acme, client_for):
    set_policy(acme, allowed_email_domains=["acme.example"])
    user = make_user(acme, "bob@acme.example")
    client = client_for(acme)
    login(client, "bob@acme.example")

    response = client.post("/accounts/email/", {"action_add": "", "email": "bob@gmail.example"})

    assert response.status_code == 200
    assert "Only addresses of these domains can be used here: acme.example." in (
        response.content.decode()
    )
    with tenant_context(acme):
        assert EmailAddress.objects.filter(user=user).count() == 1


def test_pages_speak_the_tenant_language(paris, acme, client_for):
    paris_page = client_for(paris).get("/accounts/login/").content.decode()
    acme_page = client_for(acme).get("/accounts/login/").content.decode()

    assert "<h1>Se connecter</h1>" in paris_page
    assert "Mot de passe oublié ?" in paris_page or "Mot de passe oublié" in paris_page
    assert "<h1>Sign in</h1>" in acme_page
