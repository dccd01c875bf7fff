"""Writing aggregated records (licences, penalties, ...): classify each row against the stored
state of its (dept_code, source_id), attribute it to its enterprise, compute its deadlines,
and write the chunk in bulk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from entcredit.ingest.pipeline import Accepted, BatchLoader
from entcredit.ingest.rules import (
    Deadlines,
    Decision,
    Existing,
    Outcome,
    compute_deadlines,
    content_hash,
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

COMMON = frozenset(
    {"dept_code", "source_id", "uscc", "reg_no", "subject_name", "produced_on", "authority", "op"}
)
_ENTERPRISE_CACHE_LIMIT = 500_000

Key = tuple[str, str]


@dataclass(slots=True)
class _Planned:
    item: Accepted
    key: Key
    op: str
    digest: str
    decision: Decision
    before: Existing | None


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
        self._deadlines: dict[str, Deadlines] = {}
        cat = loader.category
        self._agg_days = cat.aggregate_working_days
        self._pub_days = cat.publish_working_days or 20
        self._immediate = loader.ctx.settings.publish_mode == "immediate"

    def deadlines(self, produced_on: str, received_on: date) -> Deadlines:
        key = f"{produced_on}|{received_on}"
        d = self._deadlines.get(key)
        if d is None:
            d = compute_deadlines(
                self.loader.ctx.calendar,
                produced_on=date.fromisoformat(produced_on),
                received_on=received_on,
                aggregate_days=self._agg_days,
                publish_days=self._pub_days,
            )
            self._deadlines[key] = d
        return d

    def _attribute(self, v: dict[str, Any], regnos: dict[str, int]) -> tuple[int | None, bool]:
        hit = self.index.get(v.get("uscc"))
        if hit is None:
            reg = v.get("reg_no")
            return (regnos.get(reg) if reg else None), False
        eid, names = hit
        return eid, normalize_name(v["subject_name"]) not in names

    def _plan(self, chunk: list[Accepted]) -> list[_Planned]:
        loader = self.loader
        by_dept: dict[str, set[str]] = {}
        for a in chunk:
            by_dept.setdefault(a.values["dept_code"], set()).add(a.values["source_id"])
        stored: dict[Key, Existing] = {}
        for dept, sids in by_dept.items():
            for sid, ex in loader.store.fetch_records(dept, sorted(sids)).items():
                stored[(dept, sid)] = ex
        # Later rows of the chunk see the effect of earlier ones through this overlay.
        overlay: dict[Key, Existing] = {}
        plan: list[_Planned] = []
        cat = loader.category.name
        received = loader.received_on
        for a in chunk:
            v = a.values
            op = v.pop("op", None) or "upsert"
            key = (v["dept_code"], v["source_id"])
            digest = content_hash(v)
            before = overlay.get(key) or stored.get(key)
            d = decide(before, category=cat, op=op, new_hash=digest)
            plan.append(_Planned(a, key, op, digest, d, before))
            if d.outcome is Outcome.NEW:
                overlay[key] = Existing(0, cat, 1, digest, "active", received, None)
            elif d.outcome is Outcome.CORRECTED and before is not None:
                overlay[key] = Existing(
                    before.id,
                    cat,
                    before.version + 1,
                    digest,
                    "active",
                    before.received_on,
                    before.published_on,
                )
            elif d.outcome is Outcome.WITHDRAWN and before is not None:
                overlay[key] = Existing(
                    before.id,
                    cat,
                    before.version + 1,
                    before.content_hash,
                    "withdrawn",
                    before.received_on,
                    before.published_on,
                )
        return plan

    def __call__(self, loader: BatchLoader, chunk: list[Accepted]) -> None:
        plan = self._plan(chunk)
        store = loader.store
        self.index.lookup(
            loader, {p.item.values["uscc"] for p in plan if p.item.values.get("uscc")}
        )
        regs = sorted(
            {
                r
                for p in plan
                if (r := p.item.values.get("reg_no")) and not p.item.values.get("uscc")
            }
        )
        regnos = store.fetch_enterprises_by_regno(regs) if regs else {}
        new_ids = iter(
            store.allocate_ids("records", sum(p.decision.outcome is Outcome.NEW for p in plan))
        )
        batch_id, cat, received = loader.batch.id, loader.category.name, loader.received_on
        published = received if self._immediate else None
        report = loader.report
        # The state each touched key will have after this chunk, by how it reaches the store.
        pending: dict[Key, _Pending] = {}
        supersede: list[int] = []  # stored current rows to move into history first
        supersede_withdrawn: list[tuple[Any, ...]] = []  # (version, batch, row_no, id)
        history: list[tuple[Any, ...]] = []  # versions created and superseded in this chunk

        for p in plan:
            a, v, outcome = p.item, p.item.values, p.decision.outcome
            if outcome is Outcome.REJECTED:
                loader.reject(
                    a.row_no, _as_raw(v), [("source_id", p.decision.reason or "rejected")]
                )
                continue
            loader.set_outcome(a.row_no, outcome)
            if a.extras:
                loader.keep_extras(a.row_no, f"{p.key[0]}/{p.key[1]}", a.extras)
            if outcome is Outcome.UNCHANGED:
                continue
            before = pending.get(p.key)
            if before is not None and before.kind != "status":
                history.append(tuple(before.row[c] for c in VERSION_SOURCE))
            elif before is not None:  # withdrawn earlier in this chunk, changed again
                supersede_withdrawn.append(
                    (before.row["version"], batch_id, before.row["last_row_no"], before.row["id"])
                )
            elif p.before is not None:
                supersede.append(p.before.id)
            if outcome is Outcome.WITHDRAWN:
                assert p.before is not None
                state = {
                    "status": "withdrawn",
                    "version": p.before.version + 1,
                    "last_batch_id": batch_id,
                    "last_op": "withdraw",
                    "last_row_no": a.row_no,
                }
                if before is not None and before.kind != "status":
                    before.row.update(state)
                else:
                    pending[p.key] = _Pending("status", {**state, "id": p.before.id})
                continue
            fields = orjson.dumps({k: x for k, x in v.items() if k not in COMMON}).decode()
            eid, mismatch = self._attribute(v, regnos)
            report.rows_unlinked += eid is None
            report.rows_name_mismatch += mismatch
            row = {
                "uscc": v.get("uscc"),
                "reg_no": v.get("reg_no"),
                "enterprise_id": eid,
                "subject_name": v["subject_name"],
                "name_mismatch": mismatch,
                "produced_on": v["produced_on"],
                "authority": v["authority"],
                "fields": fields,
                "status": "active",
                "content_hash": p.digest,
                "last_batch_id": batch_id,
                "last_row_no": a.row_no,
            }
            if outcome is Outcome.NEW:
                dl = self.deadlines(v["produced_on"], received)
                report.rows_late += dl.aggregated_on_time is False
                row.update(
                    id=next(new_ids),
                    category=cat,
                    dept_code=p.key[0],
                    source_id=p.key[1],
                    version=1,
                    received_on=received,
                    aggregate_due=dl.aggregate_due,
                    aggregated_on_time=dl.aggregated_on_time,
                    publish_due=dl.publish_due,
                    deadline_provisional=dl.provisional,
                    published_on=published,
                    first_batch_id=batch_id,
                    last_op="create",
                )
                pending[p.key] = _Pending("insert", row)
                continue
            assert p.before is not None  # corrected
            dl = self.deadlines(v["produced_on"], p.before.received_on)
            row.update(
                version=p.before.version + 1,
                last_op="correct",
                aggregate_due=dl.aggregate_due,
                aggregated_on_time=dl.aggregated_on_time,
                deadline_provisional=dl.provisional,
            )
            if before is not None and before.kind == "insert":
                before.row.update(row)
            else:
                pending[p.key] = _Pending("update", {**row, "id": p.before.id})

        store.supersede(supersede)
        store.supersede_withdrawn(supersede_withdrawn)
        by_kind: dict[str, list[dict[str, Any]]] = {"insert": [], "update": [], "status": []}
        for pend in pending.values():
            by_kind[pend.kind].append(pend.row)
        store.insert(
            "records", RECORD_COLUMNS, [[r[c] for c in RECORD_COLUMNS] for r in by_kind["insert"]]
        )
        for kind, cols in (("update", RECORD_UPDATE_COLUMNS), ("status", RECORD_STATUS_COLUMNS)):
            store.update_by_id(
                "records", cols, [[*(r[c] for c in cols), r["id"]] for r in by_kind[kind]]
            )
        store.insert("record_versions", VERSION_COLUMNS, history)


@dataclass(slots=True)
class _Pending:
    kind: str  # insert | update | status
    row: dict[str, Any]


def _as_raw(values: dict[str, Any]) -> dict[str, str | None]:
    return {
        k: None if v is None else (";".join(v) if isinstance(v, list) else str(v))
        for k, v in values.items()
    }
