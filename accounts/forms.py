"""Forms of the accounts pages: sign-in settings, identity providers, account deletion, and the
sign-up form (the tenant's e-mail domains)."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.utils import filter_users_by_email
from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.sso.profile_attributes import (
    PROFILE_KEYS,
    app_profile_attributes,
    default_profile_attributes,
)
from accounts.sso.selectors import sso_allowed_domains

# Common attribute names of SAML identity providers (Entra ID / ADFS, Okta, Google, Shibboleth).
DEFAULT_SAML_ATTRIBUTES = {
    "email": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "email",
    ],
    "first_name": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "urn:oid:2.5.4.42",
        "firstName",
    ],
    "last_name": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "urn:oid:2.5.4.4",
        "lastName",
    ],
    "uid": [],
}


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


PROFILE_ATTRIBUTES_HELP = _(
    "Read at each sign-in to fill the employee's profile. One line per field — department, "
    "site, manager (their e-mail address), job_title, employee_number — then a colon and the "
    "attribute names, separated by commas (the first one present is used)."
)


def profile_attributes_parse(text: str) -> dict[str, list[str]]:
    """`key: name, name` lines → {key: [names]}; ValidationError on an unknown key or a line
    without a colon."""
    mapping: dict[str, list[str]] = {}
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        key, colon, names = line.partition(":")
        key = key.strip()
        if not colon or key not in PROFILE_KEYS:
            raise forms.ValidationError(
                _("“%(line)s”: start with one of %(keys)s, then a colon.")
                % {"line": line[:80], "keys": ", ".join(PROFILE_KEYS)}
            )
        mapping[key] = [name.strip() for name in names.split(",") if name.strip()]
    return mapping


def profile_attributes_text(mapping: dict[str, list[str]]) -> str:
    return "\n".join(f"{key}: {', '.join(names)}" for key, names in mapping.items() if names)


class ProfileAttributesMixin(forms.Form):
    profile_attributes = forms.CharField(
        label=_("Profile attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=PROFILE_ATTRIBUTES_HELP,
    )

    def clean_profile_attributes(self) -> dict[str, list[str]]:
        return profile_attributes_parse(self.cleaned_data.get("profile_attributes") or "")


def _terms_links() -> str:
    """Links to the terms of use and the privacy policy (the tenant's legal pages)."""
    try:
        terms_url, privacy_url = reverse("legal:terms"), reverse("legal:privacy")
    except NoReverseMatch:  # not on a tenant host
        return ""
    return format_html(
        '<a href="{}">{}</a> · <a href="{}">{}</a>',
        terms_url,
        _("Read the terms of use"),
        privacy_url,
        _("Read the privacy policy"),
    )


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form; on company tenants only the tenant's own domains are accepted;
    the terms of use must be accepted (the version accepted is recorded by
    accounts.adapters.AccountAdapter.save_user).

    An address that already has an account is not an error on the form (that would tell anyone
    who has an account here): the form goes through, allauth sends the owner an "account already
    exists" e-mail instead of creating anything, and the answer is the same "check your inbox"
    page a new sign-up gets (accounts.stages makes e-mail verification part of every password
    sign-up for that reason).
    """

    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use"),
        error_messages={"required": _("Accept the terms of use to create your account.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # After the address and passwords, whatever order allauth gave its own fields.
        self.fields["accept_terms"] = self.fields.pop("accept_terms")
        self.fields["accept_terms"].help_text = _terms_links()

    def validate_unique_email(self, value: str) -> str:
        if filter_users_by_email(value):
            self.account_already_exists = True
            return value
        return super().validate_unique_email(value)

    def clean_email(self) -> str:
        email = super().clean_email()
        tenant = policy.current_tenant_or_none()
        if email and not policy.signup_email_allowed(tenant=tenant, email=email):
            domains = policy.domains_normalize(getattr(tenant, "allowed_email_domains", []) or [])
            raise forms.ValidationError(
                _("Sign up with your work address (%(domains)s).")
                % {"domains": ", ".join(domains) or "—"},
                code="email_domain_not_allowed",
            )
        return email


class AddEmailForm(AllauthAddEmailForm):
    """On company tenants, an added address must be in a domain the tenant (or one of its SSO
    connections) admits."""

    def clean_email(self) -> str:
        email = super().clean_email()
        tenant = policy.current_tenant_or_none()
        sso_domains = sso_allowed_domains()
        if email and not policy.email_address_allowed(
            tenant=tenant, email=email, sso_domains=sso_domains
        ):
            domains = policy.domains_normalize(
                [*(getattr(tenant, "allowed_email_domains", []) or []), *sso_domains]
            )
            raise forms.ValidationError(
                _("Only addresses of these domains can be used here: %(domains)s.")
                % {"domains": ", ".join(domains) or "—"},
                code="email_domain_not_allowed",
            )
        return email


class SignInPolicyForm(forms.Form):
    sso_required = forms.BooleanField(
        label=_("SSO required"),
        required=False,
        help_text=_(
            "Everyone signs in through your identity provider. Password sign-in and sign-up are "
            "turned off, except for administrators who use two-factor authentication."
        ),
    )
    allowed_email_domains = forms.CharField(
        label=_("E-mail domains allowed to sign up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. example.com. Leave empty to close e-mail sign-up."),
    )

    def clean_allowed_email_domains(self) -> list[str]:
        return _lines(self.cleaned_data["allowed_email_domains"])


class SamlConnectionForm(ProfileAttributesMixin, forms.Form):
    name = forms.CharField(
        label=_("Button label"),
        max_length=40,
        required=False,
        help_text=_("Shown on the sign-in button, e.g. “Acme SSO”."),
    )
    metadata_url = forms.URLField(
        label=_("IdP metadata URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Fetched now and each time you save; or paste the XML below."),
    )
    metadata_xml = forms.CharField(
        label=_("IdP metadata XML"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    idp_entity_id = forms.CharField(
        label=_("IdP entity ID"),
        required=False,
        max_length=500,
        help_text=_("Needed only without metadata, or to pick one IdP from a federation file."),
    )
    idp_sso_url = forms.URLField(
        label=_("IdP single sign-on URL (HTTP-Redirect)"), required=False, assume_scheme="https"
    )
    idp_certificate = forms.CharField(
        label=_("IdP signing certificate (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attribute_email = forms.CharField(
        label=_("E-mail attribute"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Attribute names, one per line; the first one present is used."),
    )
    attribute_first_name = forms.CharField(
        label=_("First name attribute"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attribute_last_name = forms.CharField(
        label=_("Last name attribute"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attribute_uid = forms.CharField(
        label=_("Unique ID attribute"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty to use the NameID."),
    )
    allowed_email_domains = forms.CharField(
        label=_("E-mail domains this IdP may admit"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. Other addresses are refused."),
    )

    def clean_allowed_email_domains(self) -> list[str]:
        return _lines(self.cleaned_data["allowed_email_domains"])

    def attribute_mapping(self) -> dict[str, list[str]]:
        return {
            key: _lines(self.cleaned_data.get(f"attribute_{key}", "") or "")
            for key in ("email", "first_name", "last_name", "uid")
        }

    @staticmethod
    def initial_from(app: Any) -> dict[str, Any]:
        if app is None:
            return {
                **{
                    f"attribute_{key}": "\n".join(names)
                    for key, names in DEFAULT_SAML_ATTRIBUTES.items()
                },
                "profile_attributes": profile_attributes_text(default_profile_attributes("saml")),
            }
        stored = app.settings or {}
        idp = stored.get("idp") or {}
        mapping = stored.get("attribute_mapping") or {}
        return {
            "name": app.name,
            "metadata_url": stored.get("metadata_url", ""),
            "idp_entity_id": idp.get("entity_id", ""),
            "idp_sso_url": idp.get("sso_url", ""),
            "idp_certificate": idp.get("x509cert", ""),
            "allowed_email_domains": "\n".join(stored.get("allowed_email_domains") or []),
            **{
                f"attribute_{key}": "\n".join(mapping.get(key) or [])
                for key in ("email", "first_name", "last_name", "uid")
            },
            "profile_attributes": profile_attributes_text(app_profile_attributes(app)),
        }


class OidcConnectionForm(ProfileAttributesMixin, forms.Form):
    field_order = (
        "name",
        "issuer",
        "client_id",
        "client_secret",
        "allowed_email_domains",
        "profile_attributes",
    )
    name = forms.CharField(label=_("Button label"), max_length=40, required=False)
    issuer = forms.URLField(
        label=_("Issuer URL"),
        assume_scheme="https",
        help_text=_("Its /.well-known/openid-configuration is checked when you save."),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=191)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the stored secret."),
    )
    allowed_email_domains = forms.CharField(
        label=_("E-mail domains this provider may admit"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. Other addresses are refused."),
    )

    def clean_allowed_email_domains(self) -> list[str]:
        return _lines(self.cleaned_data["allowed_email_domains"])

    @staticmethod
    def initial_from(app: Any) -> dict[str, Any]:
        if app is None:
            return {
                "profile_attributes": profile_attributes_text(default_profile_attributes("oidc"))
            }
        stored = app.settings or {}
        return {
            "profile_attributes": profile_attributes_text(app_profile_attributes(app)),
            "name": app.name,
            "issuer": stored.get("server_url", ""),
            "client_id": app.client_id,
            "allowed_email_domains": "\n".join(stored.get("allowed_email_domains") or []),
        }


class FacebookAppForm(forms.Form):
    app_id = forms.CharField(label=_("Facebook app ID"), max_length=32)
    app_secret = forms.CharField(
        label=_("Facebook app secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the stored secret."),
    )
