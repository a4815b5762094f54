"""Who may see or change a saved search: its owner only (the same 404 for "missing" and "not
yours")."""

from __future__ import annotations

from django.http import Http404

from accounts.permissions import Viewer, get_or_404, id_or_404, user_is_signed_in
from engagement.alerts.models import SavedSearch


def saved_search_get_for_owner(*, saved_search_id: int | str, user: Viewer) -> SavedSearch:
    pk = id_or_404(saved_search_id)
    if not user_is_signed_in(user):
        raise Http404
    return get_or_404(SavedSearch.objects.filter(user_id=user.pk), pk)
