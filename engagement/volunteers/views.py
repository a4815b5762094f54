"""A volunteer's own pages: their profile, and their data (export, deletion)."""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.gis.geos import Point
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_http_methods

from accounts.errors import AccountsError
from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.places.geocoding import area_labels, lookup
from engagement.places.messages import place_error_message
from engagement.programmes.selectors import activity_visibility_for
from engagement.taxonomy.selectors import cause_list, skill_list
from engagement.volunteers.forms import AccountDeleteForm, ProfileForm
from engagement.volunteers.models import VolunteerProfile
from engagement.volunteers.privacy import user_delete_account, user_export_data
from engagement.volunteers.selectors import profile_for_user
from engagement.volunteers.services import profile_update

logger = logging.getLogger(__name__)


# --- Profile ------------------------------------------------------------------------------------

# Service error fields → form fields.
PROFILE_ERROR_FIELDS = {
    "cause_ids": "causes",
    "skill_ids": "skills",
    "availability_mask": "availability",
    "home_point": "home_label",
    "home_label": "home_label",
    "radius_km": "radius_km",
    "display_name": "display_name",
    "phone": "phone",
}


def _home_area(
    request: HttpRequest, form: ProfileForm, profile: VolunteerProfile | None
) -> tuple[Point | None, str | None, bool] | None:
    """(point, label, clear) for the service; None when the typed place is unknown."""
    label = form.cleaned_data.get("home_label") or ""
    lat, lng = form.cleaned_data.get("lat"), form.cleaned_data.get("lng")
    if lat is not None and lng is not None:
        return Point(lng, lat, srid=4326), label or _("My position"), False
    if not label:
        return None, None, bool(profile and profile.home_point is not None)
    if profile is not None and profile.home_point is not None and label == profile.home_label:
        return None, None, False
    found = lookup(label, tenant=request.tenant)
    if found.place is None:
        form.add_error("home_label", place_error_message(unavailable=found.is_unavailable))
        return None
    return Point(found.place.lng, found.place.lat, srid=4326), label, False


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: SignedInRequest) -> HttpResponse:
    causes = list(cause_list())
    skills = list(skill_list())
    current = profile_for_user(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, causes=causes, skills=skills)
        home = _home_area(request, form, current) if form.is_valid() else None
        if home is not None:
            point, label, clear = home
            try:
                profile_update(
                    user=request.user,
                    cause_ids=form.cleaned_data["causes"],
                    skill_ids=form.cleaned_data["skills"],
                    availability_mask=form.availability_mask(),
                    home_point=point,
                    home_label=label,
                    radius_km=form.cleaned_data["radius_km"],
                    clear_home=clear,
                    display_name=form.cleaned_data["display_name"],
                    phone=form.cleaned_data["phone"],
                    phone_region=request.tenant.country,
                )
            except EngagementError as error:
                for field, errors in (error.fields or {}).items():
                    for message in errors:
                        form.add_error(PROFILE_ERROR_FIELDS.get(field), message)
                if not error.fields:
                    form.add_error(None, error.detail)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profile")
    else:
        form = ProfileForm(causes=causes, skills=skills, profile=current)
    return render(
        request,
        "volunteers/profile.html",
        {
            "form": form,
            "known_areas": area_labels(tenant=request.tenant),
            "team_visibility": activity_visibility_for(request.user),
        },
    )


logger = logging.getLogger(__name__)


# --- privacy (GDPR) -----------------------------------------------------------------------------


class PrivacyView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, "volunteers/privacy.html", {"form": AccountDeleteForm(user=request.user)}
        )


class DataExportView(LoginRequiredMixin, View):
    def get(self, request: SignedInRequest) -> HttpResponse:
        data = user_export_data(user=request.user)
        stamp = timezone.now().strftime("%Y%m%d")
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="entraide-{request.tenant.slug}-my-data-{stamp}.json"'
        )
        response["Cache-Control"] = "no-store"
        return response


class AccountDeleteView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request: SignedInRequest) -> HttpResponse:
        form = AccountDeleteForm(request.POST, user=request.user)
        if form.is_valid():
            user = request.user
            try:
                user_delete_account(user=user, actor=user)
            except AccountsError as error:
                form.add_error(None, error.message)
            else:
                logout(request)
                messages.success(request, _("Your account was deleted."))
                return HttpResponseRedirect("/")
        return render(request, "volunteers/privacy.html", {"form": form}, status=400)


privacy = PrivacyView.as_view()
data_export = DataExportView.as_view()
account_delete = AccountDeleteView.as_view()
