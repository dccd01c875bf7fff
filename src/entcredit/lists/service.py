"""The lists in the store: every change runs the pure machine (``lists.abnormal`` /
``lists.serious``), persists the new entry with its query columns, appends a ``ListEvent``,
writes the audit log, and publishes the decisions taken in the platform as ordinary
``abnormal_list`` / ``serious_list`` records (ingest's JSON path: deadlines, publicity and the
portal treat them like any department's). Services never commit.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from entcredit.audit.service import append_event
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_json_rows
from entcredit.lists import store
from entcredit.lists.abnormal import _EVENT_NAMES as abnormal_events
from entcredit.lists.abnormal import (
    AbnormalEntry,
    AbnormalEvent,
    AbnormalState,
    DecideRemoval,
    Propose,
    RemovalReason,
    apply_abnormal,
    propose,
    serious_entry_for_transfer,
)
from entcredit.lists.config import Effect, EffectKind, ListRules, TransitionError
from entcredit.lists.models import ListEntry, ListEvent
from entcredit.lists.rules import Entry
from entcredit.lists.serious import _EVENT_NAMES as serious_events
from entcredit.lists.serious import (
    PenaltyFacts,
    RemovalKind,
    RemoveEarly,
    RepairFacts,
    SeriousEntry,
    SeriousEvent,
    SeriousState,
    apply_serious,
    expires_on,
    start_serious_listing,
)
from entcredit.lists.store import SERIOUS, ListsContext
from entcredit.store.models import Department, Enterprise, Record

Event = AbnormalEvent | SeriousEvent


class EntryNotFound(LookupError):
    pass


def get_row(session: Session, entry_key: str) -> ListEntry:
    row = session.scalar(select(ListEntry).where(ListEntry.entry_key == entry_key))
    if row is None:
        raise EntryNotFound(f"no list entry {entry_key!r}")
    return row


# The machines' own names of their events (as their TransitionErrors say them).
_EVENT_NAMES = {**abnormal_events, **serious_events}


def event_name(event: object) -> str:
    return _EVENT_NAMES[type(event)]


# -- persisting changes ----------------------------------------------------------------------


# The state an effect leaves the entry in; reminders and overdue reports leave it as it was.
_STATE_AFTER: dict[EffectKind, str] = {
    EffectKind.PROPOSED: "proposed",
    EffectKind.LISTED: "listed",
    EffectKind.REMOVAL_REQUESTED: "removal_pending",
    EffectKind.REMOVAL_REFUSED: "listed",
    EffectKind.REMOVED: "removed",
    EffectKind.OBJECTION_FILED: "objection_filed",
    EffectKind.OBJECTION_ACCEPTED: "objection_verifying",
    EffectKind.OBJECTION_REJECTED: "listed",
    EffectKind.OBJECTION_UPHELD: "withdrawn",
    EffectKind.OBJECTION_DISMISSED: "listed",
    EffectKind.WITHDRAWN: "withdrawn",
    EffectKind.TRANSFERRED: "transferred",
    EffectKind.NOTICE_GIVEN: "notice",
    EffectKind.HEARING_HELD: "notice",
    EffectKind.APPROVED: "decided",
    EffectKind.DROPPED: "dropped",
    EffectKind.PUBLISHED: "published",
    EffectKind.EXPIRED: "removed",
    EffectKind.REMOVED_EARLY: "removed",
}


def record_effects(
    session: Session,
    row: ListEntry,
    effects: Iterable[Effect],
    *,
    actor: str,
    before: str | None = None,
    event: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One ``ListEvent`` per effect on this entry, in order; the event itself (named
    ``event``, by ``actor``) is the last, the time-driven changes before it are the system's.
    ``before``: the entry's state before them."""
    if row.id is None:
        session.flush()
    mine = [e for e in effects if e.entry_id == row.entry_key]
    state = before or row.state
    for i, eff in enumerate(mine):
        last = i == len(mine) - 1
        state = row.state if last else _STATE_AFTER.get(eff.kind, state)
        session.add(
            ListEvent(
                entry_id=row.id,
                event=(event if last and event else eff.kind.value),
                on=eff.on,
                actor=actor if last else "system",
                state_after=state,
                details={
                    "effect": eff.kind.value,
                    "detail": eff.detail,
                    "due": eff.deadline.due.isoformat() if eff.deadline else None,
                    "due_what": eff.deadline.what if eff.deadline else None,
                    **((details or {}) if last else {}),
                },
                recorded_at=store.now(),
            )
        )


