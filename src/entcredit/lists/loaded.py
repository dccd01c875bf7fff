"""Decisions loaded by departments (categories ``abnormal_list`` and ``serious_list``) pass
through the same machines as the platform's own: a new row creates or advances an entry; a
row the machine refuses (removing what is not listed, listing twice for the same reason,
removal reason 6 on an individual business, ...) is a rejected row naming ``action`` or
``reason_code``. Runs inside the batch's transaction, so the batch stays atomic.

Only new records move the machine: a correction or withdrawal of a decision record is a
publicity matter of that record. Rows without a USCC (a natural person on the serious list,
a legacy entity known by registration number only) are kept as records without an entry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from entcredit.ingest.rules import Outcome
from entcredit.lists import store
from entcredit.lists.abnormal import (
    AbnormalEntry,
    AbnormalState,
    DecideListing,
    DecideRemoval,
    DeregisteredOrRevoked,
    EntityKind,
    ListingReason,
    Propose,
    RemovalReason,
    apply_abnormal,
    propose,
    serious_entry_for_transfer,
)
from entcredit.lists.config import Effect, TransitionError, add_years
from entcredit.lists.models import ListEntry
from entcredit.lists.rules import Entry
from entcredit.lists.serious import (
    LEGACY_ARTICLE,
    RemoveEarly,
    RemoveSerious,
    RepairFacts,
    SeriousEntry,
    apply_serious,
    serious_from_decision,
)
from entcredit.lists.service import add_transfer_target, record_effects
from entcredit.lists.store import ABNORMAL, ABNORMAL_OPEN, SERIOUS, ListsContext
from entcredit.store.models import Department, Enterprise, Record

CATEGORIES = frozenset({"abnormal_list", "serious_list"})
Key = tuple[str, str]
# (row number, record key, values, outcome, id of the stored record before the row)
Row = tuple[int, Key, dict[str, Any], Outcome, int | None]
Problem = tuple[str, str]  # (field, reason)

# Removal reasons 1-5 and the listing reasons they end (rules.md §3).
_REPAIRED_BY = {1: {"1"}, 2: {"2"}, 3: {"3"}, 4: {"4"}, 5: {"4"}}


class RowRefused(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _field_of(exc: TransitionError) -> str:
    """The field a refusal names: the reason when the reason is what does not fit, else the
    action (the entry's state does not allow it)."""
    if exc.why.startswith("the entry ended") or "reason" not in exc.why:
        return "action"
    return "reason_code"


class LoadedDecisions:
    """One per batch of a list category; ``check`` runs per chunk before the write."""

    def __init__(self, session: Session, ctx: ListsContext, category: str, actor: str) -> None:
        self.session = session
        self.ctx = ctx
        self.list_kind = ABNORMAL if category == "abnormal_list" else SERIOUS
        self.actor = actor
        # Entries created or changed by rows, to link to the rows' records once written.
        self._links: list[tuple[ListEntry, str, Key]] = []
        # (entry, effects, state before, event), recorded once the chunk's rows have ids.
        self._events: list[tuple[ListEntry, tuple[Effect, ...], str | None, str]] = []
        self._ids: dict[str, int] = {}

    def check(self, rows: list[Row]) -> dict[int, Problem]:
        """``rows``: (row_no, key, values, outcome, stored record id) in file order. Applies
        every new row to its entry, and every correction to the entry it documents; returns
        the rows refused. A later row of the same key as a refused one is refused too (it
        would otherwise count as a repeat of it)."""
        usccs = {v["uscc"] for _, _, v, o, _ in rows if o is Outcome.NEW and v.get("uscc")}
        by_subject: dict[str, list[ListEntry]] = defaultdict(list)
        for row in store.entries_of(self.session, usccs, self.list_kind):
            by_subject[row.uscc].append(row)
        kinds = store.entity_kinds(self.session, usccs) if usccs else {}
        self._ids = dict(
            self.session.execute(
                select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(sorted(usccs)))
            ).all()
        )
        levels = dict(self.session.execute(select(Department.dept_code, Department.level)).all())
        refused: dict[int, Problem] = {}
        refused_keys: dict[Key, Problem] = {}
        for row_no, key, v, outcome, record_id in rows:
            if key in refused_keys:
                refused[row_no] = refused_keys[key]
                continue
            if outcome is Outcome.CORRECTED:
                try:
                    self._correct(key, v, record_id)
                except RowRefused as exc:
                    refused[row_no] = refused_keys[key] = (exc.field, exc.reason)
                continue
            if outcome is not Outcome.NEW or not v.get("uscc"):
                continue
            try:
                if self.list_kind == ABNORMAL:
                    self._abnormal(key, v, by_subject[v["uscc"]], kinds[v["uscc"]])
                else:
                    self._serious(key, v, by_subject[v["uscc"]], levels.get(key[0], "county"))
            except RowRefused as exc:
                refused[row_no] = refused_keys[key] = (exc.field, exc.reason)
            except TransitionError as exc:
                refused[row_no] = refused_keys[key] = (_field_of(exc), str(exc))
        self.session.flush()
        for row, effects, before, event in self._events:
            record_effects(self.session, row, effects, actor=self.actor, before=before, event=event)
        self._events.clear()
        self.session.flush()
        return refused

    def link(self, record_ids: dict[Key, int]) -> None:
        """Point the entries at the records the rows became."""
        for row, attr, key in self._links:
            rid = record_ids.get(key)
            if rid is not None:
                setattr(row, attr, rid)
        self._links.clear()

    # -- corrections ------------------------------------------------------------------------

    _DECIDING = ("action", "reason_code", "article", "uscc", "produced_on")

    def _correct(self, key: Key, v: dict[str, Any], record_id: int | None) -> None:
        """A corrected decision record may fix its document number; what decided the
        transition (action, reason, article, subject, date) is changed only by withdrawing the
        record and sending the new decision."""
        rec = self.session.get(Record, record_id) if record_id else None
        if rec is not None:
            stored = {**rec.fields, "uscc": rec.uscc, "produced_on": rec.produced_on.isoformat()}
            for name in self._DECIDING:
                if name in v and v.get(name) != stored.get(name):
                    raise RowRefused(
                        name,
                        f"a list decision's {name} cannot be corrected: withdraw the record "
                        "and send the new decision",
                    )
        targets = [(row, attr) for row, attr, k in self._links if k == key]
        if record_id:
            for attr in ("listing_record_id", "removal_record_id"):
                found = self.session.scalars(
                    select(ListEntry).where(getattr(ListEntry, attr) == record_id)
                )
                targets += [(row, attr) for row in found]
        for row, attr in targets:
            entry = store.entry_of(row)
            field = "decision_no" if attr == "listing_record_id" else "removal_decision_no"
            if getattr(entry, field) == v["decision_no"]:
                continue
            entry = replace(entry, **{field: v["decision_no"]})
            store.write(row, entry, self.ctx.rules, self.ctx.calendar)
            self._events.append((row, (), row.state, "correct_decision_no"))

    # -- persistence ------------------------------------------------------------------------

    def _save(
        self,
        entries: list[ListEntry],
        row: ListEntry | None,
        entry: Entry,
        effects: tuple[Effect, ...],
        *,
        dept_code: str,
        event: str,
    ) -> ListEntry:
        rules, cal = self.ctx.rules, self.ctx.calendar
        before = store.entry_of(row) if row is not None else None
        if row is None:
            row = store.new_row(entry, rules, cal, dept_code=dept_code)
            row.enterprise_id = self._ids.get(entry.subject)
            self.session.add(row)
            entries.append(row)
        else:
            store.write(row, entry, rules, cal)
        self._events.append((row, effects, before.state.value if before else None, event))
        if (
            isinstance(entry, AbnormalEntry)
            and entry.state is AbnormalState.TRANSFERRED
            and not (isinstance(before, AbnormalEntry) and before.state is entry.state)
        ):
            self._transferred(entry, row.dept_code)
        return row

    def _transferred(self, moved: AbnormalEntry, dept_code: str | None) -> None:
        add_transfer_target(
            self.session, serious_entry_for_transfer(moved), self.ctx, dept_code=dept_code
        )

    # -- abnormal list ---------------------------------------------------------------------

    def _abnormal(
        self, key: Key, v: dict[str, Any], entries: list[ListEntry], kind: EntityKind
    ) -> None:
        rules, cal = self.ctx.rules, self.ctx.calendar
        action, reason = v["action"], int(v["reason_code"])
        d = date.fromisoformat(v["produced_on"])
        individual = kind is EntityKind.INDIVIDUAL
        if (action in ("mark", "unmark")) != individual:
            want = "mark / unmark" if individual else "list / remove"
            raise RowRefused("action", f"a {kind.value} takes the actions {want}, not {action}")
        open_ = [r for r in entries if r.state in {s.value for s in ABNORMAL_OPEN}]
        if action in ("list", "mark"):
            same = [r for r in open_ if r.reason_code == str(reason)]
            pending = [r for r in same if r.state == AbnormalState.PROPOSED.value]
            if same and not pending:
                first = same[0]
                raise RowRefused(
                    "reason_code",
                    f"already listed for reason {reason} since {first.listed_on} "
                    f"({first.decision_no}); a second listing for the same reason is refused",
                )
            event = DecideListing(v["decision_no"], v["authority"], d)
            if pending:
                target = pending[0]
                new, effects = apply_abnormal(store.entry_of(target), event, rules, cal)  # type: ignore[arg-type]
                row = self._save(entries, target, new, effects, dept_code=key[0], event="list")
            else:
                proposal = Propose(
                    v["uscc"], kind, ListingReason(reason), d, f"decision {v['decision_no']}"
                )
                entry, first_effects = propose(f"abn:{key[0]}:{key[1]}", proposal, rules, cal)
                new, effects = apply_abnormal(entry, event, rules, cal)
                row = self._save(
                    entries, None, new, first_effects + effects, dept_code=key[0], event="list"
                )
            self._links.append((row, "listing_record_id", key))
            return
        if individual and reason == RemovalReason.TRANSFERRED:
            raise RowRefused(
                "reason_code",
                "removal reason 6 (moved to the serious list after 3 years) does not apply to "
                "individual businesses",
            )
        # Reason 7 also ends a proposal; the others end listings only.
        if reason == RemovalReason.DEREGISTERED_OR_REVOKED:
            in_force = open_
        else:
            in_force = [r for r in open_ if r.in_force]
        if reason == RemovalReason.TRANSFERRED:
            # The transfer decision may follow the daily job's move: the entry has ended then.
            in_force += [
                r
                for r in entries
                if r.state == AbnormalState.TRANSFERRED.value
                and not (r.data or {}).get("removal_decision_no")
            ]
        if not in_force:
            raise RowRefused("action", "the subject is not on the abnormal list: nothing to remove")
        if reason == RemovalReason.DEREGISTERED_OR_REVOKED:
            for target in in_force:
                ev7 = DeregisteredOrRevoked(d, v["decision_no"])
                new, effects = apply_abnormal(store.entry_of(target), ev7, rules, cal)  # type: ignore[arg-type]
                self._save(entries, target, new, effects, dept_code=key[0], event="remove")
                self._links.append((target, "removal_record_id", key))
            return
        if reason == RemovalReason.TRANSFERRED:
            targets = in_force
        else:
            targets = [r for r in in_force if r.reason_code in _REPAIRED_BY[reason]]
            if not targets:
                listed = ", ".join(sorted({r.reason_code or "" for r in in_force}))
                raise RowRefused(
                    "reason_code",
                    f"removal reason {reason} does not end the listing reason(s) {listed} "
                    f"of {v['uscc']}",
                )
        target = targets[0]
        ev = DecideRemoval(RemovalReason(reason), v["decision_no"], d)
        new, effects = apply_abnormal(store.entry_of(target), ev, rules, cal)  # type: ignore[arg-type]
        self._save(entries, target, new, effects, dept_code=key[0], event="remove")
        self._links.append((target, "removal_record_id", key))

    # -- serious list -----------------------------------------------------------------------

    def _serious(self, key: Key, v: dict[str, Any], entries: list[ListEntry], level: str) -> None:
        rules, cal = self.ctx.rules, self.ctx.calendar
        action = v["action"]
        d = date.fromisoformat(v["produced_on"])
        in_force = [r for r in entries if r.in_force]
        if action == "list":
            article = v["article"]
            if article == LEGACY_ARTICLE:
                moved = [r for r in in_force if r.reason_code == article and not r.decision_no]
                if moved:
                    # The listing decision of a transfer the machine made: it adds the number.
                    target = moved[0]
                    entry = store.entry_of(target)
                    assert isinstance(entry, SeriousEntry)
                    entry = replace(entry, decision_no=v["decision_no"])
                    self._save(entries, target, entry, (), dept_code=key[0], event="list")
                    self._links.append((target, "listing_record_id", key))
                    return
            penalty = v.get("penalty_decision_no")
            for r in in_force:
                e = store.entry_of(r)
                assert isinstance(e, SeriousEntry)
                if e.article == article and e.penalty_decision_no == penalty:
                    raise RowRefused(
                        "action",
                        f"already on the serious list under article {article} since "
                        f"{e.listed_on} ({e.decision_no}) for the same grounds",
                    )
            expires = v.get("expires_on")
            ban = date.fromisoformat(expires) if expires else None
            entry = serious_from_decision(
                f"ser:{key[0]}:{key[1]}",
                v["uscc"],
                article=article,
                decision_no=v["decision_no"],
                authority=v["authority"],
                authority_level=level,
                listed_on=d,
                penalty_decision_no=penalty,
                # A stated end beyond the 3 years is a statutory ban that runs in full.
                ban_until=ban if ban and ban > add_years(d, rules.serious_years) else None,
            )
            row = self._save(entries, None, entry, (), dept_code=key[0], event="list")
            self._links.append((row, "listing_record_id", key))
            return
        candidates = [r for r in entries if r.in_force or r.end_reason == "remove"]
        if not candidates:
            raise RowRefused("action", "the subject is not on the serious list: nothing to remove")
        failure: TransitionError | None = None
        for target in candidates:
            entry = store.entry_of(target)
            assert isinstance(entry, SeriousEntry)
            ev: RemoveSerious | RemoveEarly
            if action == "remove":
                ev = RemoveSerious(d, v["decision_no"])
            else:
                # The department decided on the repair facts; the machine still checks the
                # minimum time and any statutory ban.
                ev = RemoveEarly(d, v["decision_no"], RepairFacts(True, True, False))
            try:
                new, effects = apply_serious(entry, ev, rules, cal)
            except TransitionError as exc:
                failure = failure or exc
                continue
            self._save(entries, target, new, effects, dept_code=key[0], event=action)
            self._links.append((target, "removal_record_id", key))
            return
        assert failure is not None
        raise failure
