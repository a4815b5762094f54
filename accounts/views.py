"""Account pages on a tenant host: the tenant admin's sign-in settings (policy, SAML, OpenID
Connect, Facebook), the person's privacy page (download my data, delete my account), and the
e-mail confirmation link (allauth's view reading the tenant-bound key).

Views parse, authorise (accounts.permissions, billing.entitlements), call one service or selector
and present. Refused service calls come back as AccountsError and are shown on the form.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.views import ConfirmEmailView as AllauthConfirmEmailView
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts import services
from accounts.email_confirmation import TenantEmailConfirmationHMAC
from accounts.errors import AccountsError
from accounts.forms import FacebookAppForm, OidcConnectionForm, SamlConnectionForm, SignInPolicyForm
from accounts.middleware import admin_area
from accounts.permissions import user_is_tenant_admin
from accounts.sso import connections, selectors
from accounts.sso import services as sso_services
from billing.entitlements import entitlement_has

logger = logging.getLogger(__name__)

SSO_ENTITLEMENT = "sso"


def _show_error(form: Form, error: AccountsError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


class TenantAdminView(LoginRequiredMixin, View):
    """A page of the tenant's administration: tenant admins only (MFA enforced by middleware)."""

    entraide_admin_area = True
    needs_sso_entitlement = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not user_is_tenant_admin(request.user):
            raise PermissionDenied
        if self.needs_sso_entitlement and not entitlement_has(request.tenant, SSO_ENTITLEMENT):
            return render(request, "accounts/settings/not_entitled.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class SignInSettingsView(TenantAdminView):
    template_name = "accounts/settings/sign_in.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        tenant = request.tenant
        form = SignInPolicyForm(
            initial={
                "sso_required": tenant.sso_required,
                "allowed_email_domains": "\n".join(tenant.allowed_email_domains or []),
            }
        )
        return self._render(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SignInPolicyForm(request.POST)
        if form.is_valid():
            try:
                services.sign_in_policy_update(
                    tenant=request.tenant,
                    actor=request.user,
                    sso_required=form.cleaned_data["sso_required"],
                    allowed_email_domains=form.cleaned_data["allowed_email_domains"],
                )
            except AccountsError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Sign-in settings saved."))
                return HttpResponseRedirect(reverse("accounts:sign-in-settings"))
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: Form, status: int = 200) -> HttpResponse:
        tenant = request.tenant
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "connections": selectors.connection_summaries(),
                "sso_entitled": entitlement_has(tenant, SSO_ENTITLEMENT),
                "is_company": tenant.kind == "company",
                "is_city": tenant.kind == "city",
            },
            status=status,
        )


class ConnectionSettingsView(TenantAdminView):
    """A sign-in connection's settings page: its form, what is stored (masked) and the URLs the
    company's IT needs."""

    template_name: str

    def connection_urls(self, request: HttpRequest) -> Any:
        raise NotImplementedError

    def _render(
        self, request: HttpRequest, form: Form, app: Any, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "summary": selectors.connection_summary(app) if app else None,
                "urls": self.connection_urls(request),
            },
            status=status,
        )


class SamlSettingsView(ConnectionSettingsView):
    template_name = "accounts/settings/saml.html"

    def connection_urls(self, request: HttpRequest) -> Any:
        return connections.saml_urls(request, request.tenant.slug)

    needs_sso_entitlement = True

    def get(self, request: HttpRequest) -> HttpResponse:
        app = selectors.social_app_get(provider=connections.SAML)
        form = SamlConnectionForm(initial=SamlConnectionForm.initial_from(app))
        return self._render(request, form, app)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SamlConnectionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sso_services.saml_connection_save(
                    tenant=request.tenant,
                    actor=request.user,
                    name=data["name"],
                    metadata_url=data["metadata_url"],
                    metadata_xml=data["metadata_xml"],
                    idp_entity_id=data["idp_entity_id"],
                    idp_sso_url=data["idp_sso_url"],
                    idp_certificate=data["idp_certificate"],
                    attribute_mapping=form.attribute_mapping(),
                    allowed_email_domains=data["allowed_email_domains"],
                    profile_attributes=data["profile_attributes"],
                )
            except AccountsError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("SAML connection saved."))
                return HttpResponseRedirect(reverse("accounts:saml-settings"))
        app = selectors.social_app_get(provider=connections.SAML)
        return self._render(request, form, app, status=400)


