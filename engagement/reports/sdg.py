"""The UN Sustainable Development Goals (the 17 goals of the 2030 Agenda), in French and English.

Each cause of a tenant maps to one or more goals (`Cause.sdg_goals`, engagement.taxonomy); the
CSR report adds the figures of each goal from the causes of the missions and declarations. The
names are the United Nations' short titles.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language

# number: (French short title, English short title)
SDG_GOALS: dict[int, tuple[str, str]] = {
    1: ("Pas de pauvreté", "No poverty"),
    2: ("Faim « zéro »", "Zero hunger"),
    3: ("Bonne santé et bien-être", "Good health and well-being"),
    4: ("Éducation de qualité", "Quality education"),
    5: ("Égalité entre les sexes", "Gender equality"),
    6: ("Eau propre et assainissement", "Clean water and sanitation"),
    7: ("Énergie propre et d'un coût abordable", "Affordable and clean energy"),
    8: ("Travail décent et croissance économique", "Decent work and economic growth"),
    9: ("Industrie, innovation et infrastructure", "Industry, innovation and infrastructure"),
    10: ("Inégalités réduites", "Reduced inequalities"),
    11: ("Villes et communautés durables", "Sustainable cities and communities"),
    12: ("Consommation et production responsables", "Responsible consumption and production"),
    13: ("Mesures relatives à la lutte contre les changements climatiques", "Climate action"),
    14: ("Vie aquatique", "Life below water"),
    15: ("Vie terrestre", "Life on land"),
    16: ("Paix, justice et institutions efficaces", "Peace, justice and strong institutions"),
    17: ("Partenariats pour la réalisation des objectifs", "Partnerships for the goals"),
}

SDG_NUMBERS: tuple[int, ...] = tuple(SDG_GOALS)


def sdg_name(number: int, language: str | None = None) -> str:
    """The goal's short title in the given (or active) language: English for English, French
    otherwise (as the causes' labels)."""
    french, english = SDG_GOALS[number]
    language = (language or get_language() or "fr").lower()
    return english if language.startswith("en") else french


def sdg_label(number: int, language: str | None = None) -> str:
    """`SDG 4 — Quality education` / `ODD 4 — Éducation de qualité`."""
    language = (language or get_language() or "fr").lower()
    prefix = "SDG" if language.startswith("en") else "ODD"
    return f"{prefix} {number} — {sdg_name(number, language)}"


def sdg_normalized(numbers: Iterable[int]) -> list[int]:
    """Sorted goal numbers without duplicates; ValueError for a number outside 1–17."""
    goals = sorted({int(number) for number in numbers})
    if any(goal not in SDG_GOALS for goal in goals):
        raise ValueError("A Sustainable Development Goal is a number from 1 to 17.")
    return goals
