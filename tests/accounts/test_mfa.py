"""Two-factor authentication (TOTP, recovery codes), required for tenant admins."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django_tenants.utils import tenant_context

from accounts.crypto import secret_decrypt
from accounts.models import User
from tests.accounts.conftest import (
    login,
    login_with_mfa,
    make_user,
    mfa_enable,
    reauthenticate,
    session_user_id,
    totp_code,
)

ACTIVATE = "/accounts/2fa/totp/activate/"


def test_admin_activates_totp_and_its_secret_is_encrypted_at_rest(acme, acme_admin, client_for):
    client = client_for(acme)
    login(client, acme_admin.email)
    assert client.get(ACTIVATE)["Location"] == (
        "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    )
    reauthenticate(client)
    secret = client.get(ACTIVATE).context["form"].secret

    response = client.post(ACTIVATE, {"code": totp_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    with tenant_context(acme):
        totp = Authenticator.objects.get(user=acme_admin, type=Authenticator.Type.TOTP)
        codes = Authenticator.objects.get(user=acme_admin, type=Authenticator.Type.RECOVERY_CODES)
    assert totp.data["secret"].startswith("fernet:")
    assert secret not in totp.data["secret"]
    assert secret_decrypt(totp.data["secret"]) == secret
    assert codes.data["seed"].startswith("fernet:")


def test_login_asks_for_the_totp_code(acme, acme_admin, client_for):
    secret = mfa_enable(acme, acme_admin)
    client = client_for(acme)

    response = login_with_mfa(client, acme_admin.email, secret)

    assert response.status_code == 302
    assert session_user_id(acme, client) == str(acme_admin.pk)


def test_wrong_totp_code_does_not_sign_in(acme, acme_admin, client_for):
    secret = mfa_enable(acme, acme_admin)
    client = client_for(acme)
    login(client, acme_admin.email)

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, offset=10)})

    assert response.status_code == 200
    assert session_user_id(acme, client) is None


def test_recovery_code_signs_in_once(acme, acme_admin, client_for):
    mfa_enable(acme, acme_admin)
    with tenant_context(acme):
        code = RecoveryCodes.activate(acme_admin).get_unused_codes()[0]
    first, second = client_for(acme), client_for(acme)

    login(first, acme_admin.email)
    used = first.post("/accounts/2fa/authenticate/", {"code": code})
    login(second, acme_admin.email)
    reused = second.post("/accounts/2fa/authenticate/", {"code": code})

    assert used.status_code == 302
    assert session_user_id(acme, first) == str(acme_admin.pk)
    assert reused.status_code == 200
    assert session_user_id(acme, second) is None


def test_admin_without_mfa_is_sent_to_set_it_up_before_admin_areas(acme, acme_admin, client_for):
    client = client_for(acme)
    login(client, acme_admin.email)

    for path in ("/admin/", "/admin/accounts/user/", "/accounts/settings/sign-in/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == ACTIVATE, path


def test_admin_with_mfa_reaches_admin_areas(acme, acme_admin, client_for):
    secret = mfa_enable(acme, acme_admin)
    client = client_for(acme)
    login_with_mfa(client, acme_admin.email, secret)

    assert client.get("/admin/").status_code == 200
    assert client.get("/accounts/settings/sign-in/").status_code == 200


def test_after_setting_up_mfa_the_admin_is_offered_the_way_back(acme, acme_admin, client_for):
    client = client_for(acme)
    login(client, acme_admin.email)
    client.get("/accounts/settings/sign-in/")
    reauthenticate(client)
    secret = client.get(ACTIVATE).context["form"].secret

    client.post(ACTIVATE, {"code": totp_code(secret)})
    page = client.get("/accounts/2fa/recovery-codes/").content.decode()

    assert '<a href="/accounts/settings/sign-in/">Continue to the administration</a>' in page


def test_volunteers_and_moderators_are_not_forced_into_mfa(acme, client_for):
    make_user(acme, "vol@acme.example")
    make_user(acme, "mod@acme.example", role=User.Role.MODERATOR)
    for email in ("vol@acme.example", "mod@acme.example"):
        client = client_for(acme)
        login(client, email)

        assert client.get("/accounts/settings/sign-in/").status_code == 403
        assert client.get("/admin/").status_code == 403


def test_django_admin_login_is_allauths_login(acme, client_for):
    response = client_for(acme).get("/admin/login/?next=/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_django_admin_login_refuses_an_offsite_next(acme, client_for):
    response = client_for(acme).get("/admin/login/?next=https://evil.example/")

    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_admin_cannot_remove_their_only_second_factor(acme, acme_admin, client_for):
    secret = mfa_enable(acme, acme_admin)
    client = client_for(acme)
    login_with_mfa(client, acme_admin.email, secret)
    reauthenticate(client)

    response = client.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 200
    with tenant_context(acme):
        assert (
            Authenticator.objects.filter(user=acme_admin, type=Authenticator.Type.TOTP).count() == 1
        )


def test_volunteer_can_remove_their_second_factor(acme, client_for):
    volunteer = make_user(acme, "vol@acme.example")
    secret = mfa_enable(acme, volunteer)
    client = client_for(acme)
    login_with_mfa(client, volunteer.email, secret)
    reauthenticate(client)

    response = client.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302
    with tenant_context(acme):
        assert Authenticator.objects.filter(user=volunteer).count() == 0