def add_transfer_target(
    session: Session, created: SeriousEntry, ctx: ListsContext, *, dept_code: str | None
) -> ListEntry | None:
    """Store the serious-list entry a 3-year transfer creates (once; None if it exists),
    with its first event."""
    if session.scalar(select(ListEntry.id).where(ListEntry.entry_key == created.entry_id)):
        return None
    row = store.new_row(created, ctx.rules, ctx.calendar, dept_code=dept_code)
    row.enterprise_id = _enterprise_id(session, created.subject)
    session.add(row)
    session.flush()
    assert created.listed_on is not None
    session.add(
        ListEvent(
            entry_id=row.id,
            event="listed_by_transfer",
            on=created.listed_on,
            actor="system",
            state_after=SeriousState.PUBLISHED.value,
            details={"source_entry": created.source_entry_id},
            recorded_at=store.now(),
        )
    )
    return row


def _enterprise_id(session: Session, uscc: str) -> int | None:
    return session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc))


def _transition(entry: Entry, event: Event, ctx: ListsContext) -> tuple[Entry, tuple[Effect, ...]]:
    if isinstance(entry, AbnormalEntry):
        return apply_abnormal(entry, event, ctx.rules, ctx.calendar)  # type: ignore[arg-type]
    return apply_serious(entry, event, ctx.rules, ctx.calendar)  # type: ignore[arg-type]


def apply_event(
    session: Session,
    entry_key: str,
    event: Event,
    *,
    actor: str,
    as_of: date,
    ctx: ListsContext | None = None,
) -> ListEntry:
    """Run ``event`` (dated on or before ``as_of``) through the machine and persist the
    result; the decisions it takes become public records. Raises the machine's
    ``TransitionError`` (nothing changes) when the entry's state does not allow it."""
    ctx = ctx or ListsContext.default()
    row = get_row(session, entry_key)
    entry = store.entry_of(row)
    name = event_name(event)
    if isinstance(entry, AbnormalEntry) != (type(event) in abnormal_events):
        raise TransitionError(entry.state.value, name, f"not an event of the {row.list_kind} list")
    if event.as_of > as_of:
        raise TransitionError(entry.state.value, name, f"dated {event.as_of}, after {as_of}")
    new, effects = _transition(entry, event, ctx)
    store.write(row, new, ctx.rules, ctx.calendar)
    record_effects(
        session,
        row,
        effects,
        actor=actor,
        before=entry.state.value,
        event=name,
        details=_event_details(event),
    )
    created: ListEntry | None = None
    if (
        isinstance(new, AbnormalEntry)
        and new.state is AbnormalState.TRANSFERRED
        and isinstance(entry, AbnormalEntry)
        and entry.state is not AbnormalState.TRANSFERRED
    ):
        created = add_transfer_target(
            session, serious_entry_for_transfer(new), ctx, dept_code=row.dept_code
        )
    append_event(
        session,
        actor=actor,
        tag="list_entry:event",
        subject_id=row.entry_key,
        details={"event": name, "state": row.state, "on": event.as_of.isoformat()},
    )
    decisions = decisions_for(row, entry, new, ctx.rules)
    if created is not None:
        decisions += decisions_for(created, None, store.entry_of(created), ctx.rules)
    publish_decisions(session, ctx, decisions, actor=actor, as_of=as_of)
    session.flush()
    return row


