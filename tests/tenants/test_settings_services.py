"""tenants.settings_services: what a tenant admin may change, what is refused (and then nothing
changes), the audit trail, and every process seeing a change on its next request."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tenants import routing
from tenants.audit.models import AuditEvent
from tenants.branding import branding_for
from tenants.models import Tenant
from tenants.routing import resolve_host
from tenants.settings_services import (
    KEEP,
    FooterLink,
    footer_link_url_error,
    tenant_branding_update,
    tenant_footer_links_update,
    tenant_languages_update,
    tenant_map_update,
    tenant_moderation_update,
    tenant_welcome_text_update,
)
from tests.engagement.factories import TenantAdminFactory, UserFactory
from tests.engagement.pictures import picture, read

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_french():  # type: ignore[no-untyped-def]
    """Messages are checked in French (pages of another test may leave another language on)."""
    with translation.override("fr"):
        yield


def _row(tenant: Tenant) -> dict[str, Any]:
    return Tenant.objects.filter(pk=tenant.pk).values().get()


@pytest.fixture
def admin(in_paris):  # type: ignore[no-untyped-def]
    return TenantAdminFactory()


def _branding(tenant: Tenant, actor: Any, **changes: Any) -> Tenant:
    values: dict[str, Any] = {
        "name": tenant.name,
        "tagline": tenant.tagline,
        "primary_color": tenant.primary_color,
        "accent_color": tenant.accent_color,
    }
    values.update(changes)
    return tenant_branding_update(tenant=tenant, actor=actor, **values)


def _refused(call: Any, tenant: Tenant) -> dict[str, list[str]]:
    """Run a service call that must be refused; the Tenant row must be exactly as before."""
    before = _row(tenant)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        call()
    assert _row(tenant) == before
    assert AuditEvent.objects.count() == audit_before
    return refused.value.message_dict


# --- branding ---------------------------------------------------------------------------------


def test_branding_changes_only_what_changed_and_audits_the_field_names(paris, admin):
    tenant = _branding(paris, admin, name=" Paris  Solidaire ", primary_color="#1B3A6B")

    assert (tenant.name, tenant.primary_color) == ("Paris Solidaire", "#1b3a6b")
    row = _row(paris)
    assert (row["name"], row["primary_color"]) == ("Paris Solidaire", "#1b3a6b")
    event = AuditEvent.objects.get(action="settings.branding_changed")
    assert event.actor_id == admin.pk
    assert (event.target_type, event.target_id) == ("tenant", paris.pk)
    assert event.data == {"fields": ["name", "primary_color"]}


def test_saving_the_same_values_writes_and_audits_nothing(paris, admin):
    before = _row(paris)

    _branding(paris, admin)

    assert _row(paris) == before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "1f4e8c", "#gggggg", ""])
def test_a_colour_that_is_not_rrggbb_is_refused(paris, admin, colour):
    errors = _refused(lambda: _branding(paris, admin, primary_color=colour), paris)

    assert errors == {"primary_color": ["Utilisez une couleur comme #1f6feb."]}


def test_a_primary_colour_under_aa_as_a_link_is_refused_with_its_figures(paris, admin):
    with translation.override("en"):
        errors = _refused(lambda: _branding(paris, admin, primary_color="#777777"), paris)

    assert errors == {
        "primary_color": [
            "Links on cards: #777777 on white (#ffffff) has a contrast of 4.48:1; AA needs 4.5:1.",
            "Links on the page: #777777 on #f6f7f9 has a contrast of 4.18:1; AA needs 4.5:1.",
        ]
    }


def test_every_refusal_is_reported_at_once_and_nothing_is_written(paris, admin):
    errors = _refused(
        lambda: _branding(
            paris,
            admin,
            name="   ",
            primary_color="#ffcc00",
            accent_color="#fff000",
            logo=b"not a picture",
        ),
        paris,
    )

    assert sorted(errors) == ["accent_color", "logo", "name", "primary_color"]


def test_markup_in_the_name_is_removed(paris, admin):
    tenant = _branding(paris, admin, name="<b>Paris</b><script>alert(1)</script> Entraide")

    assert tenant.name == "Paris Entraide"


def test_a_logo_is_stored_as_a_png_of_at_most_512_pixels(paris, admin):
    tenant = _branding(paris, admin, logo=picture("JPEG", size=(1024, 256)))

    try:
        stored = read(tenant.logo.open("rb").read())
        assert stored.format == "PNG"
        assert stored.size == (512, 128)
        assert tenant.logo.name.startswith("branding/paris/logo-")
        event = AuditEvent.objects.get(action="settings.branding_changed")
        assert event.data == {"fields": ["logo"]}
    finally:
        tenant.logo.delete(save=False)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "lire"),
        (b"%PDF-1.4 not a picture", "lire"),
        (b"", "vide"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024), "trop lourde"),
    ],
    ids=["svg-with-script", "pdf", "empty", "over-2-mb"],
)
def test_a_logo_that_is_not_a_picture_or_too_large_is_refused(paris, admin, upload, message):
    errors = _refused(lambda: _branding(paris, admin, logo=upload), paris)

    assert list(errors) == ["logo"]
    assert message in errors["logo"][0]


def test_a_social_image_is_a_jpeg_and_a_too_small_one_is_refused(paris, admin):
    errors = _refused(
        lambda: _branding(paris, admin, social_image=picture("PNG", size=(150, 150))), paris
    )
    assert list(errors) == ["social_image"]

    tenant = _branding(paris, admin, social_image=picture("PNG", size=(2400, 1260)))
    try:
        stored = read(tenant.social_image.open("rb").read())
        assert (stored.format, stored.size) == ("JPEG", (1200, 630))
        assert branding_for(tenant).social_image_url.startswith("/branding/social-image?v=")
    finally:
        tenant.social_image.delete(save=False)


def test_removing_a_picture_deletes_its_file_once_committed(
    paris, admin, django_capture_on_commit_callbacks
):
    tenant = _branding(paris, admin, logo=picture())
    name = tenant.logo.name
    storage = tenant.logo.storage
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        tenant = _branding(paris, admin, logo=None)

    assert not tenant.logo
    assert _row(paris)["logo"] == ""
    assert not storage.exists(name)


def test_keep_leaves_the_pictures_alone(paris, admin):
    tenant = _branding(paris, admin, logo=picture())
    try:
        _branding(paris, admin, tagline="Ensemble", logo=KEEP, social_image=KEEP)
        assert _row(paris)["logo"] == tenant.logo.name
    finally:
        tenant.logo.delete(save=False)


def test_only_a_tenant_admin_may_change_the_settings(paris, in_paris):
    moderator = UserFactory(role="moderator")
    before = _row(paris)

    for actor in (UserFactory(), moderator):
        with pytest.raises(PermissionDenied):
            _branding(paris, actor, name="Pirate")
        with pytest.raises(PermissionDenied):
            tenant_moderation_update(tenant=paris, actor=actor, missions=False, organizations=False)

    assert _row(paris) == before


# --- welcome text, map, languages, moderation, footer -----------------------------------------


def test_the_welcome_text_keeps_the_safe_subset_only(paris, admin):
    tenant = tenant_welcome_text_update(
        tenant=paris,
        actor=admin,
        welcome_text=(
            '<p onclick="x()">Bienvenue <strong>à tous</strong></p><script>alert(1)</script>'
            '<a href="javascript:alert(1)">piège</a><a href="https://paris.fr">Paris</a>'
        ),
    )

    assert tenant.welcome_text == (
        '<p>Bienvenue <strong>à tous</strong></p><a rel="noopener noreferrer nofollow">piège</a>'
        '<a href="https://paris.fr" rel="noopener noreferrer nofollow">Paris</a>'
    )
    assert AuditEvent.objects.get().action == "settings.welcome_text_changed"


def test_a_welcome_text_too_long_is_refused(paris, admin):
    errors = _refused(
        lambda: tenant_welcome_text_update(tenant=paris, actor=admin, welcome_text="a" * 5001),
        paris,
    )
    assert list(errors) == ["welcome_text"]


def test_the_map_centre_and_zoom(paris, admin):
    tenant = tenant_map_update(
        tenant=paris, actor=admin, latitude=48.8411, longitude=2.2938, zoom=14
    )

    row = _row(paris)
    assert (round(row["map_center"].y, 4), round(row["map_center"].x, 4)) == (48.8411, 2.2938)
    assert row["map_zoom"] == tenant.map_zoom == 14
    assert AuditEvent.objects.get().data == {"fields": ["map_center", "map_zoom"]}


@pytest.mark.parametrize(
    ("latitude", "longitude", "zoom", "fields"),
    [
        (91, 2.3, 12, ["latitude"]),
        (-90.5, 2.3, 12, ["latitude"]),
        (48.8, 180.01, 12, ["longitude"]),
        (48.8, float("nan"), 12, ["longitude"]),
        (48.8, 2.3, 1, ["zoom"]),
        (48.8, 2.3, 19, ["zoom"]),
        (48.8, 2.3, True, ["zoom"]),
        (100, 200, 0, ["latitude", "longitude", "zoom"]),
    ],
)
def test_a_map_out_of_range_is_refused(paris, admin, latitude, longitude, zoom, fields):
    errors = _refused(
        lambda: tenant_map_update(
            tenant=paris, actor=admin, latitude=latitude, longitude=longitude, zoom=zoom
        ),
        paris,
    )
    assert sorted(errors) == fields


def test_languages_are_stored_default_first(paris, admin):
    tenant = tenant_languages_update(
        tenant=paris, actor=admin, languages=["fr", "en"], default_language="en"
    )

    assert _row(paris)["languages"] == ["en", "fr"]
    assert tenant.offered_languages == ["en", "fr"]
    assert tenant.default_language == "en"


@pytest.mark.parametrize(
    ("languages", "default", "field"),
    [
        (["fr"], "en", "default_language"),
        ([], "fr", "languages"),
        (["fr", "de"], "fr", "languages"),
        (["fr"], "de", "default_language"),
    ],
)
def test_a_default_language_not_offered_is_refused(paris, admin, languages, default, field):
    errors = _refused(
        lambda: tenant_languages_update(
            tenant=paris, actor=admin, languages=languages, default_language=default
        ),
        paris,
    )
    assert list(errors) == [field]


def test_moderation_flags_are_audited_with_their_values(paris, admin):
    tenant_moderation_update(tenant=paris, actor=admin, missions=True, organizations=False)

    row = _row(paris)
    assert (row["moderation_enabled"], row["organization_moderation_enabled"]) == (True, False)
    assert AuditEvent.objects.get().data == {
        "fields": ["organization_moderation_enabled"],
        "values": {"organization_moderation_enabled": False},
    }


def test_footer_links_https_and_site_paths(paris, admin):
    tenant_footer_links_update(
        tenant=paris,
        actor=admin,
        links=[
            FooterLink(label="Mairie de Paris", url="https://www.paris.fr/"),
            FooterLink(label=" Nous <b>écrire</b> ", url="/organisation/"),
        ],
    )

    assert _row(paris)["footer_links"] == [
        {"label": "Mairie de Paris", "url": "https://www.paris.fr/"},
        {"label": "Nous écrire", "url": "/organisation/"},
    ]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "http://www.paris.fr/",
        "//evil.example/",
        "data:text/html,<script>alert(1)</script>",
        "https://",
        "/\\evil.example",
        "https://paris.fr/ space",
        "mailto:x@paris.fr",
        "relative/path",
    ],
)
def test_a_footer_link_that_is_not_https_or_a_site_path_is_refused(paris, admin, url):
    assert footer_link_url_error(url) is not None
    errors = _refused(
        lambda: tenant_footer_links_update(
            tenant=paris, actor=admin, links=[FooterLink(label="Lien", url=url)]
        ),
        paris,
    )
    assert list(errors) == ["footer_links"]
    assert errors["footer_links"][0].startswith("Lien 1 : ")


def test_a_footer_link_without_a_label_and_too_many_links_are_refused(paris, admin):
    errors = _refused(
        lambda: tenant_footer_links_update(
            tenant=paris,
            actor=admin,
            links=[FooterLink(label="", url="/a/")] + [FooterLink(label="x", url="/x/")] * 8,
        ),
        paris,
    )
    assert len(errors["footer_links"]) == 2


# --- every process sees a change on its next request ------------------------------------------


def test_another_process_sees_the_new_branding_on_its_next_request(paris, admin):
    host = paris.primary_host
    assert resolve_host(host).tenant.name == "Paris"
    # What another worker holds: its own copy of the route, read before the change.
    other_process_copy = dict(routing._local)
    assert host in other_process_copy

    _branding(paris, admin, name="Paris Centre", primary_color="#1b3a6b")
    routing._local.clear()
    routing._local.update(other_process_copy)  # that worker never saw the change happen
    seen = resolve_host(host).tenant

    assert seen.name == "Paris Centre"
    assert branding_for(seen).primary == "#1b3a6b"


def test_the_change_starts_a_new_routing_generation_again_on_commit(
    paris, admin, django_capture_on_commit_callbacks
):
    """A worker that read the row between the save and the commit cached the old values under
    the token of the moment; the commit starts yet another generation, so that copy is dropped."""
    resolve_host(paris.primary_host)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tenant_moderation_update(tenant=paris, actor=admin, missions=False, organizations=True)
        token_before_commit = routing._generation.read()

    assert callbacks  # the invalidation waits for the commit
    assert routing._generation.read() != token_before_commit
    assert resolve_host(paris.primary_host).tenant.moderation_enabled is False
