"""Column headers -> field codes. A header is a field code (any case) or its Chinese label."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from entcredit.core.text import TRIM_CHARS, to_halfwidth

if TYPE_CHECKING:
    from entcredit.catalog.model import Category

__all__ = ["HeaderMap", "clean_header", "normalise_label", "resolve_headers"]


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """``columns[i]`` is the field code of raw header ``i`` (None when unknown or a repeat).

    ``unknown`` lists the raw headers that match no field (kept aside by ingest, reported as a
    warning); ``duplicates`` the raw headers naming a field an earlier column already names
    (the file is ambiguous: ingest must refuse it).
    """

    columns: list[str | None]
    unknown: list[str]
    duplicates: list[str]

    @property
    def fields(self) -> list[str]:
        return [c for c in self.columns if c is not None]


def clean_header(raw: str) -> str:
    """Trimmed of ASCII and full-width whitespace and of a leading BOM."""
    return raw.strip(TRIM_CHARS)


def normalise_label(label: str) -> str:
    """The comparison form of a label: half-width punctuation (（）-> ()), no spaces inside."""
    return to_halfwidth(clean_header(label)).replace(" ", "")


def resolve_headers(category: Category, raw_headers: Sequence[str]) -> HeaderMap:
    lookup: dict[str, str] = {}
    for f in category.fields:
        lookup[f.code.lower()] = f.code
    for f in category.fields:
        lookup.setdefault(normalise_label(f.label_zh), f.code)
    columns: list[str | None] = []
    unknown: list[str] = []
    duplicates: list[str] = []
    seen: set[str] = set()
    for raw in raw_headers:
        header = clean_header(raw or "")
        code = lookup.get(header.lower()) or lookup.get(normalise_label(header).lower())
        if code is None:
            code = lookup.get(normalise_label(header))
        if code is None:
            columns.append(None)
            unknown.append(header)
        elif code in seen:
            columns.append(None)
            duplicates.append(header)
        else:
            seen.add(code)
            columns.append(code)
    return HeaderMap(columns, unknown, duplicates)
