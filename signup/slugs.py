"""The rules of a new instance's address (`<slug>.<BASE_DOMAIN>`), as a pure module.

`slug_refusal(raw, taken=…, reserved=…)` says why a slug cannot be had, or None. The checks, in
order, each with its own message:

1. Non-ASCII characters are refused, naming the character (a Cyrillic "а" in "pаris" looks like
   the Latin "a": the message says "CYRILLIC SMALL LETTER A", and which Latin letter it mimics
   when confusable-homoglyphs knows one). Upper case is folded first (a convenience, not a trick).
2. Punycode: a label starting with "xn--" is an internationalised name in disguise; any "--" is
   refused with it (IDNA reserves hyphens in the 3rd and 4th places; elsewhere they only make
   lookalikes such as "par--is").
3. The pattern of tenants/models.py (SLUG_PATTERN): 3 to 40 characters, lower-case letters,
   digits and hyphens, starting with a letter, not ending with a hyphen.
4. Reserved words (settings.TENANT_RESERVED_SLUGS, which Tenant.clean enforces too).
5. Taken: an existing tenant, or a sign-up under way that holds the address.
6. Lookalikes of a taken or reserved slug. Both are reduced to a *skeleton* and compared:
   Unicode TR39's idea (two strings are confusable when their skeletons are equal) restricted to
   what can still be typed after rule 1, i.e. ASCII lookalikes in a browser's address bar:
   digits that pass for letters (0→o, 1→l, 5→s, 3→e, 4→a, 7→t, 8→b), letters and pairs that pass
   for each other in common sans-serif fonts (i/l, rn/m, vv/w, cl/d) and hyphens dropped
   ("pa-ris" reads as "paris"). So with "paris" taken,
   "pari5", "par1s", "pa-ris", "parls" are refused; "paris-2", "paris15" and "parisien" are not
   (they differ by more than a lookalike glyph, and a city's district or neighbour may want them).
   The rule is deliberately conservative: it refuses a few innocent names (the message says which
   existing address it resembles, and support can provision it by hand) rather than let an
   address pass for another instance in a phishing e-mail.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from confusable_homoglyphs import confusables  # type: ignore[import-untyped]
from django.utils.text import slugify
from django.utils.translation import gettext as _

# The pattern of tenants.models.SLUG_PATTERN (repeated here so this module stays pure).
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
SLUG_MIN, SLUG_MAX = 3, 40

# Multi-character lookalikes first (longest first), then single characters.
_SEQUENCES = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_GLYPHS = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "i": "l",
        "5": "s",
        "3": "e",
        "4": "a",
        "7": "t",
        "8": "b",
        "-": None,
    }
)


class Reason:
    NON_ASCII = "non_ascii"
    PUNYCODE = "punycode"
    INVALID = "invalid"
    RESERVED = "reserved"
    TAKEN = "taken"
    CONFUSABLE = "confusable"


@dataclass(frozen=True)
class SlugRefusal:
    reason: str
    message: str


def slug_normalize(raw: str) -> str:
    """What the visitor typed, trimmed and folded to lower case (nothing else is changed: other
    characters are refused, never silently replaced)."""
    return (raw or "").strip().lower()


def skeleton(slug: str) -> str:
    """The slug reduced to what it looks like (module docstring, rule 6)."""
    value = slug.lower()
    for sequence, replacement in _SEQUENCES:
        value = value.replace(sequence, replacement)
    return value.translate(_GLYPHS)


def _non_ascii_message(character: str) -> str:
    name = unicodedata.name(character, f"U+{ord(character):04X}")
    found = confusables.is_confusable(character, preferred_aliases=["latin"], greedy=False)
    looks_like = ""
    if found:
        for homoglyph in found[0]["homoglyphs"]:
            if homoglyph["c"].isascii():
                looks_like = homoglyph["c"]
                break
    if looks_like:
        return _(
            "The character “%(char)s” (%(name)s) looks like the Latin “%(latin)s” but is not: "
            "type the address with Latin letters a–z, digits and hyphens only."
        ) % {"char": character, "name": name, "latin": looks_like}
    return _(
        "The character “%(char)s” (%(name)s) is not allowed: use Latin letters a–z without "
        "accents, digits and hyphens only."
    ) % {"char": character, "name": name}


def slug_refusal(
    raw: str, *, taken: Iterable[str] = (), reserved: Iterable[str] = ()
) -> SlugRefusal | None:
    """Why this address cannot be had, or None when it can (module docstring)."""
    slug = slug_normalize(raw)
    for character in slug:
        if not character.isascii():
            return SlugRefusal(Reason.NON_ASCII, _non_ascii_message(character))
    if slug.startswith("xn--"):
        return SlugRefusal(
            Reason.PUNYCODE,
            _("Addresses starting with “xn--” are encoded international names: not allowed."),
        )
    if "--" in slug:
        return SlugRefusal(Reason.PUNYCODE, _("Two hyphens in a row are not allowed."))
    if not SLUG_RE.match(slug):
        if len(slug) < SLUG_MIN:
            message = _("The address needs at least 3 characters.")
        elif len(slug) > SLUG_MAX:
            message = _("The address may have at most 40 characters.")
        elif not slug[0].isalpha():
            message = _("The address must start with a letter.")
        elif slug.endswith("-"):
            message = _("The address cannot end with a hyphen.")
        else:
            message = _("Use only lower-case letters a–z, digits and hyphens.")
        return SlugRefusal(Reason.INVALID, message)
    reserved_set = set(reserved)
    if slug in reserved_set:
        return SlugRefusal(Reason.RESERVED, _("This address is reserved."))
    taken_set = set(taken)
    if slug in taken_set:
        return SlugRefusal(Reason.TAKEN, _("This address is already taken."))
    own = skeleton(slug)
    for other in sorted(reserved_set | taken_set):
        if skeleton(other) == own:
            return SlugRefusal(
                Reason.CONFUSABLE,
                _("This address looks too much like “%(other)s”, which is taken or reserved.")
                % {"other": other},
            )
    return None


def slug_propose(name: str) -> str:
    """An address proposed from the instance's name: accents dropped ("Saint-Étienne" →
    "saint-etienne"), other characters turned into hyphens, cut to 40 characters at a hyphen
    when it can. May still be refused (taken, reserved, lookalike): it is only a proposal."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii")
    slug = slugify(ascii_name.replace("_", "-"))
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    slug = slug.lstrip("0123456789-")
    if len(slug) > SLUG_MAX:
        cut = slug[:SLUG_MAX]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[10:] else cut
        slug = slug.rstrip("-")
    return slug
