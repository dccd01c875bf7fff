"""Record builders for the publicity rule tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from entcredit.core.idnum import make_resident_id
from entcredit.publicity import RecordView

PUBLISHED = date(2024, 1, 10)
DECIDED = date(2024, 1, 2)
# A real-looking resident ID number (valid check character), for leak tests.
ID18 = make_resident_id("44030519900101123")


def penalty(
    kinds: list[str],
    *,
    published_on: date | None = PUBLISHED,
    produced_on: date = DECIDED,
    status: str = "active",
    entity_type: str | None = "enterprise",
    repaired_on: date | None = None,
    **fields: Any,
) -> RecordView:
    return RecordView(
        category="penalty",
        status=status,
        published_on=published_on,
        produced_on=produced_on,
        fields={"penalty_kinds": sorted(kinds), **fields},
        entity_type=entity_type,
        repaired_on=repaired_on,
    )


def record(
    category: str,
    *,
    published_on: date | None = PUBLISHED,
    status: str = "active",
    repaired_on: date | None = None,
    **fields: Any,
) -> RecordView:
    return RecordView(
        category=category,
        status=status,
        published_on=published_on,
        produced_on=DECIDED,
        fields=fields,
        repaired_on=repaired_on,
    )
