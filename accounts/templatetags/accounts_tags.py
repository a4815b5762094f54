"""Template helpers of the accounts pages: accessible form fields, MFA set-up follow-up."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from accounts import policy
from accounts.middleware import SESSION_NEXT_KEY

register = template.Library()


def errors_id(field: BoundField) -> str:
    return f"{field.auto_id}_errors"


def help_id(field: BoundField) -> str:
    return f"{field.auto_id}_helptext"


@register.filter
def accessible_widget(field: BoundField) -> SafeString:
    """The widget with aria-describedby naming its help text and errors, aria-invalid on error."""
    described_by = []
    if field.help_text:
        described_by.append(help_id(field))
    if field.errors:
        described_by.append(errors_id(field))
    attrs: dict[str, Any] = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def field_errors_id(field: BoundField) -> str:
    return errors_id(field)


@register.filter
def field_help_id(field: BoundField) -> str:
    return help_id(field)


@register.simple_tag(takes_context=True)
def mfa_setup_continue_url(context: template.Context) -> str:
    """Where an admin sent to set up MFA was going, once MFA is active (else '')."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return ""
    target = request.session.get(SESSION_NEXT_KEY, "")
    if target and policy.user_has_mfa(getattr(request, "user", None)):
        return str(target)
    return ""
