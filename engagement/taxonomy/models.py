"""Causes and skills: the tenant's vocabulary for missions and volunteer profiles."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def labels_in_english() -> bool:
    """Whether labels are shown in English (the active language is English), else French."""
    return (get_language() or "fr").lower().startswith("en")


def translated_label(name_fr: str, name_en: str) -> str:
    """The label in the active language: English for English, French otherwise."""
    return name_en if labels_in_english() else name_fr


class TranslatedLabelMixin(models.Model):
    """A label stored in French and English; `label` picks the active language."""

    name_fr = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        return translated_label(self.name_fr, self.name_en)


class Cause(TranslatedLabelMixin):
    """An interest a volunteer can follow: solidarity, environment, education…"""

    slug = models.SlugField(max_length=50, unique=True)
    icon = models.CharField(max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # The UN Sustainable Development Goals (1–17) this cause serves; the CSR report's figures by
    # goal add up through it (goal names: engagement.reports.sdg).
    sdg_goals = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(17)]),
        verbose_name=_("Sustainable Development Goals"),
        default=list,
        blank=True,
        size=17,
    )

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("cause")

    def __str__(self) -> str:
        return self.label


class Skill(TranslatedLabelMixin):
    """Something a volunteer can bring: cooking, driving, tutoring…"""

    slug = models.SlugField(max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("skill")

    def __str__(self) -> str:
        return self.label
