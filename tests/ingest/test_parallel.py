"""A file checked in a worker process loads exactly as one checked in-process."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from entcredit.ingest.checking import IngestError
from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.readers import SourceError
from entcredit.ingest.service import load_path
from entcredit.store.models import IngestBatch, IngestRowIssue, Record
from tests.conftest import fresh_store, make_settings
from tests.ingest.factories import PENALTY_HEADER, penalty_row, write_csv


def _ctx(url: str, tmp_path: Path, worker: bool) -> tuple[sessionmaker[Session], IngestContext]:
    from entcredit.store.db import make_engine, make_session_factory

    settings = make_settings(url, tmp_path, ingest_worker_min_bytes=0 if worker else None)
    return make_session_factory(make_engine(settings)), IngestContext.from_settings(settings)


def _state(factory: sessionmaker[Session]) -> tuple[object, ...]:
    with factory() as s:
        recs = s.execute(
            select(Record.source_id, Record.content_hash, Record.version, Record.status).order_by(
                Record.source_id
            )
        ).all()
        issues = s.execute(
            select(
                IngestRowIssue.row_no,
                IngestRowIssue.field,
                IngestRowIssue.reason,
                IngestRowIssue.raw,
            ).order_by(IngestRowIssue.id)
        ).all()
        batches = s.execute(
            select(
                IngestBatch.rows_read,
                IngestBatch.rows_new,
                IngestBatch.rows_rejected,
                IngestBatch.source_encoding,
                IngestBatch.summary,
            )
        ).all()
    return [tuple(r) for r in recs], [tuple(i) for i in issues], [tuple(b) for b in batches]


def test_worker_and_in_process_agree(
    request: pytest.FixtureRequest, db_kind: str, tmp_path: Path
) -> None:
    rows = [penalty_row(i) for i in range(1, 6001)]
    rows[10] = penalty_row(11, produced_on="2024-02-30")
    rows[20] = dict(penalty_row(21), 备注="x")
    path = write_csv(tmp_path / "p.csv", [*PENALTY_HEADER, "备注"], rows, encoding="gbk")
    states = []
    for worker in (False, True):
        with fresh_store(request, db_kind, tmp_path) as url:
            factory, ctx = _ctx(url, tmp_path, worker)
            report = load_path(factory, ctx, path, LoadOptions(received_on=date(2024, 3, 5)))
            assert (report.rows_new, report.rows_rejected) == (5999, 1)
            assert report.unknown_columns == ["备注"] and report.encoding == "gb18030"
            states.append(_state(factory))
    assert states[0] == states[1]


def test_refusals_in_the_worker_store_nothing(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    db = tmp_path / "s.db"
    shutil.copy(sqlite_template, db)
    factory, ctx = _ctx(f"sqlite:///{db}", tmp_path, worker=True)
    broken = tmp_path / "broken.csv"
    good = write_csv(tmp_path / "g.csv", PENALTY_HEADER, [penalty_row(i) for i in range(3000)])
    # Valid UTF-8 for thousands of rows, then a byte that is not: refused whole.
    broken.write_bytes(good.read_bytes() + "深圳".encode("gbk") + b"\n")
    with pytest.raises(SourceError):
        load_path(factory, ctx, broken, LoadOptions())
    twice = tmp_path / "twice.csv"
    twice.write_text("source_id,源记录标识\nx,y\n", "utf-8")
    with pytest.raises(IngestError, match="several columns"):
        load_path(factory, ctx, twice, LoadOptions(category="penalty"))
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 0
        assert s.scalar(select(func.count()).select_from(IngestBatch)) == 0
