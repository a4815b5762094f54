"""Instance settings (/gestion/reglages/), for tenant admins only: branding with a live preview,
welcome text, map, languages, causes and skills, moderation, access, footer links.

Each page reads the routed tenant (no query) and writes through one service: the Tenant's
settings through tenants.settings_services, causes and skills through
engagement.taxonomy.services. A refusal re-renders the page with a 400 and the messages next to
their fields; a change redirects back with a message (and every process sees it on its next
request: see tenants.settings_services).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.requests import SignedInRequest
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.forms_settings import (
    AccessForm,
    BrandingForm,
    FooterLinksForm,
    LanguagesForm,
    MapForm,
    ModerationForm,
    TaxonomyNameForm,
    WelcomeTextForm,
)
from engagement.backoffice.rendering import backoffice_render
from engagement.errors import EngagementError
from engagement.form_fields import SummarisedErrorsForm
from engagement.organization_pages import show_service_error
from engagement.taxonomy import services as taxonomy_services
from engagement.taxonomy.access import cause_get_for_admin, skill_get_for_admin
from engagement.taxonomy.selectors import (
    cause_list_for_settings,
    skill_list_for_settings,
    taxonomy_counts,
)
from tenants.branding import brand_preview
from tenants.models import Tenant
from tenants.settings_services import (
    colour_errors,
    tenant_access_update,
    tenant_branding_update,
    tenant_footer_links_update,
    tenant_languages_update,
    tenant_map_update,
    tenant_moderation_update,
    tenant_welcome_text_update,
)


class SettingsRequest(SignedInRequest):
    """A settings page's request: a signed-in tenant admin (backoffice_page) on a tenant host."""

    tenant: Tenant


# The settings pages, in the order of their sub-navigation: (URL name, label).
SECTIONS: tuple[tuple[str, str | Promise], ...] = (
    ("backoffice:settings", gettext_lazy("Summary")),
    ("backoffice:settings-branding", gettext_lazy("Branding")),
    ("backoffice:settings-welcome", gettext_lazy("Welcome text")),
    ("backoffice:settings-map", gettext_lazy("Map")),
    ("backoffice:settings-languages", gettext_lazy("Languages")),
    ("backoffice:settings-causes", gettext_lazy("Causes")),
    ("backoffice:settings-skills", gettext_lazy("Skills")),
    ("backoffice:settings-moderation", gettext_lazy("Moderation")),
    ("backoffice:settings-access", gettext_lazy("Access")),
    ("backoffice:settings-footer", gettext_lazy("Footer links")),
)


def _render(
    request: SettingsRequest,
    template: str,
    context: dict[str, Any],
    *,
    form: SummarisedErrorsForm | None = None,
    status: int | None = None,
) -> HttpResponse:
    sections = [
        {"url": reverse(name), "label": label, "is_current": reverse(name) == request.path}
        for name, label in SECTIONS
    ]
    if status is None:
        status = 400 if form is not None and form.errors else 200
    return backoffice_render(
        request,
        f"backoffice/settings/{template}",
        {"settings_sections": sections, "form": form, **context},
        status=status,
    )


def _saved(request: SettingsRequest, url_name: str) -> HttpResponse:
    messages.success(request, _("The settings are saved."))
    return redirect(url_name)


def _try(form: SummarisedErrorsForm, change: Callable[[], object]) -> bool:
    """Run a service call; a refusal goes onto the form's fields. True when it went through."""
    try:
        change()
    except (ValidationError, EngagementError) as error:
        show_service_error(form, error)
        return False
    return True


