"""The `{% url %}` tag of every template, with each reversed URL remembered in the process.

A built-in of the template engine (TEMPLATES' `builtins`): it replaces Django's tag of the same
name in every template, with the same syntax and output. A page names 15-20 URLs (the menu, the
footer's legal pages, its own links) and Django's `reverse()` walks the URLconf's patterns for
each; the same names with the same arguments give the same URL for as long as the process runs,
so each is reversed once and then read from a bounded table (bench/throughput.py, "Throughput"
in docs/benchmarks.md).

The table's key holds everything `reverse()` reads: the view name, the arguments, the current
application (namespaces), the URLconf of the request (the tenant's or the public host's), the
script prefix and the language. Only arguments that are plain numbers and strings (a template's
string literals included) are remembered (a model instance's text may change); anything else,
and a name that does not reverse, goes to `reverse()` every time, as Django's tag does.
Changing ROOT_URLCONF (tests do) empties the table.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.base import Node, Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

register = template.Library()

# Distinct URLs kept per process: a site's menus and footers need a few dozen; pages that link to
# many objects (a list of missions) fill the rest, least recently used first out.
REMEMBERED_URLS = 4096

_Key = tuple[Any, ...]


@lru_cache(maxsize=REMEMBERED_URLS)
def _reversed(key: _Key) -> str:
    view_name, args, kwargs, current_app, urlconf = key[:5]
    return reverse(
        view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def _plain(value: Any) -> bool:
    return type(value) in (int, str, SafeString)


def reverse_remembered(
    view_name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    current_app: str | None,
) -> str:
    """`reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)` for the URLconf
    and language in force, from the table when its arguments allow it."""
    if not (
        isinstance(view_name, str)
        and all(_plain(arg) for arg in args)
        and all(_plain(value) for value in kwargs.values())
        and (current_app is None or isinstance(current_app, str))
    ):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    if not isinstance(urlconf, str):  # a module object (tests): not worth keeping
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    key = (
        view_name,
        tuple(args),
        tuple(sorted(kwargs.items())),
        current_app,
        urlconf,
        get_script_prefix(),
        translation.get_language(),
    )
    return _reversed(key)


def forget_reversed_urls() -> None:
    _reversed.cache_clear()


def _on_setting_changed(*, setting: str, **_kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        forget_reversed_urls()


setting_changed.connect(_on_setting_changed, dispatch_uid="config.url_tag")


class RememberedURLNode(URLNode):
    """Django's URLNode (Django 5.2), its URL from `reverse_remembered`."""

    def render(self, context: Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {name: value.resolve(context) for name, value in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse_remembered(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> Node:
    """Django's `{% url %}`: parsed by Django's own tag, rendered by RememberedURLNode."""
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
