"""What survives in stored texts: a small formatting subset, never scripts or handlers."""

from __future__ import annotations

import pytest
from django.utils import translation

from engagement.errors import EngagementError, EngagementErrorCode
from engagement.sanitizing import DESCRIPTION_MAX_LENGTH, sanitize_html, sanitize_text

# No query here, but tests/conftest.py asserts the session's test database exists, and
# pytest-django only creates it when a collected test is marked.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


def test_allowed_formatting_is_kept():
    html = (
        "<h3>Au programme</h3><p>Le <strong>samedi</strong>, <em>dès 9 h</em>.<br>Merci !</p>"
        "<ul><li>tri</li><li>distribution</li></ul><ol><li>un</li></ol>"
        "<blockquote>Citation</blockquote>"
    )

    assert sanitize_html(html) == html


def test_links_keep_http_and_mailto_and_get_a_safe_rel():
    cleaned = sanitize_html(
        '<a href="https://asso.example/agenda" title="Agenda" target="_blank">agenda</a> '
        '<a href="mailto:contact@asso.example">écrire</a>'
    )

    assert cleaned == (
        '<a href="https://asso.example/agenda" title="Agenda" rel="noopener noreferrer nofollow">'
        'agenda</a> <a href="mailto:contact@asso.example" rel="noopener noreferrer nofollow">'
        "écrire</a>"
    )


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Salut<script>alert(1)</script></p>", "<p>Salut</p>"),
        ("<style>body{display:none}</style><p>Texte</p>", "<p>Texte</p>"),
        ('<p onclick="steal()" onmouseover="x()">Cliquez</p>', "<p>Cliquez</p>"),
        ('<img src="x" onerror="alert(1)">Image', "Image"),
        (
            '<a href="javascript:alert(1)">lien</a>',
            '<a rel="noopener noreferrer nofollow">lien</a>',
        ),
        (
            '<a href="JaVaScRiPt:alert(1)">lien</a>',
            '<a rel="noopener noreferrer nofollow">lien</a>',
        ),
        (
            '<a href="data:text/html,<script>x</script>">d</a>',
            '<a rel="noopener noreferrer nofollow">d</a>',
        ),
        ('<iframe src="https://evil.example"></iframe>Fin', "Fin"),
        ('<p style="color:red" class="x" id="y">Style</p>', "<p>Style</p>"),
        ("<svg><script>alert(1)</script></svg>ok", "ok"),
        ("<!-- commentaire --><p>Vu</p>", "<p>Vu</p>"),
        ("<p>Non fermé", "<p>Non fermé</p>"),
    ],
)
def test_dangerous_markup_is_removed(dirty, clean):
    assert sanitize_html(dirty) == clean


def test_plain_text_loses_all_markup_and_keeps_the_words():
    assert (
        sanitize_text(
            '  <b>Maraude</b>  du <script>x()</script>mardi &amp; "jeudi" ',
            field="t",
            max_length=100,
        )
        == 'Maraude du mardi & "jeudi"'
    )


def test_escaped_markup_in_plain_text_is_removed_too():
    assert (
        sanitize_text("&lt;script&gt;alert(1)&lt;/script&gt;Bonjour", field="t", max_length=100)
        == "Bonjour"
    )


def test_plain_text_keeps_newlines_only_when_multiline():
    text = "Bonjour,\r\n\n\n\nje  viens\tavec un ami.\x00"

    assert sanitize_text(text, field="t", max_length=100) == "Bonjour, je viens avec un ami."
    assert sanitize_text(text, field="t", max_length=100, multiline=True) == (
        "Bonjour,\n\nje viens avec un ami."
    )


def test_maximum_lengths_are_enforced_on_what_is_kept():
    kept = "<p>" + "a" * (DESCRIPTION_MAX_LENGTH - 7) + "</p>"
    assert sanitize_html(kept) == kept

    with pytest.raises(EngagementError) as raised:
        sanitize_html("<p>" + "a" * DESCRIPTION_MAX_LENGTH + "</p>")
    assert raised.value.code == EngagementErrorCode.TEXT_TOO_LONG
    assert raised.value.fields == {"description": [f"At most {DESCRIPTION_MAX_LENGTH} characters."]}

    with pytest.raises(EngagementError) as raised:
        sanitize_text("x" * 161, field="title", max_length=160)
    assert raised.value.fields == {"title": ["At most 160 characters."]}


def test_oversized_raw_input_is_refused_before_parsing():
    with pytest.raises(EngagementError) as raised:
        sanitize_html("<b></b>" * DESCRIPTION_MAX_LENGTH)

    assert raised.value.code == EngagementErrorCode.TEXT_TOO_LONG
    assert raised.value.status_code == 400
