"""`{% url %}` in every template (config/url_tag.py): Django's output, each URL reversed once for
its URLconf, script prefix and language."""

from __future__ import annotations

from collections.abc import Iterator
from unittest import mock

import pytest
from django.template import Context, Engine, engines
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix, set_urlconf

from config import url_tag
from config.url_tag import REMEMBERED_URLS, RememberedURLNode, forget_reversed_urls

TENANT_URLCONF = "config.urls_tenant"
PUBLIC_URLCONF = "config.urls_public"

# Django's own engine: the default built-ins only, so `{% url %}` is Django's URLNode.
DJANGO = Engine(libraries={}, builtins=[])

TEMPLATES = [
    "{% url 'home' %}",
    "{% url 'mission-detail' 12 %}",
    "{% url 'mission-detail' mission_id=12 %}",
    "{% url 'mission-detail' number %}",
    "{% url 'legal:notice' %}",
    "{% url name %}",
    "{% url 'home' as home %}[{{ home }}]",
    "{% url 'no-such-page' as missing %}[{{ missing }}]",
    "{% url 'organization-detail' slug %}",
    "{% url 'organization-detail' 'a b&c' %}",
    "{% autoescape off %}{% url 'organization-detail' 'a b&c' %}{% endautoescape %}",
]
CONTEXT = {"number": 7, "name": "my-engagements", "slug": "les-restos"}


def _ours(source: str, context: dict | None = None) -> str:
    return engines["django"].from_string(source).render(context or CONTEXT)


def _djangos(source: str, context: dict | None = None) -> str:
    return DJANGO.from_string(source).render(Context(context or CONTEXT))


@pytest.fixture(autouse=True)
def _tenant_urlconf() -> Iterator[None]:
    """A tenant host's URLconf, as the routing middleware sets it; nothing kept from elsewhere."""
    forget_reversed_urls()
    set_urlconf(TENANT_URLCONF)
    yield
    set_urlconf(None)
    set_script_prefix("/")
    forget_reversed_urls()


def test_every_template_uses_the_remembering_tag():
    template = engines["django"].from_string("{% url 'home' %}")
    assert isinstance(template.template.nodelist[0], RememberedURLNode)


@pytest.mark.parametrize("source", TEMPLATES)
def test_the_output_is_djangos_the_first_time_and_the_next(source: str):
    expected = _djangos(source)
    assert _ours(source) == expected
    assert _ours(source) == expected


def test_a_name_that_does_not_reverse_raises_as_with_django():
    with pytest.raises(NoReverseMatch):
        _djangos("{% url 'no-such-page' %}")
    with pytest.raises(NoReverseMatch):
        _ours("{% url 'no-such-page' %}")


def test_a_url_is_reversed_once_then_read_from_the_table():
    with mock.patch.object(url_tag, "reverse", wraps=reverse) as reversing:
        first = _ours("{% url 'mission-detail' 12 %}")
        again = _ours("{% url 'mission-detail' 12 %}")
        other = _ours("{% url 'mission-detail' 13 %}")
    assert (first, again, other) == ("/missions/12/", "/missions/12/", "/missions/13/")
    assert reversing.call_count == 2


def test_a_string_literal_argument_is_remembered_too():
    with mock.patch.object(url_tag, "reverse", wraps=reverse) as reversing:
        for _ in range(2):
            assert _ours("{% url 'organization-detail' 'les-restos' %}") == (
                "/organisations/les-restos/"
            )
    assert reversing.call_count == 1


def test_a_model_instance_as_argument_is_reversed_every_time():
    class Slug:
        def __str__(self) -> str:
            return "les-restos"

    with mock.patch.object(url_tag, "reverse", wraps=reverse) as reversing:
        for _ in range(2):
            assert (
                _ours("{% url 'organization-detail' slug %}", {"slug": Slug()})
                == "/organisations/les-restos/"
            )
    assert reversing.call_count == 2


def test_the_tenant_urlconf_and_the_public_one_are_kept_apart():
    assert _ours("{% url 'my-engagements' as url %}[{{ url }}]") == "[/mes-engagements/]"

    set_urlconf(PUBLIC_URLCONF)
    # The public host has no such page: nothing a tenant's page reversed is served here.
    assert _ours("{% url 'my-engagements' as url %}[{{ url }}]") == "[]"
    assert _ours("{% url 'public_home' %}") == reverse("public_home", urlconf=PUBLIC_URLCONF)

    set_urlconf(TENANT_URLCONF)
    assert _ours("{% url 'public_home' as url %}[{{ url }}]") == "[]"


def test_the_script_prefix_is_part_of_the_key():
    assert _ours("{% url 'home' %}") == "/"
    set_script_prefix("/entraide/")
    assert _ours("{% url 'home' %}") == "/entraide/"
    set_script_prefix("/")
    assert _ours("{% url 'home' %}") == "/"


def test_changing_root_urlconf_empties_the_table():
    set_urlconf(None)
    with override_settings(ROOT_URLCONF=TENANT_URLCONF):
        assert _ours("{% url 'home' %}") == "/"
        assert url_tag._reversed.cache_info().currsize == 1
    assert url_tag._reversed.cache_info().currsize == 0


def test_the_table_is_bounded():
    assert url_tag._reversed.cache_info().maxsize == REMEMBERED_URLS
    for mission_id in range(REMEMBERED_URLS + 10):
        url_tag.reverse_remembered("mission-detail", [mission_id], {}, None)
    assert url_tag._reversed.cache_info().currsize == REMEMBERED_URLS
    # The least recently used went out first: the first URL is reversed again, the last is kept.
    with mock.patch.object(url_tag, "reverse", wraps=reverse) as reversing:
        assert url_tag.reverse_remembered("mission-detail", [REMEMBERED_URLS + 9], {}, None) == (
            f"/missions/{REMEMBERED_URLS + 9}/"
        )
        assert reversing.call_count == 0
        assert url_tag.reverse_remembered("mission-detail", [0], {}, None) == "/missions/0/"
        assert reversing.call_count == 1
