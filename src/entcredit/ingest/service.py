"""Entry points of ingest: a file, a stream (HTTP upload), a JSON batch; publication and the
recomputation of provisional deadlines. Each load is one transaction of its own."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from entcredit.catalog.model import Category
from entcredit.ingest.aggregated import AggregatedWriter
from entcredit.ingest.checking import Checked, IngestError, RowChecker
from entcredit.ingest.context import IngestContext
from entcredit.ingest.parallel import WorkerChecker
from entcredit.ingest.pipeline import BatchLoader, LoadOptions, infer_category
from entcredit.ingest.readers import ReadLimits, RowSource, open_source, open_stream
from entcredit.ingest.register import DepartmentWriter, EnterpriseWriter, PersonRoleWriter
from entcredit.ingest.report import BatchReport
from entcredit.ingest.rules import compute_deadlines
from entcredit.store.bulk import VERSION_COLUMNS, VERSION_SOURCE
from entcredit.store.db import unit_of_work
from entcredit.store.models import Record, RecordVersion

Progress = Callable[[int], None]


def loading_transaction(factory: sessionmaker[Session]) -> AbstractContextManager[Session]:
    """One batch, one transaction, holding SQLite's write lock from the start (BEGIN
    IMMEDIATE) so concurrent loaders queue instead of failing."""
    return unit_of_work(factory, write_lock=True)


def _writer(loader: BatchLoader) -> Callable[[BatchLoader, list[Any]], None]:
    name = loader.category.name
    if name == "enterprise":
        return EnterpriseWriter(loader)
    if name == "person_role":
        return PersonRoleWriter(loader)
    if name == "department":
        return DepartmentWriter(loader)
    return AggregatedWriter(loader)


def _category(ctx: IngestContext, options: LoadOptions, source: RowSource) -> Category:
    if not options.category:
        return infer_category(ctx, source.headers, source.name)
    try:
        return ctx.catalog.category(options.category)
    except KeyError as exc:
        raise IngestError(f"unknown category {options.category!r}") from exc


class _InProcessChecks:
    """Rows checked in this process; the same face as ``parallel.WorkerChecker``."""

    def __init__(self, source: RowSource, checker: RowChecker) -> None:
        self._source, self._checker = source, checker

    def rows(self) -> Iterator[Checked]:
        return self._checker.check_all(lambda: self._source.headers, iter(self._source))

    @property
    def encoding(self) -> str | None:
        return self._source.encoding

    @property
    def unknown_columns(self) -> list[str]:
        return self._checker.unknown_columns


def _run(
    session: Session,
    ctx: IngestContext,
    category: Category,
    options: LoadOptions,
    checks: _InProcessChecks | WorkerChecker,
    *,
    name: str,
    fmt: str,
    sha256: str,
    progress: Progress | None,
) -> BatchReport:
    loader = BatchLoader(session, ctx, category, options, source_name=name, source_format=fmt)
    loader.run(checks.rows(), _writer(loader), progress)
    # Both are final only once every row was read.
    loader.report.unknown_columns = checks.unknown_columns
    loader.report.encoding = checks.encoding
    return loader.finish(sha256)


def load_in_session(
    session: Session,
    ctx: IngestContext,
    source: RowSource,
    options: LoadOptions,
    sha256: str,
    progress: Progress | None = None,
) -> BatchReport:
    """Load ``source`` inside the caller's transaction (a web request's, or
    ``loading_transaction``'s): the caller commits, or rolls back on any error."""
    category = _category(ctx, options, source)
    checker = RowChecker(
        category,
        dept_code=options.dept_code,
        enforce_dept=options.enforce_dept,
        source_name=source.name,
        pii_key=ctx.pii_key,
    )
    return _run(
        session,
        ctx,
        category,
        options,
        _InProcessChecks(source, checker),
        name=source.name,
        fmt=source.format,
        sha256=sha256,
        progress=progress,
    )


def sha256_of(stream: BinaryIO) -> str:
    """Hash a stream from where it is to its end."""
    h = hashlib.sha256()
    while block := stream.read(1 << 20):
        h.update(block)
    return h.hexdigest()


