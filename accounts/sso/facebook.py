"""Facebook login views of allauth, answering 404 where the tenant has no (usable) Facebook app.

allauth's own views let `SocialApp.DoesNotExist` escape as a server error; on a company tenant,
or a city without Facebook configured, the page simply does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.facebook import views as facebook_views
from django.http import Http404, HttpRequest, HttpResponse


def _or_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except SocialApp.DoesNotExist:
            raise Http404 from None

    return wrapper


login = _or_404(facebook_views.oauth2_login)
callback = _or_404(facebook_views.oauth2_callback)
login_by_token = _or_404(facebook_views.login_by_token)