@require_GET
@backoffice_page(admins_only=True)
def settings_index(request: SettingsRequest) -> HttpResponse:
    """Every setting at a glance, each with a link to its page."""
    tenant = request.tenant
    return _render(
        request,
        "index.html",
        {
            "preview": brand_preview(tenant.primary_color, tenant.accent_color),
            "taxonomy": taxonomy_counts(),
            "languages": [
                label for code, label in tenant.Language.choices if code in tenant.offered_languages
            ],
            "default_language": tenant.get_default_language_display(),
        },
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def settings_branding(request: SettingsRequest) -> HttpResponse:
    """Name, tagline, colours (AA contrast checked), logo and social image, with a preview:
    updated as one types with JavaScript, and by the "Preview" button without it."""
    tenant = request.tenant
    form = BrandingForm(
        request.POST or None, request.FILES or None, initial=BrandingForm.initial_from(tenant)
    )
    shown = (tenant.name, tenant.tagline, tenant.primary_color, tenant.accent_color)
    status = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        shown = (data["name"], data["tagline"], data["primary_color"], data["accent_color"])
        if "preview" in request.POST:
            # Nothing is saved: the page shows the colours and what the checks say of them.
            for field, field_messages in colour_errors(shown[2], shown[3]).items():
                form.add_error(field, field_messages)
            status = 200
        elif _try(
            form,
            lambda: tenant_branding_update(
                tenant=tenant, actor=request.user, **form.service_kwargs()
            ),
        ):
            return _saved(request, "backoffice:settings-branding")
    elif request.method == "POST":
        shown = (
            form.data.get("name", ""),
            form.data.get("tagline", ""),
            form.data.get("primary_color", ""),
            form.data.get("accent_color", ""),
        )
    name, tagline, primary, accent = shown
    return _render(
        request,
        "branding.html",
        {
            "preview": brand_preview(primary, accent, fallback=tenant),
            "preview_name": name or tenant.name,
            "preview_tagline": tagline,
        },
        form=form,
        status=status,
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def settings_welcome(request: SettingsRequest) -> HttpResponse:
    tenant = request.tenant
    form = WelcomeTextForm(request.POST or None, initial={"welcome_text": tenant.welcome_text})
    if request.method == "POST" and form.is_valid():
        if _try(
            form,
            lambda: tenant_welcome_text_update(
                tenant=tenant, actor=request.user, welcome_text=form.cleaned_data["welcome_text"]
            ),
        ):
            return _saved(request, "backoffice:settings-welcome")
    return _render(request, "welcome.html", {}, form=form)


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def settings_map(request: SettingsRequest) -> HttpResponse:
    """The centre and zoom the site's maps open on: number fields, and a map (JavaScript) where a
    click sets the centre and zooming sets the zoom."""
    tenant = request.tenant
    form = MapForm(request.POST or None, initial=MapForm.initial_from(tenant))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _try(
            form,
            lambda: tenant_map_update(
                tenant=tenant,
                actor=request.user,
                latitude=data["latitude"],
                longitude=data["longitude"],
                zoom=data["zoom"],
                geocoder=data["geocoder"] or None,
            ),
        ):
            return _saved(request, "backoffice:settings-map")
    return _render(request, "map.html", {}, form=form)


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def settings_languages(request: SettingsRequest) -> HttpResponse:
    tenant = request.tenant
    form = LanguagesForm(
        request.POST or None,
        initial={
            "languages": tenant.offered_languages,
            "default_language": tenant.default_language,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _try(
            form,
            lambda: tenant_languages_update(
                tenant=tenant,
                actor=request.user,
                languages=data["languages"],
                default_language=data["default_language"],
            ),
        ):
            return _saved(request, "backoffice:settings-languages")
    return _render(request, "languages.html", {}, form=form)


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def settings_moderation(request: SettingsRequest) -> HttpResponse:
    tenant = request.tenant
    form = ModerationForm(
        request.POST or None,
        initial={
            "missions": tenant.moderation_enabled,
            "organizations": tenant.organization_moderation_enabled,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _try(
            form,
            lambda: tenant_moderation_update(
                tenant=tenant,
                actor=request.user,
                missions=data["missions"],
                organizations=data["organizations"],
            ),
        ):
            return _saved(request, "backoffice:settings-moderation")
    return _render(request, "moderation.html", {}, form=form)


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def settings_access(request: SettingsRequest) -> HttpResponse:
    tenant = request.tenant
    form = AccessForm(
        # Both boxes unticked post nothing: still a submitted form.
        request.POST if request.method == "POST" else None,
        initial={"is_private": tenant.is_private, "sso_auto_redirect": tenant.sso_auto_redirect},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _try(
            form,
            lambda: tenant_access_update(
                tenant=tenant,
                actor=request.user,
                is_private=data["is_private"],
                sso_auto_redirect=data["sso_auto_redirect"],
            ),
        ):
            return _saved(request, "backoffice:settings-access")
    return _render(request, "access.html", {}, form=form)


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def settings_footer(request: SettingsRequest) -> HttpResponse:
    tenant = request.tenant
    form = FooterLinksForm(request.POST or None, initial=FooterLinksForm.initial_from(tenant))
    if request.method == "POST" and form.is_valid():
        if _try(
            form,
            lambda: tenant_footer_links_update(
                tenant=tenant, actor=request.user, links=form.links()
            ),
        ):
            return _saved(request, "backoffice:settings-footer")
    return _render(request, "footer.html", {}, form=form)


# --- causes and skills ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Vocabulary:
    """What differs between the causes page and the skills page."""

    url_name: str
    get: Callable[[str, Any], Model]
    listing: Callable[[], Any]
    create: Callable[..., Model]
    rename: Callable[..., Model]
    retire: Callable[..., Model]
    restore: Callable[..., Model]
    title: str | Promise
    intro: str | Promise
    add_title: str | Promise


_CAUSES = _Vocabulary(
    url_name="backoffice:settings-causes",
    get=lambda item_id, user: cause_get_for_admin(cause_id=item_id, user=user),
    listing=cause_list_for_settings,
    create=taxonomy_services.cause_create,
    rename=lambda item, **names: taxonomy_services.cause_rename(cause=item, **names),
    retire=lambda item, **kwargs: taxonomy_services.cause_retire(cause=item, **kwargs),
    restore=lambda item, **kwargs: taxonomy_services.cause_restore(cause=item, **kwargs),
    title=gettext_lazy("Causes"),
    intro=gettext_lazy(
        "The interests missions and volunteers choose from. A retired cause is no longer "
        "offered for new missions and profiles; missions that have it keep and show it, and "
        "you can restore it at any time."
    ),
    add_title=gettext_lazy("Add a cause"),
)
_SKILLS = _Vocabulary(
    url_name="backoffice:settings-skills",
    get=lambda item_id, user: skill_get_for_admin(skill_id=item_id, user=user),
    listing=skill_list_for_settings,
    create=taxonomy_services.skill_create,
    rename=lambda item, **names: taxonomy_services.skill_rename(skill=item, **names),
    retire=lambda item, **kwargs: taxonomy_services.skill_retire(skill=item, **kwargs),
    restore=lambda item, **kwargs: taxonomy_services.skill_restore(skill=item, **kwargs),
    title=gettext_lazy("Skills"),
    intro=gettext_lazy(
        "What missions ask for and volunteers can bring. A retired skill is no longer offered "
        "for new missions and profiles; missions that have it keep and show it, and you can "
        "restore it at any time."
    ),
    add_title=gettext_lazy("Add a skill"),
)


def _vocabulary_page(request: SettingsRequest, vocabulary: _Vocabulary) -> HttpResponse:
    """The list with a rename form and a retire (or restore) button per item, and an add form.
    Every form posts here with its `action`; the item's id is in the body, never in the URL."""
    add_form = TaxonomyNameForm(prefix="new")
    edited: tuple[int, TaxonomyNameForm] | None = None
    unknown_action = False
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "add":
            add_form = TaxonomyNameForm(request.POST, prefix="new")
            if add_form.is_valid() and _try(
                add_form, lambda: vocabulary.create(actor=request.user, **add_form.cleaned_data)
            ):
                messages.success(request, _("Added."))
                return redirect(vocabulary.url_name)
        elif action in {"rename", "retire", "restore"}:
            item = vocabulary.get(request.POST.get("item", ""), request.user)
            if action == "rename":
                form = TaxonomyNameForm(request.POST, prefix=f"item-{item.pk}")
                edited = (item.pk, form)
                if form.is_valid() and _try(
                    form, lambda: vocabulary.rename(item, actor=request.user, **form.cleaned_data)
                ):
                    messages.success(request, _("Renamed."))
                    return redirect(vocabulary.url_name)
            else:
                change = vocabulary.retire if action == "retire" else vocabulary.restore
                change(item, actor=request.user)
                messages.success(request, _("Retired.") if action == "retire" else _("Restored."))
                return redirect(vocabulary.url_name)
        else:
            # A form of this page always names its action: anything else changes nothing.
            messages.error(request, _("Choose what to do."))
            unknown_action = True
    items = []
    for item in vocabulary.listing():
        if edited is not None and edited[0] == item.pk:
            form = edited[1]
        else:
            form = TaxonomyNameForm(
                prefix=f"item-{item.pk}",
                initial={"name_fr": item.name_fr, "name_en": item.name_en},
            )
        items.append((item, form))
    failed = edited[1] if edited is not None and edited[1].errors else add_form
    return _render(
        request,
        "vocabulary.html",
        {"vocabulary": vocabulary, "items": items, "add_form": add_form},
        form=failed,
        status=400 if unknown_action else None,
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def settings_causes(request: SettingsRequest) -> HttpResponse:
    return _vocabulary_page(request, _CAUSES)


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def settings_skills(request: SettingsRequest) -> HttpResponse:
    return _vocabulary_page(request, _SKILLS)
