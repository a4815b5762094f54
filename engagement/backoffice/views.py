"""Back-office pages. Each is a `backoffice_page`: anonymous visitors sign in first, other
users get a 403 page, moderators see the moderation part only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from engagement.backoffice.access import BackofficeRole, backoffice_page, backoffice_role
from engagement.backoffice.rendering import backoffice_render
from engagement.backoffice.selectors import moderation_summary, month_summary


@require_GET
@backoffice_page(admins_only=False)
def home(request: HttpRequest) -> HttpResponse:
    """What waits for moderation and, for tenant admins, the tenant this month."""
    role = backoffice_role(request.user)
    context = {
        "moderation": moderation_summary(),
        "month": month_summary() if role is BackofficeRole.ADMIN else None,
    }
    return backoffice_render(request, "backoffice/home.html", context)
