"""The daily job of both lists (issue 4 item 6): one run for one date.

1. Removal reason 7 for open abnormal entries of entities the register shows deregistered or
   revoked (dated the register's ``status_on``).
2. Proposals the platform raises itself: reason 1 for every active entity without the annual
   report of a year whose deadline (30 June) has passed, reason 4 from inspection result 6.
   Each is dated the day its ground arose (the day after the deadline, the inspection).
3. Time-driven changes (``rules.apply_due``) of the entries whose ``job_due_on`` has come:
   reminders, transfers to the serious list at 3 years, serious-list expiries, overdue staff
   deadlines; the transfers' and expiries' records are published.

Candidates come from set-based SQL (anti-joins over the register and the records); only the
entries that change are loaded and run through the pure machines. Every change is dated the
day it fell due, so a second run for the same date changes nothing and daily runs reach the
same state as one run at the end.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, text
from sqlalchemy.orm import Session

from entcredit.audit.service import append_event
from entcredit.lists import store
from entcredit.lists.abnormal import (
    AbnormalEntry,
    DeregisteredOrRevoked,
    EntityKind,
    EntitySnapshot,
    ListingReason,
    Propose,
    annual_report_proposals,
    apply_abnormal,
    proposal_from_inspection,
    propose,
    serious_entry_for_transfer,
)
from entcredit.lists.config import Effect, EffectKind, TransitionError
from entcredit.lists.models import INSPECTION_UNREACHABLE, ListEntry
from entcredit.lists.rules import apply_due
from entcredit.lists.serious import SeriousEntry
from entcredit.lists.service import (
    Decision,
    add_transfer_target,
    decisions_for,
    publish_decisions,
    record_effects,
)
from entcredit.lists.store import ABNORMAL, ABNORMAL_OPEN, ListsContext
from entcredit.store.models import Department, Enterprise, Record

ACTOR = "system"
_OPEN = sorted(s.value for s in ABNORMAL_OPEN)


@dataclass
class DailyReport:
    as_of: date
    counts: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        return [f"{k}: {v}" for k, v in sorted(self.counts.items()) if v] or ["nothing due"]


def run_daily(
    session: Session, as_of: date, *, ctx: ListsContext, proposals_from: date | None = None
) -> DailyReport:
    """``proposals_from``: the platform raises proposals for grounds arising on or after this
    date (a report deadline, an inspection); None: the year before ``as_of``."""
    since = proposals_from or as_of - timedelta(days=365)
    report = DailyReport(as_of)
    # Endings first (a proposal must not meet an entry a transfer or reason 7 has ended),
    # then proposals, then what fell due for the proposals themselves (overdue decisions).
    decisions = _deregistered(session, as_of, ctx, report)
    decisions += _time_driven(session, as_of, ctx, report)
    _propose_annual_reports(session, as_of, since, ctx, report)
    _propose_from_inspections(session, as_of, since, ctx, report)
    decisions += _time_driven(session, as_of, ctx, report)
    publish_decisions(session, ctx, decisions, actor=ACTOR, as_of=as_of)
    session.flush()
    append_event(
        session,
        actor=ACTOR,
        tag="lists:daily",
        subject_id=as_of.isoformat(),
        details=dict(report.counts),
    )
    return report


# -- 1. deregistered or revoked ----------------------------------------------------------


def _deregistered(
    session: Session, as_of: date, ctx: ListsContext, report: DailyReport
) -> list[Decision]:
    decisions: list[Decision] = []
    rows = session.execute(
        select(ListEntry, Enterprise.status_on)
        .join(Enterprise, Enterprise.uscc == ListEntry.uscc)
        .where(
            ListEntry.list_kind == ABNORMAL,
            ListEntry.state.in_(_OPEN),
            Enterprise.status.in_(("revoked", "deregistered")),
            or_(Enterprise.status_on.is_(None), Enterprise.status_on <= as_of),
        )
    ).all()
    for row, status_on in rows:
        entry = store.entry_of(row)
        on = max(status_on or as_of, entry.state_since)
        try:
            new, effects = apply_abnormal(entry, DeregisteredOrRevoked(on), ctx.rules, ctx.calendar)  # type: ignore[arg-type]
        except TransitionError:
            continue  # ended by a time-driven change first: step 3 applies it
        store.write(row, new, ctx.rules, ctx.calendar)
        record_effects(
            session,
            row,
            effects,
            actor=ACTOR,
            before=entry.state.value,
            event="deregistered_or_revoked",
        )
        decisions += decisions_for(row, entry, new, ctx.rules)
        report.counts["removed_reason_7" if new.listed_on else "withdrawn_reason_7"] += 1
    return decisions


# -- 2. proposals -------------------------------------------------------------------------


def _owning_departments(session: Session, usccs: Iterable[str]) -> dict[str, str | None]:
    """The registering market regulator of each entity: the department named as its
    registering authority, else the market regulator of its region (county, city, province)."""
    depts = session.execute(
        select(Department.dept_code, Department.name, Department.region_code).where(
            Department.is_market_regulator.is_(True)
        )
    ).all()
    by_name = {name: code for code, name, _ in depts}
    by_region = {region: code for code, _, region in depts}
    out: dict[str, str | None] = {}
    wanted = sorted(set(usccs))
    for i in range(0, len(wanted), 5000):
        part = wanted[i : i + 5000]
        for uscc, authority, region in session.execute(
            select(Enterprise.uscc, Enterprise.reg_authority, Enterprise.region_code).where(
                Enterprise.uscc.in_(part)
            )
        ):
            out[uscc] = by_name.get(authority) or next(
                (
                    by_region[r]
                    for r in (region, region[:4] + "00", region[:2] + "0000")
                    if r in by_region
                ),
                None,
            )
    return out


def _create(
    session: Session,
    proposals: list[tuple[str, Propose]],
    ctx: ListsContext,
    report: DailyReport,
    counter: str,
) -> None:
    owners = _owning_departments(session, (p.subject for _, p in proposals))
    ids = dict(
        session.execute(
            select(Enterprise.uscc, Enterprise.id).where(
                Enterprise.uscc.in_(sorted({p.subject for _, p in proposals}))
            )
        ).all()
    )
    made = []
    for key, proposal in proposals:
        entry, effects = propose(key, proposal, ctx.rules, ctx.calendar)
        row = store.new_row(entry, ctx.rules, ctx.calendar, dept_code=owners.get(entry.subject))
        row.enterprise_id = ids.get(entry.subject)
        made.append((row, effects))
    session.add_all(row for row, _ in made)
    session.flush()
    for row, effects in made:
        record_effects(session, row, effects, actor=ACTOR, event="propose")
    report.counts[counter] += len(made)


def _open_subjects(session: Session, reason: ListingReason) -> set[str]:
    return set(
        session.scalars(
            select(ListEntry.uscc).where(
                ListEntry.list_kind == ABNORMAL,
                ListEntry.reason_code == str(int(reason)),
                ListEntry.state.in_(_OPEN),
            )
        )
    )


def _propose_annual_reports(
    session: Session, as_of: date, since: date, ctx: ListsContext, report: DailyReport
) -> None:
    rules = ctx.rules
    last = as_of.year if rules.annual_report_deadline(as_of.year - 1) < as_of else as_of.year - 1
    years = [
        y for y in range(since.year - 2, last) if since <= rules.annual_report_deadline(y) < as_of
    ]
    open_now = _open_subjects(session, ListingReason.ANNUAL_REPORT)
    for year in years:
        filed = exists().where(
            Record.enterprise_id == Enterprise.id,
            Record.category == "annual_report",
            Record.status == "active",
            Record.fields["year"].as_integer() == year,
        )
        keyed = exists().where(ListEntry.entry_key == _r1_key_expr(year))
        candidates = session.execute(
            select(
                Enterprise.uscc,
                Enterprise.entity_type,
                Enterprise.status,
                Enterprise.established_on,
            ).where(
                Enterprise.status == "active",
                Enterprise.established_on <= date(year, 12, 31),
                ~filed,
                ~keyed,
            )
        )
        snapshots = [EntitySnapshot(u, EntityKind(t), s, e) for u, t, s, e in candidates]
        deadline = rules.annual_report_deadline(year)
        proposals = annual_report_proposals(
            snapshots,
            {},
            year,
            deadline + timedelta(days=1),
            rules,
            already_open=open_now,
        )
        _create(
            session,
            [(f"abn:r1:{p.subject}:{year}", p) for p in proposals],
            ctx,
            report,
            "proposed_reason_1",
        )
        open_now |= {p.subject for p in proposals}


def _r1_key_expr(year: int) -> Any:
    return "abn:r1:" + Enterprise.uscc + f":{year}"


def _propose_from_inspections(
    session: Session, as_of: date, since: date, ctx: ListsContext, report: DailyReport
) -> None:
    keyed = exists().where(
        ListEntry.entry_key == "abn:insp:" + Record.dept_code + ":" + Record.source_id
    )
    rows = session.execute(
        select(
            Record.dept_code,
            Record.source_id,
            Record.uscc,
            Record.produced_on,
            Record.fields["task_no"].as_string(),
            Enterprise.entity_type,
        )
        .join(Enterprise, Enterprise.id == Record.enterprise_id)
        .where(
            text(INSPECTION_UNREACHABLE[session.get_bind().dialect.name]),
            Record.status == "active",
            Record.produced_on >= since,
            Record.produced_on <= as_of,
            Enterprise.status == "active",
            ~keyed,
        )
        .order_by(Record.produced_on, Record.id)
    )
    open_now = _open_subjects(session, ListingReason.UNREACHABLE)
    proposals: list[tuple[str, Propose]] = []
    for dept, sid, uscc, on, task, etype in rows:
        if uscc in open_now:
            continue
        p = proposal_from_inspection("6", uscc, EntityKind(etype), on, task or f"{dept}/{sid}")
        assert p is not None
        proposals.append((f"abn:insp:{dept}:{sid}", p))
        open_now.add(uscc)
    _create(session, proposals, ctx, report, "proposed_reason_4")


# -- 3. time-driven changes ---------------------------------------------------------------

_COUNTED = {
    EffectKind.REMINDER: "reminders",
    EffectKind.TRANSFERRED: "transfers",
    EffectKind.EXPIRED: "expiries",
    EffectKind.OVERDUE: "overdue",
}


def _time_driven(
    session: Session, as_of: date, ctx: ListsContext, report: DailyReport
) -> list[Decision]:
    decisions: list[Decision] = []
    rows = list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.job_due_on.is_not(None), ListEntry.job_due_on <= as_of)
            .order_by(ListEntry.id)
        )
    )
    by_key = {r.entry_key: r for r in rows}
    before = {r.entry_key: store.entry_of(r) for r in rows}
    entries, effects = apply_due(before.values(), as_of, ctx.rules, ctx.calendar)
    out = {e.entry_id: e for e in entries}
    effects_of: dict[str, list[Effect]] = defaultdict(list)
    for eff in effects:
        effects_of[eff.entry_id].append(eff)
    for entry in entries:
        row = by_key.get(entry.entry_id)
        old = before.get(entry.entry_id)
        if row is None:  # the serious entry a transfer created
            assert isinstance(entry, SeriousEntry) and entry.source_entry_id is not None
            moved = out[entry.source_entry_id]
            assert isinstance(moved, AbnormalEntry)
            base = serious_entry_for_transfer(moved)
            made = add_transfer_target(
                session, base, ctx, dept_code=by_key[moved.entry_id].dept_code
            )
            if made is None:
                continue
            row = made
            if entry != base:  # it also expired within this run
                store.write(row, entry, ctx.rules, ctx.calendar)
        elif entry == old:
            continue
        else:
            store.write(row, entry, ctx.rules, ctx.calendar)
        record_effects(
            session,
            row,
            effects_of[entry.entry_id],
            actor=ACTOR,
            before=old.state.value if old else None,
        )
        decisions += decisions_for(row, old, entry, ctx.rules)
    for eff in effects:
        if eff.kind in _COUNTED:
            report.counts[_COUNTED[eff.kind]] += 1
    return decisions
