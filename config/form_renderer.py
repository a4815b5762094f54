"""The form renderer (FORM_RENDERER): Django's own form templates through Jinja2, ours unchanged.

Every widget, label and error list Django draws is a template of its own: the home page's
filters alone render dozens of them (inputs, their attributes, each option of a select).
Through Django's template engine the filters' fields took 7.5-8.3 ms of a 25 ms page, through
Jinja2 2.75-3.3 ms, and the page ~2.7 ms less in all (docs/benchmarks.md, twenty-sixth stop).
Django ships the same templates for Jinja2 (django/forms/jinja2/, kept equal to the others by
Django's own tests) and a renderer for them; Jinja2 compiles them to Python.

Our own widget templates (engagement/templates/.../widgets/) are Django templates: they are
rendered as before, by the renderer Django uses by default. A widget whose template is ours
names its options' template too (engagement/form_fields.py), so a Jinja2 template never
includes one of ours.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2

# The templates Django ships for forms, in both engines under the same names.
DJANGO_FORM_TEMPLATES = "django/forms/"


class FormRenderer(BaseRenderer):
    """Jinja2 for Django's form templates (`django/forms/...`), Django's engine for the rest."""

    def __init__(self) -> None:
        self.django_forms = Jinja2()
        self.project = DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        if template_name.startswith(DJANGO_FORM_TEMPLATES):
            return self.django_forms.get_template(template_name)
        return self.project.get_template(template_name)
