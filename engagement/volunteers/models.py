"""What a volunteer tells about themself: causes, skills, availability, home area."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from engagement.taxonomy.models import Cause, Skill

# --- Volunteer profile --------------------------------------------------------------------------


class VolunteerProfile(models.Model):
    """What a volunteer likes, can do, when and where: feeds "missions for me"."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profile"
    )
    causes = models.ManyToManyField(Cause, blank=True, related_name="+")
    skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    # 21 bits: weekday (Mon=0) * 3 + period (morning, afternoon, evening); see Slot.time_bit.
    availability_mask = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator((1 << 21) - 1)]
    )
    home_point = gis_models.PointField(geography=True, srid=4326, null=True, blank=True)
    home_label = models.CharField(max_length=160, blank=True)
    radius_km = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    # How organizations and friends see the person (their full name, else the e-mail's local
    # part, when empty): organizations never see e-mail addresses in their lists.
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    # Shown to an organization only for the missions the person joined.
    phone = PhoneNumberField(_("phone"), blank=True)
    # Accepted friends see the missions the person joins (never anybody else).
    friends_see_participations = models.BooleanField(
        _("my friends see the missions I join"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.user_id}"

    def is_available(self, weekday: int, period: int) -> bool:
        return bool(self.availability_mask & (1 << (weekday * 3 + period)))
