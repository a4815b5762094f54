"""Sign-up asks to accept the terms of use (a required checkbox with links to the terms and the
privacy policy) and records the version accepted."""

from __future__ import annotations

import re

from django.core import mail
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants.legal.defaults import VersionContent
from tenants.legal.models import TermsAcceptance
from tenants.legal.services import legal_version_publish
from tests.accounts.conftest import PASSWORD, make_user

BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}


def _signup(client, email: str, **extra: str):  # type: ignore[no-untyped-def]
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post("/accounts/signup/?next=/profil/", data)


def test_the_sign_up_form_has_a_required_checkbox_with_links(paris, client_for):
    page = client_for(paris).get("/accounts/signup/").content.decode()

    checkbox = re.search(r'<input[^>]*name="accept_terms"[^>]*>', page)
    assert checkbox is not None
    assert 'type="checkbox"' in checkbox.group(0)
    assert "required" in checkbox.group(0)
    assert '<label for="id_accept_terms">J’accepte les conditions d’utilisation</label>' in page
    assert '<a href="/conditions/">Lire les conditions d’utilisation</a>' in page
    assert '<a href="/confidentialite/">Lire la politique de confidentialité</a>' in page


def test_the_english_form_says_it_in_english(acme, client_for):
    acme.allowed_email_domains = ["acme.example"]
    acme.save(update_fields=["allowed_email_domains"])

    page = client_for(acme).get("/accounts/signup/").content.decode()

    assert '<label for="id_accept_terms">I accept the terms of use</label>' in page
    assert '<a href="/conditions/">Read the terms of use</a>' in page


def test_signing_up_without_accepting_creates_nothing(paris, client_for):
    with tenant_context(paris):
        users = User.objects.count()

    response = _signup(client_for(paris), "lea@example.org")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Acceptez les conditions d’utilisation pour créer votre compte." in page
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="accept_terms"[^>]*>', page).group(
        0
    )  # type: ignore[union-attr]
    assert mail.outbox == []
    with tenant_context(paris):
        assert User.objects.count() == users
        assert not TermsAcceptance.objects.exists()


def test_signing_up_records_the_version_accepted(paris, client_for):
    with tenant_context(paris):
        latest = legal_version_publish(
            kind="terms", content=VersionContent(bodies={"fr": "<p>v2</p>"}), actor=None
        )

    response = _signup(client_for(paris), "lea@example.org", accept_terms="on")

    assert response.status_code == 302
    with tenant_context(paris):
        user = User.objects.get(email="lea@example.org")
        acceptance = TermsAcceptance.objects.get(user=user)
        assert (acceptance.version.number, acceptance.source) == (latest.number, "signup")


def test_a_new_member_is_not_asked_again_after_signing_up(paris, client_for):
    client = client_for(paris)
    _signup(client, "lea@example.org", accept_terms="on")
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert link is not None

    confirmed = client.post(link.group(1))

    assert confirmed["Location"] == "/profil/"
    assert client.get("/profil/", **BROWSER).status_code == 200


def test_an_existing_address_gets_the_same_answer_and_no_acceptance(paris, client_for):
    existing = make_user(paris, "lea@example.org")

    response = _signup(client_for(paris), "lea@example.org", accept_terms="on")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    with tenant_context(paris):
        assert not TermsAcceptance.objects.filter(user=existing).exists()
