"""The acceptance fixture: a synthetic province, generated once, loaded through the normal
ingest path into a fresh store of each dialect, and the store read back once per dialect.

The input files are read here with the standard library (and calamine for XLSX), not with
the platform's readers, so the ground truth does not depend on the code under test.
"""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, text

from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions, decode_outcomes
from entcredit.ingest.rules import Outcome
from entcredit.ingest.service import load_path
from entcredit.store.db import make_engine, make_session_factory
from entcredit.synth import generate
from tests.conftest import fresh_store, make_settings

SEED = 20240630
SCALE = 0.0005
START = date(2021, 1, 1)
END = date(2024, 6, 30)
MESSINESS = 1.0

Row = dict[str, str | None]
FileRow = tuple[str, int]  # (file name, row number as the loader reports it)


@dataclass
class Province:
    out: Path
    manifest: dict[str, Any]
    expected: dict[str, Any]
    # (file, row, field) -> reason_kind
    rejections: dict[tuple[str, int, str], str]
    # flag -> {(file, row)}
    flags: dict[str, set[FileRow]]
    # file -> row -> {field code: raw cell}
    rows: dict[str, dict[int, Row]]
    generation_seconds: float

    @property
    def files(self) -> list[dict[str, Any]]:
        return list(self.manifest["files"])

    @cached_property
    def category_of(self) -> dict[str, str]:
        return {f["name"]: f["category"] for f in self.manifest["files"]}

    @cached_property
    def rejected_rows(self) -> set[FileRow]:
        return {(f, r) for f, r, _fld in self.rejections}

    def flagged(self, flag: str) -> set[FileRow]:
        return self.flags.get(flag, set())


