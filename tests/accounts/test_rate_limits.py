"""allauth's login rate limits are counted per tenant (cache keys carry the schema)."""

from __future__ import annotations

from tests.accounts.conftest import PASSWORD, login, make_user, session_user_id

TOO_MANY = "Too many failed login attempts. Try again later."


def test_failed_logins_for_an_address_are_limited_per_tenant(acme, paris, client_for):
    acme_user = make_user(acme, "bob@acme.example")
    paris_user = make_user(paris, "bob@acme.example")
    for _ in range(5):  # ACCOUNT_RATE_LIMITS login_failed: 5 per 5 minutes per address
        assert login(client_for(acme), "bob@acme.example", "wrong").status_code == 200

    acme_client, paris_client = client_for(acme), client_for(paris)
    blocked = login(acme_client, "bob@acme.example", PASSWORD)
    allowed = login(paris_client, "bob@acme.example", PASSWORD)

    assert blocked.status_code == 200
    assert TOO_MANY in blocked.content.decode()
    assert session_user_id(acme, acme_client) is None
    assert allowed.status_code == 302
    assert session_user_id(paris, paris_client) == str(paris_user.pk)
    assert acme_user.pk is not None


def test_failed_logins_from_an_address_are_limited_per_tenant(acme, montreal, client_for):
    make_user(acme, "carol@acme.example")
    montreal_user = make_user(montreal, "carol@acme.example")
    for number in range(10):  # 10 per minute per IP address
        assert login(client_for(acme), f"nobody{number}@acme.example", "x").status_code == 200

    blocked = login(client_for(acme), "carol@acme.example", PASSWORD)
    montreal_client = client_for(montreal)
    allowed = login(montreal_client, "carol@acme.example", PASSWORD)

    assert TOO_MANY in blocked.content.decode()
    assert allowed.status_code == 302
    assert session_user_id(montreal, montreal_client) == str(montreal_user.pk)
