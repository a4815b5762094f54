"""Mission sharing in the back office (/gestion/partage/, tenant admins only).

A city: "Share missions with companies" (on/off, every verified organization or those chosen,
the subscribing companies, stop one, and the companies' employees on its missions). A company:
"Missions from the cities" (the cities that share, subscribe with a radius around all or chosen
sites, stop). The page is the one for the tenant's kind; a form of the other kind is refused
with a message. Every write goes through engagement.sharing.services."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from engagement.backoffice.access import backoffice_page
from engagement.backoffice.rendering import backoffice_render
from engagement.errors import EngagementError
from engagement.sharing import selectors, services
from engagement.sharing.forms import CitySubscriptionForm, SharingSettingsForm, StopForm
from tenants.models import Tenant

CITY_TEMPLATE = "sharing/backoffice_city.html"
COMPANY_TEMPLATE = "sharing/backoffice_company.html"


def _page() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("backoffice:sharing"))


def _is_city(request: HttpRequest) -> bool:
    return request.tenant.kind == Tenant.Kind.CITY


def _wrong_kind(request: HttpRequest) -> HttpResponse:
    if _is_city(request):
        messages.error(request, _("Only a company subscribes to the missions of a city."))
    else:
        messages.error(request, _("Only a city shares its missions with companies."))
    return _page()


def _render_city(
    request: HttpRequest, form: SharingSettingsForm | None = None, *, status: int = 200
) -> HttpResponse:
    settings_row = services.sharing_settings()
    if form is None:
        form = SharingSettingsForm(
            initial={
                "is_sharing": settings_row.is_sharing,
                "all_verified_organizations": settings_row.all_verified_organizations,
                "organizations": list(settings_row.organizations.values_list("pk", flat=True)),
            }
        )
    context = {
        "form": form,
        "settings": settings_row,
        "subscribers": list(selectors.sharing_subscriber_list()),
        "guest_participations": selectors.company_guest_participations(),
    }
    return backoffice_render(request, CITY_TEMPLATE, context, status=status)


def _cities() -> list[services.SharingCity]:
    return services.sharing_cities()


def _render_company(
    request: HttpRequest, form: CitySubscriptionForm | None = None, *, status: int = 200
) -> HttpResponse:
    cities = _cities()
    if form is None:
        form = CitySubscriptionForm(cities=[(city.tenant_id, city.name) for city in cities])
    context = {
        "form": form,
        "cities": cities,
        "subscriptions": list(selectors.city_subscription_list()),
    }
    return backoffice_render(request, COMPANY_TEMPLATE, context, status=status)


@require_GET
@backoffice_page(admins_only=True)
def sharing(request: HttpRequest) -> HttpResponse:
    return _render_city(request) if _is_city(request) else _render_company(request)


@require_POST
@backoffice_page(admins_only=True)
def sharing_settings(request: HttpRequest) -> HttpResponse:
    if not _is_city(request):
        return _wrong_kind(request)
    form = SharingSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.sharing_settings_update(
                actor=request.user,
                is_sharing=form.cleaned_data["is_sharing"],
                all_verified_organizations=form.cleaned_data["all_verified_organizations"],
                organizations=form.cleaned_data["organizations"],
            )
        except EngagementError as error:
            for field, errors in (error.fields or {"__all__": [error.detail]}).items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Sharing settings saved."))
            return _page()
    return _render_city(request, form, status=400)


@require_POST
@backoffice_page(admins_only=True)
def sharing_subscriber_stop(request: HttpRequest) -> HttpResponse:
    if not _is_city(request):
        return _wrong_kind(request)
    form = StopForm(request.POST)
    subscriber = (
        selectors.sharing_subscriber_get(subscriber_id=form.cleaned_data["agreement"])
        if form.is_valid()
        else None
    )
    if subscriber is None:
        messages.error(request, _("This company does not receive your missions."))
        return _page()
    try:
        services.sharing_subscriber_stop(actor=request.user, subscriber=subscriber)
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("%(company)s no longer receives your missions.")
            % {"company": subscriber.company_name},
        )
    return _page()


@require_POST
@backoffice_page(admins_only=True)
def city_subscribe(request: HttpRequest) -> HttpResponse:
    if _is_city(request):
        return _wrong_kind(request)
    cities = _cities()
    form = CitySubscriptionForm(
        request.POST, cities=[(city.tenant_id, city.name) for city in cities]
    )
    if form.is_valid():
        try:
            services.city_subscribe(
                actor=request.user,
                city_tenant_id=form.cleaned_data["city"],
                radius_km=form.cleaned_data["radius_km"],
                all_sites=form.cleaned_data["all_sites"],
                sites=list(form.cleaned_data["sites"]),
            )
        except EngagementError as error:
            for field, errors in (error.fields or {"__all__": [error.detail]}).items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, _("Subscribed: the missions appear in a few minutes on the search page.")
            )
            return _page()
    return _render_company(request, form, status=400)


@require_POST
@backoffice_page(admins_only=True)
def city_subscription_stop(request: HttpRequest) -> HttpResponse:
    if _is_city(request):
        return _wrong_kind(request)
    form = StopForm(request.POST)
    subscription = (
        selectors.city_subscription_get(subscription_id=form.cleaned_data["agreement"])
        if form.is_valid()
        else None
    )
    if subscription is None:
        messages.error(request, _("You do not receive this city's missions."))
        return _page()
    try:
        services.city_subscription_stop(actor=request.user, subscription=subscription)
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("You no longer receive the missions of %(city)s.") % {"city": subscription.city_name},
        )
    return _page()
