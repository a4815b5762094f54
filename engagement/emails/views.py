"""A person's e-mail preferences page, and the one-click unsubscribe of every optional e-mail.

The unsubscribe link needs no session: the signed, tenant-bound token names the person and the
category. GET shows a confirmation page (mail scanners follow links; only a POST changes
anything); POST — the page's button or a mail program's RFC 8058 one-click request, which
carries no CSRF token — turns the category off.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.requests import SignedInRequest
from engagement.emails.delivery import EmailCategory, email_preferences, unsubscribe_token_read
from engagement.emails.forms import EmailPreferencesForm
from engagement.emails.services_preferences import (
    email_category_unsubscribe,
    email_preferences_update,
)
from engagement.errors import EngagementError
from tenants.signing import InvalidToken


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: SignedInRequest) -> HttpResponse:
    current = email_preferences(request.user)
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST)
        if form.is_valid():
            try:
                email_preferences_update(
                    user=request.user, actor=request.user, changes=form.cleaned_data
                )
            except EngagementError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, _("Your e-mail preferences are saved."))
                return redirect("email-preferences")
        status = 400
    else:
        form = EmailPreferencesForm(initial=EmailPreferencesForm.initial_from(current))
        status = 200
    return render(request, "emails/pages/preferences.html", {"form": form}, status=status)


def _category_label(category: EmailCategory) -> str:
    return str(
        {
            EmailCategory.REMINDERS: _("reminders of your commitments"),
            EmailCategory.ALERTS: _("alerts of your saved searches"),
            EmailCategory.FRIENDS: _("news from your friends"),
            EmailCategory.ORGANIZATION_MESSAGES: _("messages from organizations"),
            EmailCategory.CAMPAIGNS: _("announcements of campaigns"),
        }[category]
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id, category = unsubscribe_token_read(token, tenant=request.tenant)
    except (InvalidToken, ValueError):
        raise Http404 from None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    context = {"category_label": _category_label(category), "token": token}
    if request.method == "POST":
        email_category_unsubscribe(user=user, category=category)
        return render(request, "emails/pages/unsubscribed.html", context)
    return render(request, "emails/pages/unsubscribe.html", context)
