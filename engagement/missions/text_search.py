"""Full-text search plumbing shared by the services (which refresh the vector after a write) and
the selectors (which query it): French and English stemming over accent-free text."""

from __future__ import annotations

import html
from collections.abc import Iterable

import nh3
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Func, TextField, Value
from django.db.models.functions import Coalesce

from engagement.missions.models import Mission

SEARCH_CONFIGS = ("french", "english")


class Unaccent(Func):
    function = "public.entraide_unaccent"
    output_field = TextField()


def _vector_for(text: str, weight: str) -> SearchVector:
    vectors = [
        SearchVector(Unaccent(Value(text)), config=config, weight=weight)
        for config in SEARCH_CONFIGS
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def html_to_text(markup: str) -> str:
    """The words of sanitized HTML: tags dropped (script and style with their content), entities
    decoded so "&amp;" is not indexed as a word."""
    return html.unescape(nh3.clean(markup or "", tags=set())).strip()


def mission_search_vector_refresh(*, mission_ids: Iterable[int]) -> None:
    """Recompute the search vector of these missions from their current texts."""
    for mission in Mission.objects.filter(pk__in=list(mission_ids)).only(
        "title", "summary", "description", "city", "postcode"
    ):
        vector = (
            _vector_for(mission.title, "A")
            + _vector_for(mission.summary, "B")
            + _vector_for(html_to_text(mission.description), "C")
            + _vector_for(f"{mission.city} {mission.postcode}", "D")
        )
        Mission.objects.filter(pk=mission.pk).update(search_vector=vector)


def search_query(text: str) -> SearchQuery:
    """A query matching the words in either language, accents ignored."""
    cleaned = Coalesce(Unaccent(Value(text)), Value(""))
    query = SearchQuery(cleaned, config="french", search_type="websearch")
    return query | SearchQuery(cleaned, config="english", search_type="websearch")
