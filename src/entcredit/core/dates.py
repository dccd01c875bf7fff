"""Dates as the exchange standard writes them. Pure functions, ingest hot path."""

from __future__ import annotations

import re
from datetime import date

from entcredit.core.text import TRIM_CHARS, to_halfwidth

__all__ = ["ACCEPTED_FORMATS", "DateFormatError", "format_date", "parse_date"]

ACCEPTED_FORMATS = "YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or YYYY年M月D日"
# [0-9], not \d: \d would accept Arabic-Indic and other Unicode digits that int() converts.
_SEPARATED = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})")
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_CHINESE = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")
_MAX_SHOWN = 40  # a whole paragraph pasted into a date cell must not flood the row report


class DateFormatError(ValueError):
    """A value that is not a date in an accepted format; ``str()`` is the row-report reason."""

    def __init__(self, raw: str) -> None:
        shown = raw if len(raw) <= _MAX_SHOWN else raw[:_MAX_SHOWN] + "…"
        super().__init__(f"{shown!r} is not a valid date (expected {ACCEPTED_FORMATS})")
        self.raw = raw


def parse_date(raw: str) -> date:
    """Parse a date in any accepted format (full-width digits too, surrounding spaces ignored).

    Raises ``DateFormatError`` for anything else, including impossible dates (2024-02-30).
    """
    # Canonical form first: nearly every row, and fromisoformat is C code, no regex.
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass  # may still be valid once normalised (full-width digits), or truly bad
    s = to_halfwidth(raw).strip(TRIM_CHARS)
    m = _SEPARATED.fullmatch(s) or _COMPACT.fullmatch(s) or _CHINESE.fullmatch(s)
    if m is None:
        raise DateFormatError(raw)
    groups = m.groups()
    year, month, day = (groups[0], groups[2], groups[3]) if len(groups) == 4 else groups
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise DateFormatError(raw) from None


def format_date(d: date) -> str:
    """ISO ``YYYY-MM-DD``; a datetime loses its time part rather than leaking it."""
    return date.isoformat(d)