def load_path(
    factory: sessionmaker[Session],
    ctx: IngestContext,
    path: Path,
    options: LoadOptions,
    progress: Progress | None = None,
) -> BatchReport:
    """A file on disk, in a transaction of its own. Large files are checked in a worker
    process while this one writes."""
    # The upload limit guards the web server; an operator's own files are bounded by rows.
    limits = replace(ReadLimits.from_settings(ctx.settings), max_bytes=None)
    with path.open("rb") as f:
        sha = sha256_of(f)
    threshold = ctx.settings.ingest_worker_min_bytes
    with open_source(path, limits) as source, loading_transaction(factory) as session:
        if threshold is None or path.stat().st_size < threshold:
            return load_in_session(session, ctx, source, options, sha, progress)
        category = _category(ctx, options, source)  # the worker reads the rows itself
        worker = WorkerChecker(
            path,
            limits,
            category.name,
            dept_code=options.dept_code,
            enforce_dept=options.enforce_dept,
            pii_key=ctx.pii_key,
        )
        with worker:
            return _run(
                session,
                ctx,
                category,
                options,
                worker,
                name=path.name,
                fmt=source.format,
                sha256=sha,
                progress=progress,
            )


def load_stream(
    session: Session,
    ctx: IngestContext,
    stream: BinaryIO,
    name: str,
    options: LoadOptions,
    fmt: str | None = None,
) -> BatchReport:
    """An uploaded file, inside the caller's transaction. The stream must be seekable."""
    sha = sha256_of(stream)
    stream.seek(0)
    with open_stream(stream, name, ReadLimits.from_settings(ctx.settings), fmt=fmt) as source:
        return load_in_session(session, ctx, source, options, sha)


def load_json_rows(
    session: Session,
    ctx: IngestContext,
    rows: Sequence[Mapping[str, Any]],
    name: str,
    options: LoadOptions,
) -> BatchReport:
    """A JSON batch goes through the JSONL reader, so both paths share one set of value
    conversions and row numbers (row n = the n-th object, from 1)."""
    if not rows:
        raise IngestError("the batch has no rows")
    if len(rows) > ctx.settings.max_json_batch_rows:
        raise IngestError(
            f"batch has {len(rows)} rows; the limit for a JSON batch is "
            f"{ctx.settings.max_json_batch_rows} (upload a file for more)"
        )
    body = b"\n".join(orjson.dumps(r) for r in rows)
    return load_stream(session, ctx, io.BytesIO(body), name, options, fmt="jsonl")


def publish_due(session: Session, as_of: date) -> int:
    """The scheduled publish step: every active record received by ``as_of`` and not yet
    published is published on ``as_of``. Running it twice for the same date changes nothing."""
    result = session.execute(
        update(Record)
        .where(
            Record.published_on.is_(None), Record.status == "active", Record.received_on <= as_of
        )
        .values(published_on=as_of)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def recompute_provisional(
    session: Session, ctx: IngestContext, chunk: int = 10_000
) -> tuple[int, int]:
    """Recompute deadlines that were provisional, now that the calendar may cover more years.
    Returns (recomputed, still provisional)."""
    days = {
        c.name: (c.aggregate_working_days, c.publish_working_days or 20)
        for c in ctx.catalog.categories
        if c.kind == "aggregated"
    }
    recomputed = still = 0
    last_id = 0
    while True:
        rows = session.execute(
            Record.__table__.select()
            .with_only_columns(Record.id, Record.category, Record.produced_on, Record.received_on)
            .where(Record.deadline_provisional.is_(True), Record.id > last_id)
            .order_by(Record.id)
            .limit(chunk)
        ).all()
        if not rows:
            return recomputed, still
        updates = []
        for rid, category, produced_on, received_on in rows:
            agg, pub = days[category]
            d = compute_deadlines(
                ctx.calendar,
                produced_on=produced_on,
                received_on=received_on,
                aggregate_days=agg,
                publish_days=pub,
            )
            still += d.provisional
            recomputed += 1
            updates.append(
                {
                    "id": rid,
                    "aggregate_due": d.aggregate_due,
                    "aggregated_on_time": d.aggregated_on_time,
                    "publish_due": d.publish_due,
                    "deadline_provisional": d.provisional,
                }
            )
        session.execute(update(Record), updates)
        last_id = rows[-1][0]


def record_history(session: Session, record_id: int) -> list[dict[str, Any]]:
    """Every version of a record, oldest first: its superseded versions and its current row."""
    keys = VERSION_COLUMNS[1:]  # version, op, batch_id, row_no, content ...
    past = session.execute(
        select(*(getattr(RecordVersion, c) for c in keys))
        .where(RecordVersion.record_id == record_id)
        .order_by(RecordVersion.version)
    ).all()
    current = session.execute(
        select(*(getattr(Record, c) for c in VERSION_SOURCE[1:])).where(Record.id == record_id)
    ).all()
    return [dict(zip(keys, row, strict=True)) for row in (*past, *current)]
