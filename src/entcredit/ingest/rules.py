"""Pure ingest rules: row outcomes, content identity, name matching, deadlines.

No database, clock or IO here: the pipeline feeds these plain values.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any, NamedTuple

import orjson

from entcredit.core.calendar import WorkCalendar
from entcredit.core.idnum import mask_id


class Outcome(IntEnum):
    """What happened to one input row. Stored one byte a row in ``IngestBatch.outcomes``."""

    REJECTED = 0
    NEW = 1
    CORRECTED = 2
    UNCHANGED = 3
    WITHDRAWN = 4


def content_hash(values: Mapping[str, Any]) -> str:
    """Identity of a row's content: equal for equal canonical values whatever the input form
    (column order, encoding, label headers, date format)."""
    return hashlib.blake2b(
        orjson.dumps(values, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).hexdigest()


# Columns every aggregated category shares; the rest of a row is its category's own fields.
COMMON_FIELDS = (
    "dept_code",
    "source_id",
    "uscc",
    "reg_no",
    "subject_name",
    "produced_on",
    "authority",
)

_NOT_FIELDS = frozenset((*COMMON_FIELDS, "op"))


def record_identity(values: Mapping[str, Any]) -> tuple[str, str]:
    """(content hash, fields JSON) of an aggregated row: the category's own fields as
    canonical JSON with sorted keys, and a hash over that JSON and the common columns. Equal
    for equal canonical values whatever the input form; one JSON encoding per row."""
    fields = orjson.dumps(
        {k: v for k, v in values.items() if k not in _NOT_FIELDS}, option=orjson.OPT_SORT_KEYS
    )
    head = "\x1f".join(str(values.get(c) or "") for c in COMMON_FIELDS).encode()
    return hashlib.blake2b(head + b"\x1e" + fields, digest_size=16).hexdigest(), fields.decode()


_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Names compare equal across full-/half-width brackets, letters and spacing."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name))


def name_matches(subject_name: str, registered: frozenset[str]) -> bool:
    """``registered`` holds the normalised registered and former names."""
    return normalize_name(subject_name) in registered


@dataclass(frozen=True, slots=True)
class Deadlines:
    aggregate_due: date | None
    aggregated_on_time: bool | None
    publish_due: date
    provisional: bool


def compute_deadlines(
    calendar: WorkCalendar,
    *,
    produced_on: date,
    received_on: date,
    aggregate_days: int | None,
    publish_days: int,
) -> Deadlines:
    """7 working days from the decision to reach the platform, 20 from receipt to publication
    (numbers from the catalogue). A deadline through an uncovered calendar year is provisional."""
    provisional = False
    aggregate_due: date | None = None
    on_time: bool | None = None
    if aggregate_days is not None:
        agg = calendar.add_working_days(produced_on, aggregate_days)
        aggregate_due, provisional = agg.due, agg.provisional
        on_time = received_on <= agg.due
    pub = calendar.add_working_days(received_on, publish_days)
    return Deadlines(aggregate_due, on_time, pub.due, provisional or pub.provisional)


class Existing(NamedTuple):
    """The current state of a stored aggregated record, as the pipeline needs it (a tuple:
    one is made per row on the hot path)."""

    id: int
    category: str
    version: int
    content_hash: str
    status: str
    received_on: date
    published_on: date | None


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: str | None = None


def decide(existing: Existing | None, *, category: str, op: str, new_hash: str) -> Decision:
    """Classify one aggregated row against what is stored under its key."""
    if existing is not None and existing.category != category:
        return Decision(
            Outcome.REJECTED,
            f"source_id already used by this department for category {existing.category}",
        )
    if op == "withdraw":
        if existing is None:
            return Decision(Outcome.REJECTED, "nothing to withdraw: no record with this key")
        if existing.status == "withdrawn":
            return Decision(Outcome.UNCHANGED)
        return Decision(Outcome.WITHDRAWN)
    if existing is None:
        return Decision(Outcome.NEW)
    if existing.content_hash == new_hash and existing.status == "active":
        return Decision(Outcome.UNCHANGED)
    # Different content, or the same content sent again after a withdrawal: a new version.
    return Decision(Outcome.CORRECTED)


_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_free_text(value: str) -> str:
    """Mask anything shaped like a resident ID number inside a cell we do not understand
    (unknown columns, rejected rows), since it may be one."""
    return _ID_LIKE.sub(lambda m: mask_id(m.group(1)), value)
