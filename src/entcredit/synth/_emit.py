"""Where every row goes and what happens to it on the way: the output files, the ground
truth, and the defects drawn (from the messiness streams) for each row."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from entcredit.synth import _fields as F
from entcredit.synth._defects import break_row, corrected, normalise
from entcredit.synth._depts import Dept
from entcredit.synth._files import plan_file
from entcredit.synth._ids import resident_id
from entcredit.synth._model import (
    CATEGORY_PREFIX,
    P_CORRECTION,
    P_DUPLICATE,
    P_FORMER_NAME,
    P_LATE,
    P_NAME_MISMATCH,
    P_NORMALISE,
    P_REJECT,
    P_REJECT_REGISTER,
    P_WITHDRAWAL,
    RECENT_CATEGORIES,
    SOURCE_ABBR,
    Ent,
    weekdays_before,
)
from entcredit.synth._pools import brand, person_name
from entcredit.synth._writers import RowSink, Truth


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    """Chinese header labels: from the catalogue, the standard's single source."""
    from entcredit.catalog import load_catalog

    catalog = load_catalog()
    out: dict[str, dict[str, str]] = {}
    for cat in F.ALL_CATEGORIES:
        own = F.labels(cat)
        try:
            out[cat] = {f.code: f.label_zh for f in catalog.category(cat).fields} | {
                k: v
                for k, v in own.items()
                if k not in {f.code for f in catalog.category(cat).fields}
            }
        except KeyError:
            out[cat] = own
    return out


