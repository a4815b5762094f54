"""Account URLs on tenant hosts, mounted at /accounts/ before allauth's own.

The sign-in page (accounts.sign_in_page: the company's identity provider first), the SAML
"finish ACS", OpenID Connect and Facebook login/callback URLs replace allauth's (same paths and
names) with the stricter views of accounts.sso; the e-mail confirmation link replaces allauth's
with the view that reads tenant-bound keys (tenants.signing).
"""

from django.urls import include, path, re_path

from accounts import api, sign_in_page, views
from accounts.sso import facebook, oidc, saml

settings_patterns = [
    path("", views.sign_in_settings, name="sign-in-settings"),
    path("saml/", views.saml_settings, name="saml-settings"),
    path("oidc/", views.oidc_settings, name="oidc-settings"),
    path("facebook/", views.facebook_settings, name="facebook-settings"),
    path("<str:kind>/delete/", views.connection_delete, name="connection-delete"),
]

# Same paths and URL names as allauth's, resolved first: outside the "accounts" namespace.
allauth_overrides = [
    # The company's identity provider first, straight to it when the tenant asks.
    path("login/", sign_in_page.login, name="account_login"),
    re_path(
        r"^confirm-email/(?P<key>[-:\w]+)/$", views.confirm_email, name="account_confirm_email"
    ),
    path("facebook/login/", facebook.login, name="facebook_login"),
    path("facebook/login/callback/", facebook.callback, name="facebook_callback"),
    path("facebook/login/token/", facebook.login_by_token, name="facebook_login_by_token"),
    re_path(
        r"^saml/(?P<organization_slug>[^/]+)/acs/finish/$",
        saml.finish_acs,
        name="saml_finish_acs",
    ),
    re_path(r"^oidc/(?P<provider_id>[^/]+)/login/$", oidc.login, name="openid_connect_login"),
    re_path(
        r"^oidc/(?P<provider_id>[^/]+)/login/callback/$",
        oidc.callback,
        name="openid_connect_callback",
    ),
]

account_patterns = [
    path("settings/sign-in/", include(settings_patterns)),
    path("api/me/", api.MeApi.as_view(), name="api-me"),
]

urlpatterns = [
    path("", include((account_patterns, "accounts"))),
    *allauth_overrides,
]