def _read_rows(out: Path, entry: dict[str, Any]) -> dict[int, Row]:
    """Rows of one generated file keyed by field code, numbered as the loader numbers them
    (CSV and XLSX: the header is row 1; JSONL: the first object is row 1). Columns are mapped
    by position from the manifest, so no label table is needed."""
    path = out / entry["name"]
    cols: list[str] = list(entry["columns"]) + list(entry["extra_columns"])
    fmt = entry["format"]
    rows: dict[int, Row] = {}

    def put(n: int, values: list[Any]) -> None:
        values = values + [None] * (len(cols) - len(values))
        rows[n] = {
            c: (None if v is None or v == "" else str(v)) for c, v in zip(cols, values, strict=True)
        }

    if fmt == "csv":
        with path.open(encoding=entry["encoding"], newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for n, values in enumerate(reader, start=2):
                put(n, list(values))
    elif fmt == "jsonl":
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                put(n, list(json.loads(line).values()))
    else:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        data = sheet.to_python(skip_empty_area=False)
        for n, cells in enumerate(data[1:], start=2):
            put(n, list(cells))
    assert len(rows) == entry["rows"], f"{entry['name']}: read {len(rows)} rows"
    return rows


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Province:
    out = tmp_path_factory.mktemp("province")
    began = time.perf_counter()
    generate(out, scale=SCALE, seed=SEED, start=START, end=END, messiness=MESSINESS)
    seconds = time.perf_counter() - began
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    expected = json.loads((out / "truth" / "expected.json").read_text("utf-8"))
    rejections: dict[tuple[str, int, str], str] = {}
    with (out / "truth" / "rejections.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            key = (r["file"], int(r["row"]), r["field"])
            assert key not in rejections, f"truth lists {key} twice"
            rejections[key] = r["reason_kind"]
    flags: dict[str, set[FileRow]] = defaultdict(set)
    with (out / "truth" / "row_flags.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            flags[r["flag"]].add((r["file"], int(r["row"])))
    rows = {e["name"]: _read_rows(out, e) for e in manifest["files"]}
    return Province(out, manifest, expected, rejections, dict(flags), rows, seconds)


@dataclass
class Batch:
    id: int
    name: str
    category: str
    received_on: date
    counts: dict[str, int]
    summary: dict[str, Any]
    outcomes: dict[int, Outcome]


@dataclass
class Loaded:
    """The store after loading the province, read back once."""

    kind: str
    engine: Engine
    ctx: IngestContext
    load_seconds: float
    batches: dict[str, Batch]  # by file name
    # (file, row, field) -> reasons of severity 'error'
    errors: dict[tuple[str, int, str | None], list[str]]
    records: dict[int, dict[str, Any]]  # current state, by id
    # (file, row) -> record id, for every version of every record (current and superseded)
    record_of_row: dict[FileRow, int]
    # (file, row) -> the version's own columns (superseded versions and current rows)
    version_of_row: dict[FileRow, dict[str, Any]]
    enterprises: dict[str, dict[str, Any]]  # by uscc
    former_names: dict[int, set[str]]  # enterprise id -> names
    # (file, row) -> register key ("uscc" / "uscc/id_hash/role"), register categories
    register_key_of_row: dict[FileRow, str]
    person_role_enterprise: dict[str, int | None]  # "uscc/id_hash/role" -> enterprise_id


def _rows(engine: Engine, sql: str) -> list[dict[str, Any]]:
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(text(sql))]


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def _read_store(kind: str, engine: Engine, ctx: IngestContext, seconds: float) -> Loaded:
    batches: dict[str, Batch] = {}
    name_of: dict[int, str] = {}
    cols = [
        "rows_read",
        "rows_new",
        "rows_corrected",
        "rows_unchanged",
        "rows_withdrawn",
        "rows_rejected",
        "rows_unlinked",
        "rows_late",
        "rows_warned",
    ]
    for b in _rows(
        engine,
        f"SELECT id, source_name, category, received_on, summary, outcomes, {', '.join(cols)}"
        " FROM ingest_batches ORDER BY id",
    ):
        assert b["source_name"] not in batches, f"{b['source_name']} loaded twice"
        summary = b["summary"] if isinstance(b["summary"], dict) else json.loads(b["summary"])
        batches[b["source_name"]] = Batch(
            id=b["id"],
            name=b["source_name"],
            category=b["category"],
            received_on=_as_date(b["received_on"]),
            counts={c: b[c] for c in cols},
            summary=summary,
            outcomes=decode_outcomes(bytes(b["outcomes"])),
        )
        name_of[b["id"]] = b["source_name"]
    errors: dict[tuple[str, int, str | None], list[str]] = defaultdict(list)
    for i in _rows(
        engine,
        "SELECT batch_id, row_no, field, reason FROM ingest_row_issues WHERE severity = 'error'",
    ):
        errors[(name_of[i["batch_id"]], i["row_no"], i["field"])].append(i["reason"])
    records = {
        r["id"]: r
        for r in _rows(
            engine,
            "SELECT id, category, dept_code, source_id, uscc, enterprise_id, subject_name,"
            " name_mismatch, produced_on, authority, status, version, received_on,"
            " aggregate_due, aggregated_on_time, first_batch_id, last_batch_id, last_row_no"
            " FROM records",
        )
    }
    for r in records.values():
        r["name_mismatch"] = bool(r["name_mismatch"])
        r["produced_on"] = _as_date(r["produced_on"])
        r["received_on"] = _as_date(r["received_on"])
        if r["aggregated_on_time"] is not None:
            r["aggregated_on_time"] = bool(r["aggregated_on_time"])
    record_of_row: dict[FileRow, int] = {}
    version_of_row: dict[FileRow, dict[str, Any]] = {}
    for r in records.values():
        key = (name_of[r["last_batch_id"]], r["last_row_no"])
        record_of_row[key] = r["id"]
        version_of_row[key] = r
    for v in _rows(
        engine,
        "SELECT record_id, version, batch_id, row_no, uscc, subject_name, produced_on,"
        " authority, status FROM record_versions",
    ):
        key = (name_of[v["batch_id"]], v["row_no"])
        assert key not in record_of_row, f"{key} is the source of two record versions"
        v["produced_on"] = _as_date(v["produced_on"])
        record_of_row[key] = v["record_id"]
        version_of_row[key] = v
    enterprises = {
        e["uscc"]: e
        for e in _rows(
            engine, "SELECT id, uscc, name, established_on, first_batch_id FROM enterprises"
        )
    }
    for e in enterprises.values():
        e["established_on"] = _as_date(e["established_on"])
    former: dict[int, set[str]] = defaultdict(set)
    for f in _rows(engine, "SELECT enterprise_id, name FROM enterprise_former_names"):
        former[f["enterprise_id"]].add(f["name"])
    register_key_of_row = {
        (name_of[v["batch_id"]], v["row_no"]): v["key"]
        for v in _rows(engine, "SELECT batch_id, row_no, key FROM register_versions")
    }
    person_role_enterprise = {
        f"{r['uscc']}/{r['id_hash']}/{r['role']}": r["enterprise_id"]
        for r in _rows(
            engine,
            "SELECT pr.uscc, p.id_hash, pr.role, pr.enterprise_id"
            " FROM person_roles pr JOIN persons p ON p.id = pr.person_id",
        )
    }
    return Loaded(
        kind=kind,
        engine=engine,
        ctx=ctx,
        load_seconds=seconds,
        batches=batches,
        errors=dict(errors),
        records=records,
        record_of_row=record_of_row,
        version_of_row=version_of_row,
        enterprises=enterprises,
        former_names=dict(former),
        register_key_of_row=register_key_of_row,
        person_role_enterprise=person_role_enterprise,
    )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def loaded(
    request: pytest.FixtureRequest, province: Province, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """Every file of the province in manifest order, through ``load_path`` with the
    manifest's per-file options (as ``entcredit ingest load FOLDER`` does), into a fresh
    store of the dialect."""
    kind = str(request.param)
    where = tmp_path_factory.mktemp(f"store-{kind}")
    with fresh_store(request, kind, where) as url:
        settings = make_settings(url, where)
        engine = make_engine(settings)
        try:
            ctx = IngestContext.from_settings(settings)
            factory = make_session_factory(engine)
            began = time.perf_counter()
            for entry in province.files:
                load_path(
                    factory,
                    ctx,
                    province.out / entry["name"],
                    LoadOptions(
                        category=entry["category"],
                        dept_code=entry["dept_code"],
                        received_on=date.fromisoformat(entry["received_on"]),
                        submitted_by="acceptance",
                    ),
                )
            seconds = time.perf_counter() - began
            yield _read_store(kind, engine, ctx, seconds)
        finally:
            engine.dispose()
