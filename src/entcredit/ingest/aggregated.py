"""Writing aggregated records (licences, penalties, ...): classify each row against the stored
state of its (dept_code, source_id), attribute it to its enterprise, compute its deadlines,
and write the chunk in bulk.

This is the hot path of every load: rows travel as tuples and lists, not objects, and a new
record (the common case) is built straight into its insert row.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from entcredit.ingest.checking import Accepted, mask_raw
from entcredit.ingest.pipeline import BatchLoader
from entcredit.ingest.rules import (
    Deadlines,
    Existing,
    Outcome,
    compute_deadlines,
    decide,
    normalize_name,
)
from entcredit.store.bulk import (
    RECORD_COLUMNS,
    RECORD_STATUS_COLUMNS,
    RECORD_UPDATE_COLUMNS,
    VERSION_COLUMNS,
    VERSION_SOURCE,
)

_ENTERPRISE_CACHE_LIMIT = 500_000
_COL = {c: i for i, c in enumerate(RECORD_COLUMNS)}
_VERSION_FROM_INSERT = tuple(_COL[c] for c in VERSION_SOURCE)
_UPDATE_FROM_INSERT = tuple(_COL[c] for c in RECORD_UPDATE_COLUMNS)

if TYPE_CHECKING:
    from entcredit.lists.loaded import LoadedDecisions, Row

Key = tuple[str, str]
# (row, key, outcome, reason, state before the row)
Planned = tuple[Accepted, Key, Outcome, str | None, Existing | None]


class EnterpriseIndex:
    """USCC -> (enterprise id, normalised registered and former names), cached per batch."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[int, frozenset[str]] | None] = {}

    def lookup(self, loader: BatchLoader, usccs: set[str]) -> None:
        missing = [u for u in usccs if u not in self._cache]
        if not missing:
            return
        if len(self._cache) > _ENTERPRISE_CACHE_LIMIT:
            self._cache.clear()
        found = loader.store.fetch_enterprises(missing)
        for u in missing:
            hit = found.get(u)
            self._cache[u] = (hit[0], frozenset(normalize_name(n) for n in hit[1])) if hit else None

    def get(self, uscc: str | None) -> tuple[int, frozenset[str]] | None:
        return self._cache.get(uscc) if uscc else None


