"""Role checks shared by the engagement services: each raises EngagementError when the actor
lacks the role."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.permissions import (
    Viewer,
    user_is_moderator,
    user_is_signed_in,
    user_is_tenant_admin,
)
from engagement.errors import EngagementError, EngagementErrorCode


def require_moderator(actor: Viewer) -> None:
    if not user_is_moderator(actor):
        raise EngagementError(
            _("Only the moderators of this site can do this."),
            code=EngagementErrorCode.NOT_MODERATOR,
        )


def require_authenticated(actor: Viewer) -> None:
    """A signed-in, active account; a service refuses anyone else (a view that let an
    anonymous visitor or a suspended account through)."""
    if not user_is_signed_in(actor):
        raise EngagementError(_("Please sign in first."), code=EngagementErrorCode.NOT_ALLOWED)


def require_tenant_admin(actor: Viewer) -> None:
    if not user_is_tenant_admin(actor):
        raise EngagementError(
            _("Only the administrators of this site can do this."),
            code=EngagementErrorCode.NOT_ALLOWED,
        )
