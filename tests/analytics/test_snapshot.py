"""The Parquet snapshot says what the store says, on both stores, read by DuckDB."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from entcredit.analytics.snapshot import DEFAULT_TABLES, export_snapshot
from entcredit.store.models import Enterprise, Record
from tests.ingest.conftest import Loader
from tests.ingest.factories import (
    ENTERPRISE_HEADER,
    PENALTY_HEADER,
    enterprise_row,
    penalty_row,
    person_id,
    write_csv,
)

TAKEN = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)


def test_snapshot_matches_the_store(tmp_path: Path, load: Loader, engine: Engine) -> None:
    load(
        write_csv(tmp_path / "e.csv", ENTERPRISE_HEADER, [enterprise_row(i) for i in range(1, 41)])
    )
    rows = [penalty_row(i, ent=i % 50 + 1) for i in range(1, 301)]
    load(write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows), received_on=date(2024, 3, 5))
    load(write_csv(tmp_path / "c.csv", PENALTY_HEADER, [penalty_row(7, ent=8, fine_amount="9")]))

    folder = tmp_path / "snap"
    (folder).mkdir()
    (folder / "stale.parquet").write_text("from an earlier snapshot")
    snap = export_snapshot(engine, folder, taken_at=TAKEN)

    assert not (folder / "stale.parquet").exists()  # replaced whole
    manifest = json.loads((folder / "snapshot.json").read_text())
    assert [t["table"] for t in manifest["tables"]] == list(DEFAULT_TABLES)
    with Session(engine) as s:
        by_cat = dict(
            s.execute(select(Record.category, func.count()).group_by(Record.category)).all()
        )
        unlinked = s.scalar(select(func.count()).where(Record.enterprise_id.is_(None)))
        ents = s.scalar(select(func.count()).select_from(Enterprise))
        fine7 = s.scalar(select(Record.fields).where(Record.source_id == "P000007"))
    db = duckdb.connect()
    recs, ent_file = snap.path("records"), snap.path("enterprises")
    got = dict(db.execute(f"SELECT category, count(*) FROM '{recs}' GROUP BY 1").fetchall())
    assert got == by_cat == {"penalty": 300}
    assert db.execute(f"SELECT count(*) FROM '{recs}' WHERE enterprise_id IS NULL").fetchone() == (
        unlinked,
    )
    assert db.execute(f"SELECT count(*) FROM '{ent_file}'").fetchone() == (ents,)
    # Types survive: dates are dates, JSON is text DuckDB can read, history is there.
    assert db.execute(f"SELECT min(produced_on) FROM '{recs}'").fetchone() == (date(2024, 3, 1),)
    fine = db.execute(
        f"SELECT json_extract_string(fields, '$.fine_amount') FROM '{recs}'"
        " WHERE source_id = 'P000007'"
    ).fetchone()
    assert fine == (fine7["fine_amount"],) == ("9",)
    assert db.execute(f"SELECT count(*) FROM '{snap.path('record_versions')}'").fetchone() == (1,)
    # No ID number in full: the store has none, and neither does its snapshot.
    for table in DEFAULT_TABLES:
        text = db.execute(f"SELECT * FROM '{snap.path(table)}'").fetchall()
        assert person_id(1) not in repr(text), table