class AggregatedWriter:
    def __init__(self, loader: BatchLoader) -> None:
        self.loader = loader
        self.index = EnterpriseIndex()
        self._deadlines: dict[tuple[str, date], Deadlines] = {}
        cat = loader.category
        self._agg_days = cat.aggregate_working_days
        self._pub_days = cat.publish_working_days or 20
        self._immediate = loader.ctx.settings.publish_mode == "immediate"
        self.lists = _list_machine(loader)

    def deadlines(self, produced_on: str, received_on: date) -> Deadlines:
        key = (produced_on, received_on)
        d = self._deadlines.get(key)
        if d is None:
            d = self._deadlines[key] = compute_deadlines(
                self.loader.ctx.calendar,
                produced_on=date.fromisoformat(produced_on),
                received_on=received_on,
                aggregate_days=self._agg_days,
                publish_days=self._pub_days,
            )
        return d

    def _attribute(self, v: dict[str, Any], regnos: dict[str, int]) -> tuple[int | None, bool]:
        hit = self.index.get(v.get("uscc"))
        if hit is None:
            reg = v.get("reg_no")
            return (regnos.get(reg) if reg else None), False
        eid, names = hit
        return eid, normalize_name(v["subject_name"]) not in names

    def _plan(self, chunk: list[Accepted]) -> list[Planned]:
        loader = self.loader
        keys = sorted({(a.values["dept_code"], a.values["source_id"]) for a in chunk})
        stored: dict[Key, Existing] = loader.store.fetch_records(keys)
        # Later rows of the chunk see the effect of earlier ones through the overlay.
        overlay: dict[Key, Existing] = {}
        plan: list[Planned] = []
        cat = loader.category.name
        received = loader.received_on
        for a in chunk:
            v, op, digest = a.values, a.op, a.digest
            key = (v["dept_code"], v["source_id"])
            before = overlay.get(key) or stored.get(key)
            if before is None and op != "withdraw":
                plan.append((a, key, Outcome.NEW, None, None))
                overlay[key] = Existing(0, cat, 1, digest, "active", received, None)
                continue
            d = decide(before, category=cat, op=op, new_hash=digest)
            plan.append((a, key, d.outcome, d.reason, before))
            if before is None or d.outcome in (Outcome.REJECTED, Outcome.UNCHANGED):
                continue
            withdrawn = d.outcome is Outcome.WITHDRAWN
            overlay[key] = before._replace(
                version=before.version + 1,
                content_hash=before.content_hash if withdrawn else digest,
                status="withdrawn" if withdrawn else "active",
            )
        return plan

    def __call__(self, loader: BatchLoader, chunk: list[Accepted]) -> None:
        plan = self._plan(chunk)
        refused = self.lists.check(_list_rows(plan)) if self.lists else {}
        store = loader.store
        self.index.lookup(loader, {u for p in plan if (u := p[0].values.get("uscc"))})
        regs = {r for p in plan if (r := p[0].values.get("reg_no")) and not p[0].values.get("uscc")}
        regnos = store.fetch_enterprises_by_regno(sorted(regs)) if regs else {}
        n_new = sum(1 for p in plan if p[2] is Outcome.NEW)
        new_ids = iter(store.allocate_ids("records", n_new))
        batch_id, cat, received = loader.batch.id, loader.category.name, loader.received_on
        published = received if self._immediate else None
        report = loader.report
        set_outcome = loader.set_outcome
        # Per touched key, the row that will reach the store: ("insert" | "update" | "status",
        # a list in that statement's column order).
        pending: dict[Key, tuple[str, list[Any]]] = {}
        supersede: list[int] = []  # stored current rows to move into history first
        supersede_withdrawn: list[tuple[Any, ...]] = []  # (version, batch, row_no, id)
        history: list[tuple[Any, ...]] = []  # versions created and superseded in this chunk

        for a, key, outcome, reason, before in plan:
            v, digest, fields = a.values, a.digest, a.fields
            if a.row_no in refused:
                raw = mask_raw(_as_raw(v), loader.pii_fields)
                loader.reject(a.row_no, raw, [refused[a.row_no]])
                continue
            if outcome is Outcome.NEW:
                set_outcome(a.row_no, outcome)
                if a.extras:
                    loader.keep_extras(a.row_no, f"{key[0]}/{key[1]}", a.extras)
                eid, mismatch = self._attribute(v, regnos)
                report.rows_unlinked += eid is None
                report.rows_name_mismatch += mismatch
                dl = self.deadlines(v["produced_on"], received)
                report.rows_late += dl.aggregated_on_time is False
                pending[key] = ("insert", [
                    next(new_ids), cat, key[0], key[1], v.get("uscc"), v.get("reg_no"), eid,
                    v["subject_name"], mismatch, v["produced_on"], v["authority"], fields,
                    "active", 1, digest, received, dl.aggregate_due, dl.aggregated_on_time,
                    dl.publish_due, dl.provisional, published, batch_id, batch_id, "create",
                    a.row_no,
                ])  # fmt: skip
                continue
            if outcome is Outcome.REJECTED:
                raw = mask_raw(_as_raw(v), loader.pii_fields)
                loader.reject(a.row_no, raw, [("source_id", reason or "rejected")])
                continue
            set_outcome(a.row_no, outcome)
            if a.extras:
                loader.keep_extras(a.row_no, f"{key[0]}/{key[1]}", a.extras)
            if outcome is Outcome.UNCHANGED:
                continue
            assert before is not None
            self._change(
                pending, key, a, v, digest, fields, outcome, before, regnos,
                supersede, supersede_withdrawn, history,
            )  # fmt: skip

        store.supersede(supersede)
        store.supersede_withdrawn(supersede_withdrawn)
        inserts = [row for kind, row in pending.values() if kind == "insert"]
        updates = [row for kind, row in pending.values() if kind == "update"]
        statuses = [row for kind, row in pending.values() if kind == "status"]
        store.insert("records", RECORD_COLUMNS, inserts)
        store.update_by_id("records", RECORD_UPDATE_COLUMNS, updates)
        store.update_by_id("records", RECORD_STATUS_COLUMNS, statuses)
        store.insert("record_versions", VERSION_COLUMNS, history)
        if self.lists:
            self.lists.link({k: row[0] for k, (kind, row) in pending.items() if kind == "insert"})

    def _change(
        self,
        pending: dict[Key, tuple[str, list[Any]]],
        key: Key,
        a: Accepted,
        v: dict[str, Any],
        digest: str,
        fields: str,
        outcome: Outcome,
        before: Existing,
        regnos: dict[str, int],
        supersede: list[int],
        supersede_withdrawn: list[tuple[Any, ...]],
        history: list[tuple[Any, ...]],
    ) -> None:
        """A correction or withdrawal (the rare case): keep the version it replaces."""
        batch_id = self.loader.batch.id
        prev = pending.get(key)
        # Work on a full row in insert-column order; it is cut to its statement at the end.
        if prev is None:
            supersede.append(before.id)
            row: list[Any] | None = None
        elif prev[0] == "insert":
            row = prev[1]
            history.append(tuple(row[i] for i in _VERSION_FROM_INSERT))
        elif prev[0] == "update":
            row = _expand(prev[1], RECORD_UPDATE_COLUMNS)
            history.append(tuple(row[i] for i in _VERSION_FROM_INSERT))
        else:  # withdrawn earlier in this chunk, changed again
            st = dict(zip(RECORD_STATUS_COLUMNS, prev[1], strict=False))
            supersede_withdrawn.append((st["version"], batch_id, st["last_row_no"], before.id))
            row = None
        version = before.version + 1
        if outcome is Outcome.WITHDRAWN:
            change = {"status": "withdrawn", "version": version, "last_batch_id": batch_id,
                      "last_op": "withdraw", "last_row_no": a.row_no}  # fmt: skip
        else:
            eid, mismatch = self._attribute(v, regnos)
            self.loader.report.rows_unlinked += eid is None
            self.loader.report.rows_name_mismatch += mismatch
            dl = self.deadlines(v["produced_on"], before.received_on)
            change = {
                "uscc": v.get("uscc"), "reg_no": v.get("reg_no"), "enterprise_id": eid,
                "subject_name": v["subject_name"], "name_mismatch": mismatch,
                "produced_on": v["produced_on"], "authority": v["authority"], "fields": fields,
                "status": "active", "version": version, "content_hash": digest,
                "aggregate_due": dl.aggregate_due, "aggregated_on_time": dl.aggregated_on_time,
                "deadline_provisional": dl.provisional, "last_batch_id": batch_id,
                "last_op": "correct", "last_row_no": a.row_no,
            }  # fmt: skip
        if row is None:
            cols = RECORD_STATUS_COLUMNS if outcome is Outcome.WITHDRAWN else RECORD_UPDATE_COLUMNS
            pending[key] = ("status" if cols is RECORD_STATUS_COLUMNS else "update",
                            [*(change[c] for c in cols), before.id])  # fmt: skip
            return
        for c, x in change.items():
            row[_COL[c]] = x
        if prev is not None and prev[0] == "insert":
            pending[key] = ("insert", row)  # still a new record, now in a later version
        else:
            pending[key] = ("update", [*(row[i] for i in _UPDATE_FROM_INSERT), before.id])


