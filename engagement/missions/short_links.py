"""Short links to mission pages (/m/<code>/): the code is the mission's id in base 36, so it
needs no storage and reads back exactly; the page it leads to applies its own access rules."""

from __future__ import annotations

import string

ALPHABET = string.digits + string.ascii_lowercase
# Longer codes name ids past 2**63 (PostgreSQL's bigint): refused before any lookup.
MAX_CODE_LENGTH = 13


def mission_short_code(mission_id: int) -> str:
    """The id in base 36, lower case: 1 → "1", 1296 → "100"."""
    if mission_id <= 0:
        raise ValueError("ids are positive")
    digits = []
    while mission_id:
        mission_id, remainder = divmod(mission_id, 36)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


def mission_id_from_short_code(code: str) -> int | None:
    """The id a code names, or None for anything that is not a code we make (upper case, a
    leading zero, other characters, too long)."""
    if not code or len(code) > MAX_CODE_LENGTH or code.startswith("0"):
        return None
    if any(character not in ALPHABET for character in code):
        return None
    value = int(code, 36)
    return value if value <= 2**63 - 1 else None
