"""Who may change a cause or a skill: the tenant's admins (the back office's settings pages)."""

from __future__ import annotations

from django.http import Http404

from accounts.permissions import Viewer, get_or_404, id_or_404, user_is_tenant_admin
from engagement.taxonomy.models import Cause, Skill


def cause_get_for_admin(*, cause_id: int | str, user: Viewer) -> Cause:
    """A cause of this tenant for a tenant admin; 404 when missing, and for anyone else."""
    if not user_is_tenant_admin(user):
        raise Http404
    return get_or_404(Cause.objects.all(), id_or_404(cause_id))


def skill_get_for_admin(*, skill_id: int | str, user: Viewer) -> Skill:
    """A skill of this tenant for a tenant admin; 404 when missing, and for anyone else."""
    if not user_is_tenant_admin(user):
        raise Http404
    return get_or_404(Skill.objects.all(), id_or_404(skill_id))
