"""The machines' entries in the store: ``ListEntry.data`` <-> the frozen dataclasses (lossless),
the query columns copied from them, and the context (rules, calendar) every service needs."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Union

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from entcredit.audit.models import utcnow
from entcredit.core.calendar import WorkCalendar
from entcredit.ingest.context import IngestContext
from entcredit.lists.abnormal import AbnormalEntry, AbnormalState, EntityKind, anniversary
from entcredit.lists.config import ListRules
from entcredit.lists.models import ListEntry
from entcredit.lists.rules import Entry, next_deadline
from entcredit.lists.serious import SeriousEntry, SeriousState, expires_on
from entcredit.settings import Settings
from entcredit.store.models import Enterprise

ABNORMAL, SERIOUS = "abnormal", "serious"
# Abnormal states with legal effect; "proposed" is not yet a listing.
ABNORMAL_IN_FORCE = frozenset(
    {
        AbnormalState.LISTED,
        AbnormalState.OBJECTION_FILED,
        AbnormalState.OBJECTION_VERIFYING,
        AbnormalState.REMOVAL_PENDING,
    }
)
ABNORMAL_OPEN = frozenset({AbnormalState.PROPOSED, *ABNORMAL_IN_FORCE})
SERIOUS_IN_FORCE = frozenset({SeriousState.DECIDED, SeriousState.PUBLISHED})
SERIOUS_OPEN = frozenset(
    {SeriousState.NOTICE, SeriousState.HEARING, SeriousState.AWAITING_APPROVAL, *SERIOUS_IN_FORCE}
)
OPEN_STATES = frozenset(s.value for s in (*ABNORMAL_OPEN, *SERIOUS_OPEN))


@dataclass(frozen=True)
class ListsContext:
    """What every list service needs besides the session: the rules, the working-day
    calendar and the ingest context (decisions taken here are published as records)."""

    rules: ListRules
    ingest: IngestContext

    @property
    def calendar(self) -> WorkCalendar:
        return self.ingest.calendar

    @classmethod
    def from_settings(cls, settings: Settings, ingest: IngestContext | None = None) -> ListsContext:
        return cls(load_rules(settings), ingest or IngestContext.from_settings(settings))

    @staticmethod
    @cache
    def default() -> ListsContext:
        """From the environment's settings, built once: for callers that hold none."""
        return ListsContext.from_settings(Settings())


def load_rules(settings: Settings) -> ListRules:
    path = settings.lists_rules_file
    if path is None:
        return ListRules()
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the list rules file must be a mapping")
    return ListRules.from_mapping(data)


# -- serialisation --------------------------------------------------------------------------