class OidcSettingsView(ConnectionSettingsView):
    template_name = "accounts/settings/oidc.html"

    def connection_urls(self, request: HttpRequest) -> Any:
        return connections.oidc_urls(request)

    needs_sso_entitlement = True

    def get(self, request: HttpRequest) -> HttpResponse:
        app = selectors.social_app_get(provider=connections.OIDC)
        return self._render(
            request, OidcConnectionForm(initial=OidcConnectionForm.initial_from(app)), app
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OidcConnectionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sso_services.oidc_connection_save(
                    tenant=request.tenant,
                    actor=request.user,
                    name=data["name"],
                    issuer=data["issuer"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"] or None,
                    allowed_email_domains=data["allowed_email_domains"],
                    profile_attributes=data["profile_attributes"],
                )
            except AccountsError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("OpenID Connect connection saved."))
                return HttpResponseRedirect(reverse("accounts:oidc-settings"))
        app = selectors.social_app_get(provider=connections.OIDC)
        return self._render(request, form, app, status=400)


class FacebookSettingsView(ConnectionSettingsView):
    template_name = "accounts/settings/facebook.html"

    def connection_urls(self, request: HttpRequest) -> Any:
        return connections.facebook_urls(request)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.tenant, "kind", None) != "city":
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        app = selectors.social_app_get(provider=connections.FACEBOOK)
        form = FacebookAppForm(initial={"app_id": app.client_id} if app else None)
        return self._render(request, form, app)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = FacebookAppForm(request.POST)
        if form.is_valid():
            try:
                sso_services.facebook_app_save(
                    tenant=request.tenant,
                    actor=request.user,
                    app_id=form.cleaned_data["app_id"],
                    app_secret=form.cleaned_data["app_secret"] or None,
                )
            except AccountsError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Facebook sign-in saved."))
                return HttpResponseRedirect(reverse("accounts:facebook-settings"))
        app = selectors.social_app_get(provider=connections.FACEBOOK)
        return self._render(request, form, app, status=400)


class ConnectionDeleteView(TenantAdminView):
    http_method_names = ["post"]
    providers = {
        "saml": connections.SAML,
        "oidc": connections.OIDC,
        "facebook": connections.FACEBOOK,
    }

    def post(self, request: HttpRequest, kind: str) -> HttpResponse:
        provider = self.providers.get(kind)
        if provider is None:
            raise Http404
        if provider in connections.SSO_PROVIDERS and not entitlement_has(
            request.tenant, SSO_ENTITLEMENT
        ):
            return render(request, "accounts/settings/not_entitled.html", status=403)
        try:
            sso_services.connection_delete(
                tenant=request.tenant, actor=request.user, provider=provider
            )
        except AccountsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Connection removed."))
        return HttpResponseRedirect(reverse("accounts:sign-in-settings"))


class ConfirmEmailView(AllauthConfirmEmailView):
    """allauth's confirmation page, trusting only keys minted for this tenant; any other key
    (another tenant's, the public host's, allauth's own unbound one) is an invalid link: the
    page says so with a 404 on GET, and POST answers 404 before anything is written."""

    def get(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(*args, **kwargs)
        if self.object is None and response.status_code == 200:
            response.status_code = 404
        return response

    def get_object(self, queryset: Any = None) -> TenantEmailConfirmationHMAC:
        confirmation = TenantEmailConfirmationHMAC.from_key(self.kwargs["key"])
        if confirmation is None:
            raise Http404()
        return confirmation


sign_in_settings = admin_area(SignInSettingsView.as_view())
saml_settings = admin_area(SamlSettingsView.as_view())
oidc_settings = admin_area(OidcSettingsView.as_view())
facebook_settings = admin_area(FacebookSettingsView.as_view())
connection_delete = admin_area(ConnectionDeleteView.as_view())
confirm_email = ConfirmEmailView.as_view()
