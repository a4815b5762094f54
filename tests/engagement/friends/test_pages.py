"""The friends pages (/amis/, an invitation link, recommending a mission, /notifications/) and
friends going on the mission list and page: without JavaScript, signed in, each error readable,
the other tenant's links and people nothing."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from engagement.friends import services
from engagement.friends.models import FriendBlock, FriendInvitation, Friendship
from engagement.inbox.models import Notification
from engagement.volunteers.models import VolunteerProfile
from tests.engagement.factories import (
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class TenantClient(Client):
    """A client of one tenant's host that puts the test's schema back after each request (the
    routing middleware leaves the connection on the public schema)."""

    def __init__(self, tenant, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(HTTP_HOST=tenant.primary_host, **kwargs)
        self.tenant = tenant

    def request(self, **request):  # type: ignore[no-untyped-def]
        schema_tenant = connection.tenant
        try:
            return super().request(**request)
        finally:
            connection.set_tenant(schema_tenant)


def signed_in(tenant, user) -> Client:  # type: ignore[no-untyped-def]
    client = TenantClient(tenant)
    with tenant_context(tenant):
        client.force_login(user)
    return client


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def befriend(first, second) -> None:  # type: ignore[no-untyped-def]
    services.friend_request_send(requester=first, addressee=second)
    services.friend_request_answer(user=second, requester_id=first.pk, accept=True)


def test_signed_out_the_friends_page_asks_to_sign_in(in_paris):
    response = TenantClient(in_paris).get("/amis/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_friends_page_lists_friends_requests_and_offers_a_link_and_qr(in_paris):
    me = UserFactory(first_name="Ana", last_name="")
    friend = UserFactory(first_name="Léa", last_name="Martin")
    asker = UserFactory(first_name="Sam", last_name="")
    befriend(me, friend)
    services.friend_request_send(requester=asker, addressee=me)
    client = signed_in(in_paris, me)

    page = html(client.get("/amis/"))
    assert "Léa Martin" in page and "Sam" in page
    assert 'href="/amis/"' in page  # the header links to it
    assert 'class="qr-code"' not in page  # no link yet

    response = client.post("/amis/lien/")
    assert response.status_code == 302
    link = FriendInvitation.objects.get(inviter=me)
    page = html(client.get("/amis/"))
    assert f"/amis/invitation/{link.token}/" in page
    qr = page.split('class="qr-code"', 1)[1].split("</figure>", 1)[0]
    assert "<svg" in qr and "<script" not in qr


def test_inviting_by_email_shows_form_errors_and_changes_nothing(in_paris):
    me = UserFactory()
    client = signed_in(in_paris, me)

    response = client.post("/amis/inviter/", {"email": me.email})
    assert response.status_code == 400
    # A form error: its apostrophe escaped as the form renderer does (config/form_renderer.py).
    assert "C'est votre propre adresse." in unescape(html(response))
    response = client.post("/amis/inviter/", {"email": "not an address"})
    assert response.status_code == 400
    assert not FriendInvitation.objects.exists() and not Friendship.objects.exists()

    response = client.post("/amis/inviter/", {"email": "new@example.org"})
    assert response.status_code == 302
    assert FriendInvitation.objects.get().email == "new@example.org"


def test_accepting_a_link_signed_out_goes_through_sign_in_and_back(in_paris):
    inviter = UserFactory(first_name="Léa", last_name="")
    link = services.friend_link_create(inviter=inviter)
    path = f"/amis/invitation/{link.token}/"

    response = TenantClient(in_paris).get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"

    guest = UserFactory()
    client = signed_in(in_paris, guest)
    page = html(client.get(path))
    assert "Léa vous invite à devenir ami·es" in page
    response = client.post(path, {"answer": "accept"})
    assert response.status_code == 302 and response["Location"] == "/amis/"
    assert Friendship.objects.get().status == Friendship.Status.ACCEPTED


def test_a_used_or_unknown_link_shows_a_readable_error(in_paris):
    inviter, first, second = UserFactory(), UserFactory(), UserFactory()
    link = services.friend_link_create(inviter=inviter)
    services.friend_invitation_accept(token=link.token, user=first)

    response = signed_in(in_paris, second).get(f"/amis/invitation/{link.token}/")
    assert response.status_code == 400
    assert "a déjà servi" in html(response)
    response = signed_in(in_paris, second).post("/amis/invitation/nothing/", {"answer": "accept"})
    assert response.status_code == 404
    assert Friendship.objects.count() == 1


def test_a_paris_link_is_nothing_in_montreal(paris, montreal):
    with tenant_context(paris):
        link = services.friend_link_create(inviter=UserFactory())
    with tenant_context(montreal):
        guest = UserFactory()
    response = signed_in(montreal, guest).post(
        f"/amis/invitation/{link.token}/", {"answer": "accept"}
    )
    assert response.status_code == 404
    with tenant_context(paris):
        assert FriendInvitation.objects.get(pk=link.pk).used_at is None
    with tenant_context(montreal):
        assert not Friendship.objects.exists()


def test_answer_remove_block_and_unblock_from_the_page(in_paris):
    me, asker = UserFactory(), UserFactory()
    services.friend_request_send(requester=asker, addressee=me)
    client = signed_in(in_paris, me)

    assert client.post(f"/amis/{asker.pk}/accepter/").status_code == 302
    assert Friendship.objects.get().status == Friendship.Status.ACCEPTED
    assert client.post(f"/amis/{asker.pk}/bloquer/").status_code == 302
    assert FriendBlock.objects.filter(blocker=me, blocked=asker).exists()
    assert not Friendship.objects.exists()
    assert client.post(f"/amis/{asker.pk}/debloquer/").status_code == 302
    assert not FriendBlock.objects.exists()
    # Nothing left to remove: a readable 404, nothing changed.
    response = client.post(f"/amis/{asker.pk}/retirer/")
    assert response.status_code == 404
    assert "ne fait pas partie de vos ami·es" in html(response)


def test_the_privacy_switch_on_the_page(in_paris):
    me = UserFactory()
    client = signed_in(in_paris, me)

    client.post("/amis/confidentialite/", {})
    assert VolunteerProfile.objects.get(user=me).friends_see_participations is False
    client.post("/amis/confidentialite/", {"friends_see_participations": "on"})
    assert VolunteerProfile.objects.get(user=me).friends_see_participations is True


# --- friends going on the list and the mission page ---------------------------------------------


def test_friends_going_show_on_cards_and_page_for_friends_only(in_paris):
    viewer, stranger = UserFactory(), UserFactory()
    lea = UserFactory(first_name="Léa", last_name="")
    befriend(viewer, lea)
    slot = SlotFactory(mission=MissionFactory(title="Maraude"))
    ParticipationFactory(slot=slot, volunteer=lea)

    home = html(signed_in(in_paris, viewer).get("/"))
    card = re.search(rf'data-mission-id="{slot.mission.pk}".*?</li>', home, re.S)
    assert card and "Léa y va" in card.group(0)
    page = html(signed_in(in_paris, viewer).get(f"/missions/{slot.mission.pk}/"))
    assert "Léa y va" in page
    for client in (signed_in(in_paris, stranger), TenantClient(in_paris)):
        assert "Léa" not in html(client.get("/"))
        assert "Léa" not in html(client.get(f"/missions/{slot.mission.pk}/"))


def test_the_list_costs_the_same_queries_with_3_or_12_friends_going(in_paris):
    viewer = UserFactory()
    client = signed_in(in_paris, viewer)

    def count() -> int:
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    def add(n: int) -> None:
        for _ in range(n):
            friend = UserFactory()
            befriend(viewer, friend)
            ParticipationFactory(slot=SlotFactory(), volunteer=friend)

    add(3)
    few = count()
    add(9)
    assert count() == few


# --- recommending a mission, notifications -------------------------------------------------------


def test_recommend_from_the_page_then_the_friend_reads_it(in_paris):
    me, friend, stranger = UserFactory(), UserFactory(first_name="Sam", last_name=""), UserFactory()
    befriend(me, friend)
    mission = MissionFactory(title="Collecte de jouets")
    client = signed_in(in_paris, me)

    page = html(client.get(f"/missions/{mission.pk}/recommander/"))
    assert "Sam" in page
    response = client.post(f"/missions/{mission.pk}/recommander/", {"recipient_ids": [stranger.pk]})
    assert response.status_code == 400  # not a choice: only friends are offered
    response = client.post(f"/missions/{mission.pk}/recommander/", {"recipient_ids": [friend.pk]})
    assert response.status_code == 302

    reader = signed_in(in_paris, friend)
    inbox = html(reader.get("/notifications/"))
    assert "Collecte de jouets" in inbox and f'href="/missions/{mission.pk}/"' in inbox
    assert re.search(
        r'href="/notifications/"[^>]*>[^<]*<span class="badge">2', html(reader.get("/amis/"))
    )
    reader.post("/notifications/lues/")
    assert not Notification.objects.filter(recipient=friend, read_at__isnull=True).exists()
    assert '<span class="badge">' not in html(reader.get("/amis/")).split("</nav>")[0]


def test_marking_someone_elses_notification_changes_nothing(in_paris):
    me, other = UserFactory(), UserFactory()
    services.friend_request_send(requester=me, addressee=other)
    note = Notification.objects.get(recipient=other)

    signed_in(in_paris, me).post("/notifications/lues/", {"notification": note.pk})

    note.refresh_from_db()
    assert note.read_at is None
