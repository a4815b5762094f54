"""Reads of volunteer profiles."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.taxonomy.models import Cause, Skill
from engagement.volunteers.models import VolunteerProfile


def profile_for_user(*, user: User) -> VolunteerProfile | None:
    """The volunteer's profile with causes and skills loaded, or None if they never saved one."""
    return (
        VolunteerProfile.objects.filter(user=user)
        .prefetch_related(
            Prefetch("causes", queryset=Cause.objects.order_by("position", "slug")),
            Prefetch("skills", queryset=Skill.objects.order_by("position", "slug")),
        )
        .first()
    )


# --- How organizations see a person -------------------------------------------------------------

# The profile rides on the user for lists: select_related(f"{path}__{PROFILE_RELATION}").
PROFILE_RELATION = "volunteer_profile"


def _loaded_profile(user: User) -> VolunteerProfile | None:
    """The user's profile: the one select_related loaded (no query, None when missing), else
    read once."""
    if PROFILE_RELATION in user._state.fields_cache:
        return user._state.fields_cache[PROFILE_RELATION]
    return VolunteerProfile.objects.filter(user_id=user.pk).first()


def volunteer_display_name(user: User | None) -> str:
    """The one name organizations and friends see: the chosen display name, else the full
    name, else "Volunteer #<id>" — never the e-mail address. Lists load the profile with
    select_related("…volunteer__volunteer_profile") so this costs no query per row."""
    if user is None:
        return str(_("Deleted account"))
    profile = _loaded_profile(user)
    if profile is not None and profile.display_name.strip():
        return profile.display_name.strip()
    # Not User.get_full_name(): it falls back to the e-mail address.
    full_name = f"{user.first_name} {user.last_name}".strip()
    if full_name:
        return full_name
    return str(_("Volunteer #%(id)s") % {"id": user.pk})


def volunteer_phone(user: User | None) -> str:
    """The person's phone number in international format, or "" (show it only where the
    organization may see it: see participations.selectors.participant_phone)."""
    if user is None:
        return ""
    profile = _loaded_profile(user)
    if profile is None or not profile.phone:
        return ""
    number = profile.phone
    # Numbers are validated when saved; one written otherwise shows as it was typed.
    return str(number.as_international) if number.is_valid() else str(number.raw_input)
