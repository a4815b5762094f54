""" "Find my friends" with Facebook: the Graph API at its HTTP boundary.

Opt-in and one-off: the person asks, Facebook's dialog asks them for the `user_friends`
permission, the code it sends back is exchanged for a token that is used once to read
`/me/friends` (the friends who also use this tenant's Facebook app) and then dropped — nothing
of Facebook is stored. The same app and the same Graph address as the Facebook login
(accounts.sso, SOCIALACCOUNT_PROVIDERS["facebook"]), with its appsecret_proof.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.socialaccount.providers.facebook.constants import GRAPH_API_URL, GRAPH_API_VERSION
from allauth.socialaccount.providers.facebook.flows import compute_appsecret_proof
from django.conf import settings

from accounts.sso.connections import FACEBOOK, app_hydrate

logger = logging.getLogger(__name__)

SCOPE = "user_friends"
TIMEOUT_SECONDS = 10
# Friends are read 100 at a time; a person with more than this many pages gets the first ones.
PAGE_SIZE = 100
MAX_PAGES = 20


class FacebookUnavailable(Exception):
    """Facebook refused or did not answer: the page says so, nothing changes."""


def facebook_app() -> SocialApp | None:
    """The tenant's Facebook app, ready to use, or None when the tenant has none."""
    app = SocialApp.objects.filter(provider=FACEBOOK).first()
    if app is None:
        return None
    hydrated = app_hydrate(app)
    return hydrated if hydrated.client_id and hydrated.secret else None


def dialog_url(*, app: SocialApp, redirect_uri: str, state: str) -> str:
    """Facebook's dialog asking the person for the list of their friends."""
    provider = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}).get(FACEBOOK, {})
    base = provider.get(
        "AUTHORIZE_URL", f"https://www.facebook.com/{GRAPH_API_VERSION}/dialog/oauth"
    )
    query = urlencode(
        {
            "client_id": app.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": SCOPE,
            "response_type": "code",
        }
    )
    return f"{base}?{query}"


def _get(url: str, params: dict[str, str] | None = None) -> dict[str, object]:
    try:
        response = requests.get(url, params=params, timeout=TIMEOUT_SECONDS)
        payload = response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("friends.facebook.unreachable", extra={"error": type(error).__name__})
        raise FacebookUnavailable from error
    if response.status_code != 200 or not isinstance(payload, dict):
        logger.warning("friends.facebook.refused", extra={"status": response.status_code})
        raise FacebookUnavailable
    return payload


def friend_uids(*, app: SocialApp, code: str, redirect_uri: str) -> set[str]:
    """The Facebook ids of the person's friends who use the app (the token is not kept)."""
    grant = _get(
        f"{GRAPH_API_URL}/oauth/access_token",
        {
            "client_id": app.client_id,
            "client_secret": app.secret,
            "redirect_uri": redirect_uri,
            "code": code,
        },
    )
    token = grant.get("access_token")
    if not isinstance(token, str) or not token:
        raise FacebookUnavailable
    uids: set[str] = set()
    url: str | None = f"{GRAPH_API_URL}/me/friends"
    params: dict[str, str] | None = {
        "access_token": token,
        # allauth's own proof (HMAC-SHA256 of the token with the app secret), unsaved token.
        "appsecret_proof": compute_appsecret_proof(app, SocialToken(token=token)),
        "limit": str(PAGE_SIZE),
        "fields": "id",
    }
    for _page in range(MAX_PAGES):
        if url is None:
            break
        payload = _get(url, params)
        for friend in payload.get("data") or []:  # type: ignore[union-attr]
            if isinstance(friend, dict) and isinstance(friend.get("id"), str):
                uids.add(friend["id"])
        paging = payload.get("paging")
        following = paging.get("next") if isinstance(paging, dict) else None
        # Only Graph's own next page, which carries its parameters.
        url = (
            following
            if isinstance(following, str) and following.startswith(GRAPH_API_URL)
            else None
        )
        params = None
    return uids
