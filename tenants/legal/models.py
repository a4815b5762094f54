"""Legal documents, their versions, and acceptances of the terms of use (tenant schema)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The languages a text is written in: a tenant's languages reduced to these (fr-ca reads fr).
TEXT_LANGUAGES: tuple[str, ...] = ("fr", "en")


class LegalDocument(models.Model):
    """One of the tenant's five documents: what is locked to publish a version of it, and the
    number of its latest version (0 before the first)."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Legal notice")
        PRIVACY = "privacy", _("Privacy policy")
        TERMS = "terms", _("Terms of use")
        ACCESSIBILITY = "accessibility", _("Accessibility statement")
        COOKIES = "cookies", _("Cookies")

    kind = models.CharField(max_length=16, choices=Kind.choices, unique=True)
    current_number = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class LegalVersion(models.Model):
    """A published text of a document: never changed once written (a change is a new version).

    Bodies are sanitized HTML, one per language the tenant wrote (an empty one falls back to
    the other). The accessibility statement also has the fields of RGAA's model statement.
    """

    class Conformance(models.TextChoices):
        NONE = "none", _("not compliant")
        PARTIAL = "partial", _("partially compliant")
        FULL = "full", _("fully compliant")

    document = models.ForeignKey(LegalDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    body_fr = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # The accessibility statement only (blank on the other documents).
    conformance_level = models.CharField(max_length=8, choices=Conformance.choices, blank=True)
    audit_date = models.DateField(null=True, blank=True)
    conformance_rate = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    non_accessible_fr = models.TextField(blank=True)
    non_accessible_en = models.TextField(blank=True)
    remedies_fr = models.TextField(blank=True)
    remedies_en = models.TextField(blank=True)
    contact_email = models.EmailField(blank=True)
    contact_url = models.URLField(blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="legal_version_unique"),
            models.CheckConstraint(
                condition=models.Q(conformance_rate__isnull=True)
                | models.Q(conformance_rate__gte=0, conformance_rate__lte=100),
                name="legal_version_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    def text(self, field: str, language: str) -> str:
        """`field` ("body", "non_accessible", "remedies") in `language` (fr-ca reads fr), or in
        the other language when that one is empty."""
        wanted = text_language(language)
        ordered = [wanted, *(code for code in TEXT_LANGUAGES if code != wanted)]
        return next((value for code in ordered if (value := getattr(self, f"{field}_{code}"))), "")

    def language_of(self, field: str, language: str) -> str:
        """The language `text(field, language)` is written in (for the page's `lang`)."""
        wanted = text_language(language)
        ordered = [wanted, *(code for code in TEXT_LANGUAGES if code != wanted)]
        return next((code for code in ordered if getattr(self, f"{field}_{code}")), wanted)


class TermsAcceptance(models.Model):
    """A person accepted a version of the terms of use: who, which version, when, and where
    (the sign-up form or the page asking again). Nothing more (no address, no browser)."""

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Sign-up form")
        PROMPT = "prompt", _("Acceptance page")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances"
    )
    version = models.ForeignKey(LegalVersion, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=8, choices=Source.choices)

    class Meta:
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="terms_acceptance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.version_id}"


# Each document's page, in French like the site's other paths (the back office uses them too).
PAGE_SLUGS: dict[str, str] = {
    LegalDocument.Kind.NOTICE: "mentions-legales",
    LegalDocument.Kind.PRIVACY: "confidentialite",
    LegalDocument.Kind.TERMS: "conditions",
    LegalDocument.Kind.ACCESSIBILITY: "accessibilite",
    LegalDocument.Kind.COOKIES: "cookies",
}
KINDS_BY_SLUG: dict[str, str] = {slug: kind for kind, slug in PAGE_SLUGS.items()}


def text_language(language: str | None) -> str:
    """The text language of a request's language: fr and fr-ca read French, others English."""
    code = (language or "").lower()
    return "fr" if code.startswith("fr") else "en"