class Emitter:
    """The generator's shared state and its way out: files, truth, numbering and defects."""

    def __init__(
        self, out_dir: Path, scale: float, seed: int, start: date, end: date, messiness: float
    ) -> None:
        self.out = out_dir
        self.scale = scale
        self.seed = seed
        self.start = start
        self.end = end
        self.m = messiness
        self.cutoff = weekdays_before(end, 7)
        self.late_from = end - timedelta(days=120)
        self.labels = _labels()
        self.truth = Truth(out_dir / "truth")
        self.sinks: dict[str, RowSink] = {}
        self.counters: Counter[str] = Counter()
        self.next_index = 0
        self.next_person = 0
        self.phantoms = 0
        self.entity_counts: Counter[str] = Counter()
        self.stock: Counter[str] = Counter()
        self.mrng = random.Random(f"{seed}/mess/init")
        # Whether the last emitted row was planted as a rejection: a list decision that
        # follows a rejected one is itself refused by the list machine.
        self.last_rejected = False
        mm = messiness
        self.t_reject = P_REJECT * mm
        self.t_dup = self.t_reject + P_DUPLICATE * mm
        self.t_corr = self.t_dup + P_CORRECTION * mm
        self.t_wd = self.t_corr + P_WITHDRAWAL * mm
        self.t_former = self.t_wd + P_FORMER_NAME * mm
        self.t_mismatch = self.t_former + P_NAME_MISMATCH * mm
        self.t_norm = self.t_mismatch + P_NORMALISE * mm

    # --- files -------------------------------------------------------------------------------
    def sink(
        self,
        stem: str,
        category: str,
        dept: Dept | None,
        *,
        backlog: bool = True,
        force_dept_col: bool = False,
    ) -> RowSink:
        s = self.sinks.get(stem)
        if s is not None:
            return s
        plan = plan_file(
            stem,
            category,
            dept,
            seed=self.seed,
            scale=self.scale,
            messiness=self.m,
            end=self.end,
            backlog=backlog,
            force_dept_col=force_dept_col,
        )
        s = RowSink(self.out, plan, self.labels[category])
        self.sinks[stem] = s
        return s

    def record_sink(self, category: str, dept: Dept, produced: date | None) -> tuple[RowSink, bool]:
        """The file a record goes to; second value True when routed there late."""
        if (
            not dept.is_amr
            and category in RECENT_CATEGORIES
            and produced is not None
            and produced >= self.cutoff
        ):
            return self.sink(
                f"300_{category}_{dept.code}_recent", category, dept, backlog=False
            ), False
        return self.sink(
            f"{CATEGORY_PREFIX[category]}_{category}_{dept.code}", category, dept
        ), False

    def corrections_sink(self, category: str) -> RowSink:
        return self.sink(f"800_{category}_corrections", category, None, force_dept_col=True)

    def _person(
        self, rng: random.Random, pool: list[tuple[str, str]], reuse: float
    ) -> tuple[str, str]:
        if pool and rng.random() < reuse:
            return pool[rng.randrange(len(pool))]
        self.next_person += 1
        p = (person_name(rng), resident_id(self.next_person))
        if len(pool) < 5000:
            pool.append(p)
        else:
            pool[rng.randrange(5000)] = p
        return p

    # --- rows ----------------------------------------------------------------------------------
    def _extra(self, sink: RowSink) -> str | None:
        if sink.plan.extra_column and self.mrng.random() < 0.1:
            return "补录"
        return None

    def emit(
        self,
        category: str,
        dept: Dept,
        row: dict[str, str | None],
        ent: Ent | None,
        *,
        linked: bool = True,
    ) -> bool:
        """Write a record with its share of defects; True when it stays in force once loaded."""
        self.last_rejected = False
        produced = row.get("produced_on")
        pdate = date.fromisoformat(produced) if produced else None
        sink, _ = self.record_sink(category, dept, pdate)
        mrng = self.mrng
        if (
            linked
            and ent is not None
            and not ent.late_reg
            and self.m > 0
            and pdate is not None
            and not dept.is_amr
            and category in RECENT_CATEGORIES
            and self.late_from <= pdate < self.cutoff
            and mrng.random() < min(P_LATE * self.m, 0.9)
        ):
            sink = self.sink(f"300_{category}_{dept.code}_recent", category, dept, backlog=False)
            n = sink.write(row, self._extra(sink))
            sink.stats.late += 1
            self.truth.flag(sink.plan.name, n, "late")
            return True
        return self.write_row(sink, category, row, ent, linked=linked)

    def write_row(
        self,
        sink: RowSink,
        category: str,
        row: dict[str, str | None],
        ent: Ent | None,
        *,
        linked: bool = True,
    ) -> bool:
        """Write one row with at most one defect or special treatment; True when the record
        is accepted and stays in force (not rejected, not withdrawn)."""
        st = sink.stats
        name = sink.plan.name
        if not linked:
            n = sink.write(row, self._extra(sink))
            st.unlinked_at_end += 1
            self.truth.flag(name, n, "unlinked")
            return True
        if ent is not None and ent.late_reg:
            n = sink.write(row, self._extra(sink))
            st.late_linked += 1
            self.truth.flag(name, n, "late_linked")
            return True
        if self.m <= 0:
            sink.write(row, self._extra(sink))
            return True
        u = self.mrng.random()
        if category not in F.AGGREGATED_CATEGORIES:
            # Register rows: fewer rejections (each one unlinks all of an entity's records),
            # no corrections or withdrawals (the register is keyed by code, not source_id).
            t1 = P_REJECT_REGISTER * self.m
            t2 = t1 + P_DUPLICATE * self.m
            t3 = t2 + P_NORMALISE * self.m
            action = "reject" if u < t1 else "dup" if u < t2 else "norm" if u < t3 else "plain"
        elif u < self.t_reject:
            action = "reject"
        elif u < self.t_dup:
            action = "dup"
        elif u < self.t_corr:
            action = "corr"
        elif u < self.t_wd:
            action = "withdraw"
        elif u < self.t_former:
            action = "former" if ent is not None and ent.former and row.get("uscc") else "plain"
        elif u < self.t_mismatch:
            action = "mismatch" if ent is not None and row.get("uscc") else "plain"
        elif u < self.t_norm:
            action = "norm"
        else:
            action = "plain"
        if action == "reject":
            bad, fld, kind = break_row(self.mrng, category, row)
            n = sink.write(bad, self._extra(sink))
            st.rejected += 1
            self.truth.reject(name, n, fld, kind)
            self.last_rejected = True
            return False
        if action == "dup":
            extra = self._extra(sink)
            sink.write(row, extra)
            n = sink.write(row, extra)
            st.duplicates_unchanged += 1
            self.truth.flag(name, n, "duplicate")
            return True
        if action in ("corr", "withdraw"):
            sink.write(row, self._extra(sink))
            if action == "withdraw":
                changed = dict(row)
                changed["op"] = "withdraw"
            else:
                changed = corrected(self.mrng, category, row)
            cs = self.corrections_sink(category)
            n = cs.write(changed, self._extra(cs))
            if action == "withdraw":
                cs.stats.withdrawals += 1
                self.truth.flag(cs.plan.name, n, "withdrawal")
                return False
            cs.stats.corrections += 1
            self.truth.flag(cs.plan.name, n, "correction")
            return True
        if action == "former" and ent is not None and ent.former:
            row = dict(row)
            row["subject_name"] = ent.former
            n = sink.write(row, self._extra(sink))
            st.former_name_matches += 1
            self.truth.flag(name, n, "former_name")
            return True
        if action == "mismatch" and ent is not None:
            row = dict(row)
            other = ent.city.name + brand(self.mrng) + "实业有限公司"
            if other in (ent.name, ent.former):
                other = "某某" + other
            row["subject_name"] = other
            n = sink.write(row, self._extra(sink))
            st.name_mismatches += 1
            self.truth.flag(name, n, "name_mismatch")
            return True
        if action == "norm":
            n = sink.write(normalise(self.mrng, row), self._extra(sink))
            st.normalised += 1
            self.truth.flag(name, n, "normalised")
            return True
        sink.write(row, self._extra(sink))
        return True

    def emit_orphan(self, category: str, dept: Dept, row: dict[str, str | None]) -> bool:
        """A list decision about an entry whose earlier decision was rejected: sent as it is,
        refused on ``action`` because the list machine knows no such entry."""
        sink, _ = self.record_sink(category, dept, date.fromisoformat(row["produced_on"] or ""))
        n = sink.write(row, self._extra(sink))
        sink.stats.rejected += 1
        self.truth.reject(sink.plan.name, n, "action", "no_such_entry")
        self.last_rejected = True
        return False

    def _no(self, dept: Dept, kind: str, d: date) -> str:
        key = f"{dept.code}/{kind}/{d.year}"
        self.counters[key] += 1
        return f"{dept.abbr}{kind}〔{d.year}〕{self.counters[key]}号"

    def _source(self, dept: Dept, category: str) -> str:
        key = f"{dept.code}/{category}"
        self.counters[key] += 1
        return f"{SOURCE_ABBR[category]}{self.counters[key]:09d}"

    def _base(
        self, dept: Dept, category: str, ent: Ent | None, produced: date, rng: random.Random
    ) -> dict[str, str | None]:
        return {
            "dept_code": dept.code,
            "source_id": self._source(dept, category),
            "uscc": ent.uscc if ent is not None else None,
            "subject_name": ent.name if ent is not None else None,
            "produced_on": produced.isoformat(),
            "authority": dept.name,
            "op": "upsert" if rng.random() < 0.05 else None,
        }

    def _person_row(self, category: str, dept: Dept, row: dict[str, str | None]) -> None:
        sink, _ = self.record_sink(category, dept, date.fromisoformat(row["produced_on"] or ""))
        n = sink.write(row, self._extra(sink))
        sink.stats.person_subjects += 1
        self.truth.flag(sink.plan.name, n, "person_subject")
