"""Sharing a mission: link preview tags, the generated picture (size, versions, caching, a
missing or unreadable logo), the short link, and share links that load nothing from elsewhere."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.missions import share_card as share_card_module
from engagement.missions.models import Mission
from engagement.missions.share_card import ShareCard, share_card_png
from engagement.missions.short_links import mission_id_from_short_code, mission_short_code
from tenants.models import Tenant
from tests.cache import cache_clear_own
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    SlotFactory,
    UserFactory,
)
from tests.engagement.pictures import picture, read
from tests.engagement.test_resident_pages import signed_in, warm_routing_cache

pytestmark = pytest.mark.django_db


def meta(page: str, attribute: str, name: str) -> str | None:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', page)
    return unescape(found.group(1)) if found else None


@pytest.fixture
def shared_mission(in_paris):
    mission = MissionFactory(
        title="Distribution de repas aux familles du quartier de la Roquette",
        summary="Deux heures pour préparer et servir des repas.",
        city="Paris",
        postcode="75011",
        address="12 rue de la Roquette",
    )
    SlotFactory(mission=mission, starts_at=timezone.now() + timedelta(days=3))
    SlotFactory(mission=mission, starts_at=timezone.now() + timedelta(days=4))
    return mission


def image_path_of(page: str) -> str:
    url = meta(page, "property", "og:image")
    assert url is not None
    return url.removeprefix("http://paris.entraide.test")


# --- Tags ---------------------------------------------------------------------------------------


def test_mission_page_carries_opengraph_and_twitter_tags(client_for, paris, shared_mission):
    page = client_for(paris).get(f"/missions/{shared_mission.pk}/").content.decode()
    host = f"http://{paris.primary_host}"

    assert meta(page, "property", "og:title") == shared_mission.title
    assert meta(page, "property", "og:description") == shared_mission.summary
    assert meta(page, "property", "og:url") == f"{host}/missions/{shared_mission.pk}/"
    assert meta(page, "property", "og:type") == "article"
    assert meta(page, "property", "og:image:width") == "1200"
    assert meta(page, "property", "og:image:height") == "630"
    assert meta(page, "property", "og:image:type") == "image/png"
    assert meta(page, "name", "twitter:card") == "summary_large_image"
    image = meta(page, "property", "og:image")
    assert re.fullmatch(
        rf"{re.escape(host)}/missions/{shared_mission.pk}/apercu\.png\?v=[0-9a-f]{{16}}", image
    )
    assert meta(page, "name", "twitter:image") == image
    # One og:title only: the page's, not also the site's.
    assert page.count('property="og:title"') == 1


def test_the_picture_url_changes_when_what_it_shows_changes(client_for, paris, shared_mission):
    client = client_for(paris)
    before = image_path_of(client.get(f"/missions/{shared_mission.pk}/").content.decode())
    again = image_path_of(client.get(f"/missions/{shared_mission.pk}/").content.decode())
    with tenant_context(paris):
        # Saved as the services save it: the cached anonymous page is renewed on a save
        # (tenants/page_cache.py), not on a bulk QuerySet.update().
        mission = Mission.objects.get(pk=shared_mission.pk)
        mission.title = "Collecte de vêtements"
        mission.save(update_fields=["title"])
    after = image_path_of(client.get(f"/missions/{shared_mission.pk}/").content.decode())

    assert before == again
    assert after != before


def test_the_picture_version_follows_the_tenant_colours(paris, shared_mission):
    card = ShareCard(
        title="t",
        when="w",
        place="p",
        organization="o",
        tenant_name="n",
        primary="#112233",
        on_primary="#ffffff",
        accent="#b34700",
        link="#112233",
        tenant_logo="",
        language="fr",
    )
    recoloured = ShareCard(**{**card.__dict__, "primary": "#445566"})

    assert card.version != recoloured.version
    assert card.version == ShareCard(**card.__dict__).version


# --- The picture --------------------------------------------------------------------------------


def test_the_picture_is_a_1200_by_630_png_cached_for_ever_at_its_version(
    client_for, paris, shared_mission
):
    client = client_for(paris)
    path = image_path_of(client.get(f"/missions/{shared_mission.pk}/").content.decode())

    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{path.rsplit("=", 1)[1]}"'
    image = read(response.content)
    assert (image.format, image.size) == ("PNG", (1200, 630))
    # The band at the top is drawn in the tenant's primary colour.
    with tenant_context(paris):
        primary = Tenant.objects.get(pk=paris.pk).primary_color.lower()
    red, green, blue = image.convert("RGB").getpixel((1190, 10))
    assert f"#{red:02x}{green:02x}{blue:02x}" == primary


def test_without_the_version_the_picture_is_cached_an_hour(client_for, paris, shared_mission):
    response = client_for(paris).get(f"/missions/{shared_mission.pk}/apercu.png")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"


def test_a_known_etag_is_answered_not_modified_without_drawing(client_for, paris, shared_mission):
    client = client_for(paris)
    path = image_path_of(client.get(f"/missions/{shared_mission.pk}/").content.decode())
    etag = client.get(path)["ETag"]

    with mock.patch.object(share_card_module, "share_card_png") as draw:
        response = client.get(path, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    draw.assert_not_called()


def test_the_bytes_are_drawn_once_then_served_from_the_cache(client_for, paris, shared_mission):
    client = client_for(paris)
    path = f"/missions/{shared_mission.pk}/apercu.png"
    first = client.get(path).content

    with mock.patch.object(share_card_module, "share_card_png") as draw:
        second = client.get(path).content

    draw.assert_not_called()
    assert second == first


def test_the_picture_draws_when_the_cache_is_down(client_for, paris, shared_mission):
    with (
        mock.patch.object(cache, "get", return_value=None),
        mock.patch.object(cache, "set", return_value=None),
    ):
        response = client_for(paris).get(f"/missions/{shared_mission.pk}/apercu.png")

    assert response.status_code == 200
    assert read(response.content).size == (1200, 630)


def test_unpublished_missions_have_no_picture_even_for_their_organizers(
    client_for, paris, in_paris
):
    membership = MembershipFactory()
    draft = MissionFactory(organization=membership.organization, status=Mission.Status.DRAFT)
    SlotFactory(mission=draft)

    assert client_for(paris).get(f"/missions/{draft.pk}/apercu.png").status_code == 404
    organizer = signed_in(paris, membership.user)
    assert organizer.get(f"/missions/{draft.pk}/apercu.png").status_code == 404


def test_another_tenants_mission_has_no_picture_here(client_for, paris, montreal):
    with tenant_context(montreal):
        mission = MissionFactory()
        SlotFactory(mission=mission)
    with tenant_context(paris):
        Mission.objects.filter(pk=mission.pk).delete()

    assert client_for(paris).get(f"/missions/{mission.pk}/apercu.png").status_code == 404
    assert client_for(montreal).get(f"/missions/{mission.pk}/apercu.png").status_code == 200


@pytest.mark.parametrize("media", ["local", "s3"])
def test_the_tenant_logo_is_drawn_and_a_broken_one_is_left_out(
    request, media, client_for, paris, shared_mission
):
    if media == "s3":
        request.getfixturevalue("s3_media")  # the logo is an object of a bucket
    tenant = Tenant.objects.get(pk=paris.pk)
    tenant.logo.save("logo.png", ContentFile(picture("PNG", (200, 200), "#00ff00")), save=True)
    try:
        with_logo = read(client_for(paris).get(f"/missions/{shared_mission.pk}/apercu.png").content)
        assert with_logo.convert("RGB").getpixel((64 + 40, 60)) == (0, 255, 0)

        tenant.logo.storage.delete(tenant.logo.name)  # the file is gone, the name stays
        cache_clear_own()
        response = client_for(paris).get(f"/missions/{shared_mission.pk}/apercu.png")
        assert response.status_code == 200
        assert read(response.content).convert("RGB").getpixel((64 + 40, 60)) != (0, 255, 0)
    finally:
        Tenant.objects.filter(pk=paris.pk).update(logo="")


def test_an_unreadable_logo_and_missing_fonts_still_draw_a_picture(paris, monkeypatch):
    class Unreadable:
        def __bool__(self) -> bool:
            return True

        def open(self, mode: str):  # type: ignore[no-untyped-def]
            return ContentFile(b"<svg xmlns='http://www.w3.org/2000/svg'/>")

    monkeypatch.setattr(share_card_module, "FONT_DIRECTORIES", ())
    share_card_module._font.cache_clear()
    try:
        card = ShareCard(
            title="Un titre " * 40,
            when="samedi 14 juin 2025, 10:00 – 13:00",
            place="12 rue de la Roquette, 75011 Paris",
            organization="Les Restos du Cœur",
            tenant_name="Paris Entraide",
            primary="#1f4e8c",
            on_primary="#ffffff",
            accent="#b34700",
            link="#1f4e8c",
            tenant_logo="logo.svg",
            language="fr",
        )
        image = read(share_card_png(card, tenant_logo=Unreadable()))  # type: ignore[arg-type]
    finally:
        share_card_module._font.cache_clear()

    assert image.size == (1200, 630)


def test_long_titles_wrap_within_three_lines():
    card_module = share_card_module
    from PIL import Image, ImageDraw  # noqa: PLC0415 - a drawing surface for measuring only

    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    font = card_module._font("bold", card_module.TITLE_SIZE)
    lines = card_module._wrapped(draw, "Anticonstitutionnellement " * 12, font, 1072, 3)

    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(draw.textlength(line, font=font) <= 1072 for line in lines)


def test_the_picture_costs_a_fixed_number_of_queries(paris, in_paris):
    mission = MissionFactory()

    def count() -> int:
        client = signed_in(paris, UserFactory())
        warm_routing_cache(client, paris)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/missions/{mission.pk}/apercu.png").status_code == 200
        connection.set_tenant(paris)
        return len(queries)

    SlotFactory(mission=mission)
    few = count()
    for day in range(20):
        SlotFactory(mission=mission, starts_at=timezone.now() + timedelta(days=day + 2))
    assert count() == few <= 8


# --- Short links --------------------------------------------------------------------------------


@pytest.mark.parametrize(("mission_id", "code"), [(1, "1"), (35, "z"), (36, "10"), (1296, "100")])
def test_short_codes_are_the_id_in_base_36(mission_id, code):
    assert mission_short_code(mission_id) == code
    assert mission_id_from_short_code(code) == mission_id


@pytest.mark.parametrize("code", ["", "0", "01", "Z", "a-b", "é", "z" * 14, "3w5e11264sgsg"])
def test_codes_we_never_make_name_nothing(code):
    assert mission_id_from_short_code(code) is None


def test_short_link_leads_to_the_mission_and_is_shown_on_it(client_for, paris, shared_mission):
    code = mission_short_code(shared_mission.pk)
    client = client_for(paris)

    response = client.get(f"/m/{code}/")

    assert response.status_code == 302
    assert response["Location"] == f"/missions/{shared_mission.pk}/"
    page = client.get(f"/missions/{shared_mission.pk}/").content.decode()
    assert f'value="http://{paris.primary_host}/m/{code}/"' in page


def test_short_link_of_a_draft_or_unknown_mission_is_not_found(client_for, paris, in_paris):
    draft = MissionFactory(status=Mission.Status.DRAFT)
    client = client_for(paris)

    assert client.get(f"/m/{mission_short_code(draft.pk)}/").status_code == 404
    assert client.get("/m/zzzzzz/").status_code == 404
    assert client.get("/m/ABC/").status_code == 404


def test_short_link_of_another_tenant_is_not_found(client_for, paris, montreal):
    with tenant_context(montreal):
        mission = MissionFactory()
    with tenant_context(paris):
        Mission.objects.filter(pk=mission.pk).delete()
    code = mission_short_code(mission.pk)

    assert client_for(paris).get(f"/m/{code}/").status_code == 404
    assert client_for(montreal).get(f"/m/{code}/").status_code == 302


# --- Share links --------------------------------------------------------------------------------


def test_share_links_are_plain_links_and_no_script_comes_from_elsewhere(
    client_for, paris, shared_mission
):
    response = client_for(paris).get(f"/missions/{shared_mission.pk}/")
    page = response.content.decode()
    url = f"http%3A%2F%2F{paris.primary_host}%2Fmissions%2F{shared_mission.pk}%2F"

    for prefix in (
        "mailto:?subject=",
        "https://wa.me/?text=",
        f"https://www.facebook.com/sharer/sharer.php?u={url}",
        f"https://x.com/intent/post?url={url}",
        f"https://www.linkedin.com/sharing/share-offsite/?url={url}",
        "https://bsky.app/intent/compose?text=",
    ):
        assert f'href="{prefix}' in page, prefix
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert not re.search(r'<img[^>]+src="https?://', page)
    policy = response["Content-Security-Policy"]
    script_sources = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert [source for source in script_sources if not source.startswith("'nonce-")] == ["'self'"]
    assert "facebook" not in policy and "twitter" not in policy


def test_mission_page_links_to_its_organization(client_for, paris, shared_mission):
    page = client_for(paris).get(f"/missions/{shared_mission.pk}/").content.decode()

    assert f'href="/organisations/{shared_mission.organization.slug}/"' in page


def test_mission_cards_link_to_their_organization(client_for, paris, shared_mission):
    page = client_for(paris).get("/").content.decode()

    assert f'href="/organisations/{shared_mission.organization.slug}/"' in page
