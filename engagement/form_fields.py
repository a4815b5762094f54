"""Form pieces shared by the organization pages: error summaries, rich descriptions, chips."""

from __future__ import annotations

import html
import re
from typing import Any

from django import forms
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from engagement.taxonomy.models import Cause, Skill

TEXTAREA_ROWS = 6


class SummarisedErrorsForm(forms.Form):
    """A form whose errors can be listed at the top of the page, each linked to its field."""

    field_template = "engagement/organization/_field.html"
    # A service's name for a field (in EngagementError.fields) → this form's field.
    service_field_names: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels end without a colon: several sit after their checkbox.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.template_name = field.template_name or self.field_template

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor id, field label, message) for every error, non-field errors first."""
        items = [("", "", str(message)) for message in self.non_field_errors()]
        for bound_field in self:
            if not bound_field.errors:
                continue
            anchor = bound_field.auto_id
            if bound_field.use_fieldset:
                # Radio buttons and checkboxes: point at the first option.
                anchor = f"{anchor}_0"
            items.extend(
                (anchor, str(bound_field.label), str(message)) for message in bound_field.errors
            )
        return items


# Markup the services keep in descriptions (engagement.sanitizing); anything else is plain text.
_HTML_TAG = re.compile(r"<\s*/?\s*(p|br|strong|b|em|i|u|ul|ol|li|a|blockquote|h3|h4)\b", re.I)
_TAG = re.compile(r"<\s*(/?)\s*([a-z0-9]+)[^>]*>", re.I)
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p>", re.I)
_LINE_BREAK = re.compile(r"<br\s*/?>\n?", re.I)


class DescriptionField(forms.CharField):
    """A description typed as plain text (an empty line between paragraphs) or with the simple
    markup the sanitizer keeps. Plain text becomes paragraphs; a description made only of
    paragraphs and line breaks is shown back as plain text, so editing never exposes tags."""

    widget = forms.Textarea

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text or _HTML_TAG.search(text):
            return text
        return str(linebreaks(text, autoescape=True))

    def prepare_value(self, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        tags = {name.lower() for _closing, name in _TAG.findall(value)}
        if not tags or not tags <= {"p", "br"}:
            return value
        text = _LINE_BREAK.sub("\n", _PARAGRAPH_BREAK.sub("\n\n", value.strip()))
        return html.unescape(_TAG.sub("", text))


class ChipCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes drawn as chips (the site's style for interests)."""

    template_name = "engagement/organization/widgets/chips.html"
    option_template_name = "engagement/organization/widgets/chip_option.html"


class ChipRadios(forms.RadioSelect):
    template_name = "engagement/organization/widgets/chips.html"
    option_template_name = "engagement/organization/widgets/chip_option.html"


class TaxonomyMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Causes or skills as checkboxes, labelled in the active language."""

    widget = ChipCheckboxes

    def label_from_instance(self, obj: Cause | Skill) -> str:  # type: ignore[override]
        if obj.is_active:
            return obj.label
        # Offered only to a mission that already has it (engagement.taxonomy.selectors).
        return _("%(label)s (retired)") % {"label": obj.label}