def _event_details(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in ("decision_no", "authority", "note", "accepted", "upheld", "hearing_requested"):
        if hasattr(event, k):
            out[k] = getattr(event, k)
    if isinstance(event, DecideRemoval):
        out["reason"] = int(event.reason)
    return out


# -- creating entries -----------------------------------------------------------------------


def entry_key_for(kind: str, *parts: str) -> str:
    return ":".join((kind, *parts))


def propose_listing(
    session: Session,
    entry_key: str,
    event: Propose,
    *,
    dept_code: str | None,
    actor: str,
    ctx: ListsContext | None = None,
) -> ListEntry:
    """A new abnormal-list proposal (the platform's own or a staff member's)."""
    ctx = ctx or ListsContext.default()
    if session.scalar(select(ListEntry.id).where(ListEntry.entry_key == entry_key)) is not None:
        raise TransitionError("(new)", "propose", f"entry {entry_key!r} exists already")
    entry, effects = propose(entry_key, event, ctx.rules, ctx.calendar)
    row = store.new_row(entry, ctx.rules, ctx.calendar, dept_code=dept_code)
    row.enterprise_id = _enterprise_id(session, entry.subject)
    session.add(row)
    session.flush()
    record_effects(session, row, effects, actor=actor, event="propose", details={})
    append_event(
        session,
        actor=actor,
        tag="list_entry:propose",
        subject_id=entry_key,
        details={"reason": int(event.reason), "basis": event.basis},
    )
    return row


def start_serious(
    session: Session,
    entry_key: str,
    subject: str,
    penalty: PenaltyFacts,
    *,
    dept_code: str,
    notice_on: date,
    actor: str,
    ctx: ListsContext | None = None,
) -> ListEntry:
    """The intended-listing notice for a penalty that meets Order 44's criteria; the penalising
    department lists ("谁处罚、谁列入"), its level decides the approval step."""
    ctx = ctx or ListsContext.default()
    if session.scalar(select(ListEntry.id).where(ListEntry.entry_key == entry_key)) is not None:
        raise TransitionError("(new)", "notice", f"entry {entry_key!r} exists already")
    dept = session.scalar(select(Department).where(Department.dept_code == dept_code))
    if dept is None:
        raise TransitionError("(new)", "notice", f"unknown department {dept_code!r}")
    entry, effects = start_serious_listing(
        entry_key,
        subject,
        penalty,
        authority=dept.name,
        authority_level=dept.level,
        notice_on=notice_on,
        rules=ctx.rules,
        calendar=ctx.calendar,
    )
    row = store.new_row(entry, ctx.rules, ctx.calendar, dept_code=dept_code)
    row.enterprise_id = _enterprise_id(session, subject)
    session.add(row)
    session.flush()
    record_effects(session, row, effects, actor=actor, event="notice", details={})
    append_event(
        session,
        actor=actor,
        tag="list_entry:notice",
        subject_id=entry_key,
        details={"article": entry.article, "penalty": penalty.decision_no},
    )
    return row


# -- reading --------------------------------------------------------------------------------


def in_force_entries(
    session: Session, usccs: Collection[str], *, as_of: date
) -> dict[str, list[ListEntry]]:
    """The entries with legal effect on ``as_of`` per subject, one query (an empty list for a
    subject with none). An entry whose end fell due by ``as_of`` (``expires_on``: serious
    expiry, 3-year transfer) is left out even before the daily job has ended it."""
    out: dict[str, list[ListEntry]] = {u: [] for u in usccs}
    if not out:
        return out
    rows = session.scalars(
        select(ListEntry)
        .where(ListEntry.uscc.in_(sorted(out)), ListEntry.in_force.is_(True))
        .order_by(ListEntry.uscc, ListEntry.id)
    )
    for row in rows:
        if row.listed_on is not None and row.listed_on > as_of:
            continue
        if row.expires_on is not None and row.expires_on <= as_of:
            continue
        out[row.uscc].append(row)
    return out


# -- credit repair --------------------------------------------------------------------------

_REPAIR_OF_REASON = {
    "1": RemovalReason.ANNUAL_REPORT_FILED,
    "2": RemovalReason.INFO_PUBLISHED,
    "3": RemovalReason.INFO_CORRECTED,
    "4": RemovalReason.ADDRESS_CHANGED,
}


def remove_early(
    session: Session,
    entry_key: str,
    *,
    decision_no: str,
    actor: str,
    as_of: date,
    facts: RepairFacts | None = None,
    removal_reason: RemovalReason | None = None,
    ctx: ListsContext | None = None,
) -> ListEntry:
    """Credit repair approved (rules.md §5): serious list, early removal with the repair facts
    (the machine checks the year and any ban; nothing stays public, ``repaired``); abnormal
    list, removal on repair (reason mirroring the listing reason unless given; the listing
    and the removal stay public). Raises ``TransitionError`` when not possible."""
    row = get_row(session, entry_key)
    event: Event
    if row.list_kind == SERIOUS:
        event = RemoveEarly(as_of, decision_no, facts or RepairFacts(True, True, False))
    else:
        assert row.reason_code is not None
        reason = removal_reason or _REPAIR_OF_REASON[row.reason_code]
        event = DecideRemoval(reason, decision_no, as_of)
    return apply_event(session, entry_key, event, actor=actor, as_of=as_of, ctx=ctx)


# -- publication of the platform's own decisions -------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A record to publish for an entry: its listing or its removal."""

    entry_key: str
    role: str  # listing | removal | withdrawal
    category: str
    dept_code: str
    fields: dict[str, Any]
    produced_on: date
    authority: str
    subject: str
    # role "withdrawal": the published record to withdraw (the listing, annulled on objection)
    record_id: int | None = None


def source_id(entry_key: str, role: str) -> str:
    digest = hashlib.sha256(entry_key.encode()).hexdigest()[:24]
    return f"LST-{digest}-{role}"


def decisions_for(
    row: ListEntry, before: Entry | None, after: Entry, rules: ListRules
) -> list[Decision]:
    """The records a change made in the platform publishes: a listing when the entry became
    public, a removal when it ended publicly (a withdrawn proposal or a dropped procedure
    was never public)."""
    dept = row.dept_code
    if dept is None:
        return []
    out: list[Decision] = []
    authority = after.authority or dept
    if isinstance(after, AbnormalEntry):
        b = before if isinstance(before, AbnormalEntry) else None
        was_listed = b is not None and b.listed_on is not None
        if after.listed_on is not None and not was_listed and row.listing_record_id is None:
            out.append(
                Decision(
                    after.entry_id,
                    "listing",
                    "abnormal_list",
                    dept,
                    {
                        "action": after.action,
                        "reason_code": str(int(after.reason)),
                        "decision_no": after.decision_no,
                    },
                    after.listed_on,
                    authority,
                    after.subject,
                )
            )
        if (
            after.state is AbnormalState.WITHDRAWN
            and b is not None
            and b.state is not AbnormalState.WITHDRAWN
            and row.listing_record_id is not None
        ):
            # Objection upheld: the listing was wrong, its record leaves publicity.
            assert after.ended_on is not None
            out.append(
                Decision(after.entry_id, "withdrawal", "abnormal_list", dept, {}, after.ended_on,
                         authority, after.subject, row.listing_record_id)
            )  # fmt: skip
        ended = after.removal_reason is not None and (b is None or b.removal_reason is None)
        if ended and after.listed_on is not None and after.ended_on is not None:
            reason = int(after.removal_reason or 0)
            out.append(
                Decision(
                    after.entry_id,
                    "removal",
                    "abnormal_list",
                    dept,
                    {
                        "action": "unmark" if after.action == "mark" else "remove",
                        "reason_code": str(reason),
                        "decision_no": after.removal_decision_no
                        or f"{after.decision_no}（移出原因{reason}）",
                    },
                    after.ended_on,
                    authority,
                    after.subject,
                )
            )
        return out
    assert isinstance(after, SeriousEntry)
    bs = before if isinstance(before, SeriousEntry) else None
    if after.listing_public and not (bs and bs.listing_public) and row.listing_record_id is None:
        assert after.listed_on is not None
        end = expires_on(after, rules)
        out.append(
            Decision(
                after.entry_id,
                "listing",
                "serious_list",
                dept,
                {
                    "action": "list",
                    "article": after.article,
                    "decision_no": after.decision_no or f"{after.source_entry_id}（满三年移入）",
                    "penalty_decision_no": after.penalty_decision_no,
                    "expires_on": end.isoformat() if end else None,
                },
                after.published_on or after.listed_on,
                authority,
                after.subject,
            )
        )
    if after.removal_kind is not None and (bs is None or bs.removal_kind is None):
        assert after.removed_on is not None
        out.append(
            Decision(
                after.entry_id,
                "removal",
                "serious_list",
                dept,
                {
                    "action": after.removal_kind.value,
                    "decision_no": after.removal_decision_no
                    or f"{after.decision_no or after.entry_id}（期满移出）",
                },
                after.removed_on,
                authority,
                after.subject,
            )
        )
        if after.removal_kind is RemovalKind.EARLY:
            row.repaired = True
    return out


def publish_decisions(
    session: Session,
    ctx: ListsContext,
    decisions: Sequence[Decision],
    *,
    actor: str,
    as_of: date,
) -> None:
    """Load the decisions as records of the deciding department (one batch per department
    and category) and link them to their entries."""
    if not decisions:
        return
    names = dict(
        session.execute(
            select(Enterprise.uscc, Enterprise.name).where(
                Enterprise.uscc.in_(sorted({d.subject for d in decisions}))
            )
        ).all()
    )
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for d in decisions:
        if d.role == "withdrawal":
            rec = session.get(Record, d.record_id)
            if rec is None or rec.status != "active":
                continue
            groups[(rec.category, rec.dept_code)].append(
                {
                    "dept_code": rec.dept_code,
                    "source_id": rec.source_id,
                    "uscc": rec.uscc,
                    "subject_name": rec.subject_name,
                    "produced_on": rec.produced_on.isoformat(),
                    "authority": rec.authority,
                    **rec.fields,
                    "op": "withdraw",
                }
            )
            continue
        groups[(d.category, d.dept_code)].append(
            {
                "dept_code": d.dept_code,
                "source_id": source_id(d.entry_key, d.role),
                "uscc": d.subject,
                "subject_name": names.get(d.subject, d.subject),
                "produced_on": d.produced_on.isoformat(),
                "authority": d.authority,
                **{k: v for k, v in d.fields.items() if v is not None},
            }
        )
    for (category, dept), rows in sorted(groups.items()):
        load_json_rows(
            session,
            ctx.ingest,
            rows,
            f"lists-{category}-{as_of.isoformat()}",
            LoadOptions(
                category=category,
                dept_code=dept,
                received_on=as_of,
                submitted_by=actor,
                lists_checked=True,
            ),
        )
    decisions = [d for d in decisions if d.role != "withdrawal"]
    keys = [(d.dept_code, source_id(d.entry_key, d.role)) for d in decisions]
    ids = {
        (dc, sid): rid
        for rid, dc, sid in session.execute(
            select(Record.id, Record.dept_code, Record.source_id).where(
                Record.source_id.in_(sorted({k[1] for k in keys}))
            )
        )
    }
    rows_by_key = {
        r.entry_key: r
        for r in session.scalars(
            select(ListEntry).where(
                ListEntry.entry_key.in_(sorted({d.entry_key for d in decisions}))
            )
        )
    }
    for d, key in zip(decisions, keys, strict=True):
        rid = ids.get(key)
        if rid is None:
            continue
        target = rows_by_key[d.entry_key]
        if d.role == "listing":
            target.listing_record_id = rid
        else:
            target.removal_record_id = rid
