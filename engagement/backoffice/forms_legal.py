"""The back office's form for a new version of a legal document: a text per language the tenant
writes in and, for the accessibility statement, the fields of RGAA's model statement."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from engagement.form_fields import DescriptionField, SummarisedErrorsForm
from tenants.legal.defaults import VersionContent
from tenants.legal.models import LegalDocument, LegalVersion
from tenants.legal.services import conformance_errors

# As in "Text in French": lowercase in French ("Texte en français").
LANGUAGE_NAMES = {
    "fr": pgettext_lazy("text in", "French"),
    "en": pgettext_lazy("text in", "English"),
}
TEXT_ROWS = 18
# Markup the legal pages keep (tenants/legal/services.py); anything else is plain text.
_HTML_TAG = re.compile(
    r"<\s*/?\s*(p|br|strong|b|em|i|u|ul|ol|li|a|blockquote|h2|h3|h4)\b", re.IGNORECASE
)


class LegalTextField(DescriptionField):
    """A legal text typed as plain text (an empty line between paragraphs) or with the simple
    markup the pages keep, section headings (<h2>) included."""

    def to_python(self, value: Any) -> str:
        text = forms.CharField.to_python(self, value) or ""
        if not text or _HTML_TAG.search(text):
            return text
        return str(linebreaks(text, autoescape=True))


HTML_HELP = _(
    "Plain text (an empty line between paragraphs), or simple HTML: <h2> for sections, <p>, "
    "<ul>/<li>, <strong>, <em>, <a href>. Anything else is removed."
)


class LegalVersionForm(SummarisedErrorsForm):
    """What a new version says. Every language the tenant offers needs its text."""

    def __init__(self, *args: Any, kind: str, languages: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.languages = list(languages)
        for language in self.languages:
            self.fields[f"body_{language}"] = LegalTextField(
                label=_("Text in %(language)s") % {"language": LANGUAGE_NAMES[language]},
                help_text=HTML_HELP,
                max_length=300_000,
                widget=forms.Textarea(attrs={"rows": TEXT_ROWS}),
                error_messages={"required": _("Write the text of the page.")},
            )
        if kind == LegalDocument.Kind.ACCESSIBILITY:
            self._add_statement_fields()
        for field in self.fields.values():
            field.template_name = self.field_template

    def _add_statement_fields(self) -> None:
        self.fields["conformance_level"] = forms.ChoiceField(
            label=_("Conformance status with the RGAA"),
            choices=LegalVersion.Conformance.choices,
            widget=forms.RadioSelect,
            help_text=_(
                "Fully: every criterion met. Partially: at least half of them. Not compliant: "
                "less than half, or no audit yet."
            ),
        )
        self.fields["audit_date"] = forms.DateField(
            label=_("Audit date"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            error_messages={"invalid": _("Give a date like 2025-03-31.")},
        )
        self.fields["conformance_rate"] = forms.DecimalField(
            label=_("Conformance rate, in percent"),
            required=False,
            min_value=Decimal(0),
            max_value=Decimal(100),
            max_digits=4,
            decimal_places=1,
            help_text=_("The share of RGAA criteria met according to the audit, e.g. 75.5."),
            error_messages={
                "min_value": _("Give a rate between 0 and 100."),
                "max_value": _("Give a rate between 0 and 100."),
                "invalid": _("Give a number between 0 and 100."),
            },
        )
        for language in self.languages:
            self.fields[f"non_accessible_{language}"] = LegalTextField(
                label=_("Content that is not accessible, in %(language)s")
                % {"language": LANGUAGE_NAMES[language]},
                required=False,
                help_text=_("Non-compliances, exemptions, content outside the law's scope."),
                max_length=300_000,
                widget=forms.Textarea(attrs={"rows": 8}),
            )
        self.fields["contact_email"] = forms.EmailField(
            label=_("Accessibility contact e-mail"), required=False
        )
        self.fields["contact_url"] = forms.URLField(
            label=_("Accessibility contact form (address)"),
            required=False,
            assume_scheme="https",
            help_text=_("At least one way to reach you: an e-mail address or a form."),
        )
        for language in self.languages:
            self.fields[f"remedies_{language}"] = LegalTextField(
                label=_("Remedies, in %(language)s") % {"language": LANGUAGE_NAMES[language]},
                required=False,
                help_text=_("RGAA's model text names the Défenseur des droits."),
                max_length=300_000,
                widget=forms.Textarea(attrs={"rows": 8}),
            )

    def fields_named(self, name: str) -> list[forms.BoundField]:
        """The bound fields of `name` ("body", "non_accessible", "remedies"), one per language."""
        return [
            self[f"{name}_{code}"] for code in self.languages if f"{name}_{code}" in self.fields
        ]

    @property
    def body_fields(self) -> list[forms.BoundField]:
        return self.fields_named("body")

    @property
    def non_accessible_fields(self) -> list[forms.BoundField]:
        return self.fields_named("non_accessible")

    @property
    def remedies_fields(self) -> list[forms.BoundField]:
        return self.fields_named("remedies")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.kind != LegalDocument.Kind.ACCESSIBILITY:
            return data
        if "conformance_level" in data and not self.has_error("conformance_rate"):
            errors = conformance_errors(
                level=data["conformance_level"],
                audit_date=data.get("audit_date"),
                rate=data.get("conformance_rate"),
                today=timezone.localdate(),
            )
            for field, message in errors.items():
                if not self.has_error(field):
                    self.add_error(field, message)
        if (
            not data.get("contact_email")
            and not data.get("contact_url")
            and not self.has_error("contact_email")
            and not self.has_error("contact_url")
        ):
            self.add_error(
                "contact_url", _("Give an e-mail address or a contact form for accessibility.")
            )
        return data

    def content(self) -> VersionContent:
        data: dict[str, Any] = self.cleaned_data
        if self.kind != LegalDocument.Kind.ACCESSIBILITY:
            return VersionContent(bodies={code: data[f"body_{code}"] for code in self.languages})
        return VersionContent(
            bodies={code: data[f"body_{code}"] for code in self.languages},
            conformance_level=data["conformance_level"],
            audit_date=data.get("audit_date"),
            conformance_rate=data.get("conformance_rate"),
            non_accessible={code: data[f"non_accessible_{code}"] for code in self.languages},
            remedies={code: data[f"remedies_{code}"] for code in self.languages},
            contact_email=data.get("contact_email") or "",
            contact_url=data.get("contact_url") or "",
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """A refusal of the service, next to the field it names (or above the form)."""
        for name, messages in error.message_dict.items():
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)

    @staticmethod
    def initial_from(content: VersionContent, *, languages: Sequence[str]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for code in languages:
            initial[f"body_{code}"] = content.bodies.get(code, "")
            initial[f"non_accessible_{code}"] = content.non_accessible.get(code, "")
            initial[f"remedies_{code}"] = content.remedies.get(code, "")
        initial.update(
            conformance_level=content.conformance_level,
            audit_date=content.audit_date,
            conformance_rate=content.conformance_rate,
            contact_email=content.contact_email,
            contact_url=content.contact_url,
        )
        return initial
