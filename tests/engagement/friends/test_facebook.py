""" "Find my friends" with Facebook against the local fake of the Graph API: opt-in, only people
of this tenant whose Facebook account is among the friends, never friends without a request."""

from __future__ import annotations

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.sso.services import facebook_app_save
from engagement.friends import services
from engagement.friends.models import Friendship
from tests.accounts.idp.facebook import FacebookApp
from tests.accounts.idp.oidc_provider import path_and_query
from tests.engagement.factories import TenantAdminFactory, UserFactory

pytestmark = pytest.mark.django_db

APP_ID = "1234567890"
APP_SECRET = "fb-app-secret-4f1c9d0e7b2a"


class TenantClient(Client):
    def __init__(self, tenant) -> None:  # type: ignore[no-untyped-def]
        super().__init__(HTTP_HOST=tenant.primary_host)

    def request(self, **request):  # type: ignore[no-untyped-def]
        tenant = connection.tenant
        try:
            return super().request(**request)
        finally:
            connection.set_tenant(tenant)


def _with_facebook(user, uid: str):  # type: ignore[no-untyped-def]
    SocialAccount.objects.create(user=user, provider="facebook", uid=uid, extra_data={})
    return user


@pytest.fixture
def paris_facebook(in_paris, facebook_graph):  # type: ignore[no-untyped-def]
    facebook_graph.app = FacebookApp(APP_ID, APP_SECRET)
    facebook_app_save(
        tenant=in_paris, actor=TenantAdminFactory(), app_id=APP_ID, app_secret=APP_SECRET
    )
    return facebook_graph


def _search(client) -> None:  # type: ignore[no-untyped-def]
    start = client.post("/amis/facebook/")
    assert start.status_code == 302
    assert "scope=user_friends" in start["Location"]
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = client.get(path_and_query(answer.headers["Location"]))
    assert back.status_code == 302 and back["Location"] == "/amis/facebook/"


def test_find_my_friends_lists_people_of_this_tenant_and_asks_only_when_told(
    in_paris, montreal, paris_facebook
):
    me = UserFactory()
    sam = _with_facebook(UserFactory(first_name="Sam", last_name=""), "20001")
    kim = _with_facebook(UserFactory(first_name="Kim", last_name=""), "20002")
    ana = _with_facebook(UserFactory(first_name="Ana", last_name=""), "20003")
    _with_facebook(UserFactory(first_name="Zoé", last_name=""), "29999")  # not a Facebook friend
    services.friend_request_send(requester=me, addressee=ana)  # asked already
    with tenant_context(montreal):
        _with_facebook(UserFactory(first_name="Max", last_name=""), "20004")
    connection.set_tenant(in_paris)
    paris_facebook.friends = ["20001", "20002", "20003", "20004", "20005"]
    client = TenantClient(in_paris)
    client.force_login(me)

    _search(client)

    page = client.get("/amis/facebook/").content.decode()
    assert "Sam" in page and "Kim" in page
    assert "Ana" not in page and "Zoé" not in page and "Max" not in page
    # Five friends, two a page: three pages read, each with its appsecret_proof.
    assert paris_facebook.calls == [
        "/v19.0/dialog/oauth",
        "/v19.0/oauth/access_token",
        "/v19.0/me/friends",
        "/v19.0/me/friends",
        "/v19.0/me/friends",
    ]
    assert not Friendship.objects.filter(addressee__in=[sam, kim]).exists()  # nothing automatic

    response = client.post(f"/amis/facebook/{sam.pk}/demander/")
    assert response.status_code == 302
    request = Friendship.objects.get(addressee=sam)
    assert (request.requester_id, request.status) == (me.pk, Friendship.Status.PENDING)
    # Someone the search did not find cannot be asked this way.
    assert client.post(f"/amis/facebook/{ana.pk}/demander/").status_code == 404


def test_a_callback_that_did_not_start_here_reads_nothing(in_paris, paris_facebook):
    client = TenantClient(in_paris)
    client.force_login(UserFactory())

    response = client.get("/amis/facebook/retour/?code=forged&state=forged")

    assert response.status_code == 302
    assert paris_facebook.calls == []
    assert 'id="found-title"' not in client.get("/amis/facebook/").content.decode()


def test_a_tenant_without_facebook_has_no_such_page(in_paris):
    client = TenantClient(in_paris)
    client.force_login(UserFactory())
    assert client.get("/amis/facebook/").status_code == 404
    assert client.post("/amis/facebook/").status_code == 404
