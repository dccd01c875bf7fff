"""On the synthetic province, loaded through the normal ingest path: every planted problem
the ground truth marks is found by its rule, and records without that mark raise nothing on
the rules the ground truth covers.

Covered: late aggregation (TIM01, in files of recent records: a migrated backlog is late by
construction), the unlinked queue (LNK01), subject names matching neither the registered nor
a former name (ACC05); and ingest rejects what completeness, accuracy and exact duplicate
numbers would find, so those rules find nothing. The cross-checks (CPR02-04), LNK02 and RED02
find what the generator produces without marking it (deregistered entities listed afterwards,
licences never revoked after a revoking penalty, twin address signals): counted, not judged.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.quality.service import ScanRun, run_scan
from entcredit.store.db import make_engine, make_session_factory
from entcredit.synth import generate
from tests.conftest import fresh_store, make_settings

END = date(2024, 6, 30)
AS_OF = date(2024, 7, 1)
COVERED = {"late": "TIM01", "unlinked": "LNK01", "name_mismatch": "ACC05"}
SILENT = ("CMP01", "ACC01", "ACC02", "ACC03", "ACC04", "ACC06", "ACC07", "RED01", "TIM02")


@dataclass
class Scanned:
    run: ScanRun
    flags_of: dict[int, set[str]]  # record id -> truth flags of every version's row
    recent: set[int]  # records first sent in a file of recent records


@pytest.fixture(scope="module")
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    out = tmp_path_factory.mktemp("province")
    generate(out, scale=0.0002, seed=7, start=date(2022, 1, 1), end=END, messiness=1.0)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    where = tmp_path_factory.mktemp("store")
    with fresh_store(request, "sqlite", where) as url:
        settings = make_settings(url, where)
        engine = make_engine(settings)
        ctx = IngestContext.from_settings(settings)
        factory = make_session_factory(engine)
        for e in manifest["files"]:
            load_path(
                factory,
                ctx,
                out / e["name"],
                LoadOptions(
                    category=e["category"],
                    dept_code=e["dept_code"],
                    received_on=date.fromisoformat(e["received_on"]),
                    submitted_by="test",
                ),
            )
        run = run_scan(engine, settings, as_of=AS_OF, taken_at=datetime.now(UTC))
        with engine.connect() as c:
            name = dict(c.execute(text("SELECT id, source_name FROM ingest_batches")).all())
            rows: dict[int, list[tuple[str, int]]] = defaultdict(list)
            first: dict[int, str] = {}
            for rid, fb, lb, ln in c.execute(
                text("SELECT id, first_batch_id, last_batch_id, last_row_no FROM records")
            ):
                rows[rid].append((name[lb], ln))
                first[rid] = name[fb]
            for rid, b, n in c.execute(
                text("SELECT record_id, batch_id, row_no FROM record_versions")
            ):
                rows[rid].append((name[b], n))
        engine.dispose()
    truth: dict[tuple[str, int], set[str]] = defaultdict(set)
    with (out / "truth" / "row_flags.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            truth[(r["file"], int(r["row"]))].add(r["flag"])
    backlog = {e["name"] for e in manifest["files"] if e["backlog"]}
    flags_of = {rid: set().union(*(truth.get(k, set()) for k in ks)) for rid, ks in rows.items()}
    recent = {rid for rid, f in first.items() if f not in backlog}
    return Scanned(run, flags_of, recent)


def _found(s: Scanned, rule: str) -> set[int]:
    return {f["record_id"] for f in s.run.result.findings.to_pylist() if f["rule"] == rule}


@pytest.mark.parametrize(("flag", "rule"), sorted(COVERED.items()))
def test_every_planted_problem_is_found(scanned: Scanned, flag: str, rule: str) -> None:
    planted = {rid for rid, f in scanned.flags_of.items() if flag in f}
    assert planted, flag
    assert planted <= _found(scanned, rule)


@pytest.mark.parametrize(("flag", "rule"), sorted(COVERED.items()))
def test_unmarked_records_raise_nothing(scanned: Scanned, flag: str, rule: str) -> None:
    found = _found(scanned, rule)
    if rule == "TIM01":
        found &= scanned.recent
    assert {rid for rid in found if flag not in scanned.flags_of[rid]} == set()


def test_rejected_kinds_leave_nothing_to_find(scanned: Scanned) -> None:
    former = {rid for rid, f in scanned.flags_of.items() if "former_name" in f}
    assert former and not former & _found(scanned, "ACC05")
    for rule in SILENT:
        assert not _found(scanned, rule), rule
    counts = scanned.run.written.found
    print(f"\nprovince findings by dimension: {counts}")