def to_data(entry: Entry) -> dict[str, Any]:
    """The entry as JSON data: dates ISO, enums their value, sets sorted lists."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(entry):
        v = getattr(entry, f.name)
        if isinstance(v, enum.Enum):
            v = v.value
        elif isinstance(v, date):
            v = v.isoformat()
        elif isinstance(v, frozenset):
            v = sorted(v)
        out[f.name] = v
    return out


_HINTS: dict[str, dict[str, Any]] = {
    ABNORMAL: typing.get_type_hints(AbnormalEntry),
    SERIOUS: typing.get_type_hints(SeriousEntry),
}


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (Union, types.UnionType):
        hint = next(a for a in args if a is not type(None))
    if hint is date:
        return date.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value


def from_data(list_kind: str, data: dict[str, Any]) -> Entry:
    hints = _HINTS[list_kind]
    values = {k: _convert(hints[k], v) for k, v in data.items()}
    return AbnormalEntry(**values) if list_kind == ABNORMAL else SeriousEntry(**values)


def entry_of(row: ListEntry) -> Entry:
    return from_data(row.list_kind, row.data)


# -- the query columns ----------------------------------------------------------------------


def job_due(entry: Entry, rules: ListRules, calendar: WorkCalendar) -> date | None:
    """The next day ``apply_due`` can change the entry: an automatic deadline on its day, a
    staff deadline the day after it (reported overdue once), the abnormal reminder."""
    days: list[date] = []
    nxt = next_deadline(entry, rules, calendar)
    if nxt is not None:
        if nxt.automatic:
            days.append(nxt.due)
        elif entry.overdue_reported != nxt.due:
            days.append(nxt.due + timedelta(days=1))
    if (
        isinstance(entry, AbnormalEntry)
        and entry.state in ABNORMAL_IN_FORCE
        and entry.escalates
        and entry.reminder_on is None
    ):
        ann = anniversary(entry, rules)
        if ann is not None:
            days.append(ann - timedelta(days=rules.reminder_window_days))
    return min(days, default=None)


def columns(entry: Entry, rules: ListRules, calendar: WorkCalendar) -> dict[str, Any]:
    """Every query column of ``list_entries`` as the entry determines it."""
    nxt = next_deadline(entry, rules, calendar)
    common = {
        "entry_key": entry.entry_id,
        "uscc": entry.subject,
        "state": entry.state.value,
        "authority": entry.authority,
        "listed_on": entry.listed_on,
        "next_due_on": nxt.due if nxt else None,
        "next_due_what": nxt.what if nxt else None,
        "job_due_on": job_due(entry, rules, calendar),
    }
    if isinstance(entry, AbnormalEntry):
        ended = entry.state not in ABNORMAL_OPEN
        return common | {
            "list_kind": ABNORMAL,
            "in_force": entry.state in ABNORMAL_IN_FORCE,
            "reason_code": str(int(entry.reason)),
            "decision_no": entry.decision_no,
            "ended_on": entry.ended_on,
            "end_reason": (
                str(int(entry.removal_reason))
                if entry.removal_reason is not None
                else entry.state.value
                if ended
                else None
            ),
            "repaired": False,  # listing and removal both stay public (rules.md §3)
            # Enterprises and cooperatives leave the list at 3 years (to the serious list).
            "expires_on": anniversary(entry, rules) if entry.escalates else None,
        }
    ended_s = entry.state in (SeriousState.REMOVED, SeriousState.DROPPED)
    return common | {
        "list_kind": SERIOUS,
        "in_force": entry.state in SERIOUS_IN_FORCE,
        "reason_code": entry.article,
        "decision_no": entry.decision_no,
        "ended_on": entry.removed_on or (entry.state_since if ended_s else None),
        "end_reason": (
            entry.removal_kind.value
            if entry.removal_kind is not None
            else entry.state.value
            if ended_s
            else None
        ),
        # Early removal: nothing of the entry stays public (rules.md §4) [law].
        "repaired": entry.state is SeriousState.REMOVED
        and not (entry.listing_public or entry.removal_public),
        "expires_on": expires_on(entry, rules),
    }


def write(
    row: ListEntry, entry: Entry, rules: ListRules, calendar: WorkCalendar, *, bump: bool = True
) -> None:
    """Copy ``entry`` into ``row`` (data and every query column)."""
    for k, v in columns(entry, rules, calendar).items():
        setattr(row, k, v)
    row.data = to_data(entry)
    row.updated_at = utcnow()
    if bump:
        row.version = (row.version or 0) + 1


def new_row(
    entry: Entry, rules: ListRules, calendar: WorkCalendar, *, dept_code: str | None
) -> ListEntry:
    row = ListEntry(dept_code=dept_code, version=1, repaired=False, in_force=False)
    write(row, entry, rules, calendar, bump=False)
    return row


def entries_of(session: Session, usccs: Collection[str], list_kind: str) -> list[ListEntry]:
    """Every entry (any state) of these subjects on one list, oldest first."""
    if not usccs:
        return []
    return list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.uscc.in_(sorted(set(usccs))), ListEntry.list_kind == list_kind)
            .order_by(ListEntry.id)
        )
    )


def entity_kinds(session: Session, usccs: Collection[str]) -> dict[str, EntityKind]:
    """From the register; for a subject not registered (yet), from its code's category
    character (GB 32100: market regulation 9 + 1 enterprise, 2 individual, 3 cooperative)."""
    found = dict(
        session.execute(
            select(Enterprise.uscc, Enterprise.entity_type).where(
                Enterprise.uscc.in_(sorted(set(usccs)))
            )
        ).all()
    )
    return {u: EntityKind(found[u]) if u in found else kind_from_code(u) for u in usccs}


def kind_from_code(uscc: str) -> EntityKind:
    if uscc.startswith("92"):
        return EntityKind.INDIVIDUAL
    if uscc.startswith("93"):
        return EntityKind.COOPERATIVE
    return EntityKind.ENTERPRISE


def now() -> datetime:
    return utcnow()