def _expand(update_row: list[Any], columns: tuple[str, ...]) -> list[Any]:
    """An update row (columns + id) as a full insert-order row (absent columns None)."""
    row: list[Any] = [None] * len(RECORD_COLUMNS)
    for c, x in zip(columns, update_row, strict=False):
        row[_COL[c]] = x
    row[_COL["id"]] = update_row[-1]
    return row


def _as_raw(values: dict[str, Any]) -> dict[str, str | None]:
    return {
        k: None if v is None else (";".join(v) if isinstance(v, list) else str(v))
        for k, v in values.items()
    }


# -- list decisions (issue 4): abnormal_list / serious_list rows pass through the machine ----


def _list_machine(loader: BatchLoader) -> LoadedDecisions | None:
    from entcredit.lists.loaded import CATEGORIES, LoadedDecisions
    from entcredit.lists.store import ListsContext

    if loader.category.name not in CATEGORIES or loader.options.lists_checked:
        return None
    ctx = ListsContext.from_settings(loader.ctx.settings, loader.ctx)
    return LoadedDecisions(loader.session, ctx, loader.category.name, loader.options.submitted_by)


def _list_rows(plan: list[Planned]) -> list[Row]:
    return [(a.row_no, key, a.values, o, b.id if b else None) for a, key, o, _, b in plan]
