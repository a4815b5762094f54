"""Text that ends up in a spreadsheet cell (CSV or XLSX files the product hands out).

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` (and, read from a CSV
file, a tab or a carriage return) as a formula: a volunteer named `=HYPERLINK(...)` would run
in the admin's spreadsheet (CSV injection). Every text cell we write goes through `cell_text`,
which puts a quote in front of such a value, so it reads as plain text.
"""

from __future__ import annotations

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: object) -> str:
    """`value` as the text of a cell, never a formula (None is an empty cell)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text
