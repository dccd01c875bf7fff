"""The batch driver: read -> map headers -> validate -> classify -> write, in chunks.

A batch is one transaction: the caller opens it (``service.load_path``) and commits only when
the whole source has been read, so a crash or a kill leaves the store as it was. Memory stays
bounded by the chunk size whatever the file size.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy.orm import Session

from entcredit.audit.service import append_event
from entcredit.catalog.model import Category
from entcredit.ingest.checking import Accepted, Checked, IngestError, Problem, Rejected
from entcredit.ingest.context import IngestContext
from entcredit.ingest.report import BatchReport, reason_kind
from entcredit.ingest.rules import Outcome, mask_free_text
from entcredit.store.bulk import BulkStore, bulk_store
from entcredit.store.models import IngestBatch

NO_ROW = 255  # outcome byte for a line that carried no data row (header, blank line)


@dataclass(frozen=True)
class LoadOptions:
    category: str | None = None
    # Department for rows without a dept_code (files without the column).
    dept_code: str | None = None
    # A department's own credentials: every row must belong to it.
    enforce_dept: bool = False
    # Date the batch was received (history migration); default: today.
    received_on: date | None = None
    submitted_by: str = "system"
    chunk_rows: int = 5000
    # The rows are decisions the list machine took itself (``lists.service``): they must not
    # pass through it again. Never set from a department's request.
    lists_checked: bool = False


def infer_category(ctx: IngestContext, headers: Sequence[str], name: str) -> Category:
    """Pick the category whose fields the headers name (codes or labels): the one that knows
    the most headers, with a tie broken by the file name mentioning the category."""
    best: tuple[int, int, str] | None = None
    for cat in ctx.catalog.categories:
        hm = cat.header_map(headers)
        known = sum(1 for c in hm.columns if c is not None)
        score = (known, int(cat.name in name), cat.name)
        if known and (best is None or score > best):
            best = score
    if best is None:
        raise IngestError(f"{name}: no header names a field of any category; pass the category")
    return ctx.catalog.category(best[2])


class BatchLoader:
    """Loads one source into one category inside the caller's transaction."""

    def __init__(
        self,
        session: Session,
        ctx: IngestContext,
        category: Category,
        options: LoadOptions,
        *,
        source_name: str,
        source_format: str,
    ) -> None:
        self.session = session
        self.ctx = ctx
        self.category = category
        self.options = options
        self.store: BulkStore = bulk_store(session)
        if category.name != "department":
            self.store.lock_for_linking(registering=category.name == "enterprise")
        self.received_on = options.received_on or ctx.today()
        self.report = BatchReport(
            batch_id=None,
            source_name=source_name,
            category=category.name,
            source_format=source_format,
            encoding=None,  # known once the whole source was read (set by the caller)
            dept_code=options.dept_code,
            received_on=self.received_on,
        )
        self.outcomes = bytearray()
        self.counts = [0] * len(Outcome)  # by Outcome value; copied into the report at the end
        self.pii_fields = frozenset(f.code for f in category.fields if f.pii)
        self._issue_rows: list[tuple[Any, ...]] = []
        self._extra_rows: list[tuple[Any, ...]] = []
        self.batch = self._open_batch()

    # -- batch bookkeeping -------------------------------------------------------------
    def _open_batch(self) -> IngestBatch:
        batch = IngestBatch(
            category=self.category.name,
            dept_code=self.options.dept_code,
            source_name=self.report.source_name,
            source_format=self.report.source_format,
            source_sha256="",
            submitted_by=self.options.submitted_by,
            received_on=self.received_on,
            started_at=self.ctx.now(),
            summary={},
            outcomes=b"",
        )
        self.session.add(batch)
        self.session.flush()
        self.report.batch_id = batch.id
        return batch

    def set_outcome(self, row_no: int, outcome: Outcome) -> None:
        out = self.outcomes
        if row_no >= len(out):
            out.extend(bytes([NO_ROW]) * (row_no + 1 - len(out)))
        out[row_no] = outcome
        self.counts[outcome] += 1

    def reject(self, row_no: int, masked: str | None, problems: Iterable[Problem]) -> None:
        """Record a rejected row: ``masked`` is the row as received, ID numbers masked."""
        for field_code, reason in problems:
            self._issue_rows.append((self.batch.id, row_no, field_code, "error", reason, masked))
            self.report.rejected_by_reason[reason_kind(field_code, reason)] += 1
            masked = None  # the raw row is kept once, beside its first reason
        self.set_outcome(row_no, Outcome.REJECTED)

    def warn(self, row_no: int, field_code: str | None, reason: str) -> None:
        self._issue_rows.append((self.batch.id, row_no, field_code, "warning", reason, None))

    def keep_extras(self, row_no: int, key: str | None, extras: Mapping[str, str]) -> None:
        data = {k: mask_free_text(v) for k, v in extras.items()}
        self._extra_rows.append((self.batch.id, row_no, key, orjson.dumps(data).decode()))

    def flush_side_tables(self) -> None:
        ids = self.store.allocate_ids("ingest_row_issues", len(self._issue_rows))
        self.store.insert(
            "ingest_row_issues",
            ("id", "batch_id", "row_no", "field", "severity", "reason", "raw"),
            [(i, *row) for i, row in zip(ids, self._issue_rows, strict=True)],
        )
        ids = self.store.allocate_ids("ingest_extra_columns", len(self._extra_rows))
        self.store.insert(
            "ingest_extra_columns",
            ("id", "batch_id", "row_no", "record_key", "data"),
            [(i, *row) for i, row in zip(ids, self._extra_rows, strict=True)],
        )
        self._issue_rows.clear()
        self._extra_rows.clear()

    # -- the loop ----------------------------------------------------------------------
    def run(
        self,
        checked: Iterable[Checked],
        write_chunk: Callable[[BatchLoader, list[Accepted]], None],
        progress: Callable[[int], None] | None = None,
    ) -> BatchReport:
        """Consume checked rows (from this process or a worker), writing in chunks."""
        started = time.perf_counter()
        report = self.report
        chunk_rows = self.options.chunk_rows
        chunk: list[Accepted] = []
        read = 0
        for item in checked:
            read += 1
            if isinstance(item, Rejected):
                self.reject(item.row_no, item.raw, item.problems)
                continue
            if item.warnings:
                for field_code, reason in item.warnings:
                    self.warn(item.row_no, field_code, reason)
                report.rows_warned += 1
            chunk.append(item)
            if len(chunk) >= chunk_rows:
                write_chunk(self, chunk)
                chunk = []
                self.flush_side_tables()
                if progress:
                    progress(read)
        if chunk:
            write_chunk(self, chunk)
        self.flush_side_tables()
        if progress:
            progress(read)
        c = self.counts
        report.rows_read = read
        report.rows_rejected, report.rows_new = c[Outcome.REJECTED], c[Outcome.NEW]
        report.rows_corrected, report.rows_unchanged = c[Outcome.CORRECTED], c[Outcome.UNCHANGED]
        report.rows_withdrawn = c[Outcome.WITHDRAWN]
        report.elapsed_seconds = time.perf_counter() - started
        report.check_balance()
        return report

    def finish(self, source_sha256: str) -> BatchReport:
        b = self.batch
        r = self.report
        b.source_sha256 = source_sha256
        b.source_encoding = r.encoding  # known once the whole source was read
        b.finished_at = self.ctx.now()
        for count in _BATCH_COUNTS:
            setattr(b, count, getattr(r, count))
        b.outcomes = zlib.compress(bytes(self.outcomes))
        b.summary = {
            "rejected_by_reason": dict(r.rejected_by_reason.most_common()),
            "unknown_columns": r.unknown_columns,
            "rows_name_mismatch": r.rows_name_mismatch,
            "records_linked": r.records_linked,
        }
        self.session.flush()
        append_event(
            self.session,
            actor=self.options.submitted_by,
            tag="batch:load",
            subject_id=str(b.id),
            details={
                "category": r.category,
                "source": r.source_name,
                "sha256": b.source_sha256,
                "read": r.rows_read,
                "new": r.rows_new,
                "corrected": r.rows_corrected,
                "unchanged": r.rows_unchanged,
                "withdrawn": r.rows_withdrawn,
                "rejected": r.rows_rejected,
            },
            occurred_at=b.finished_at,
        )
        return r


# Counters the report and the stored batch share, under the same names.
_BATCH_COUNTS = (
    "rows_read",
    "rows_new",
    "rows_corrected",
    "rows_unchanged",
    "rows_withdrawn",
    "rows_rejected",
    "rows_unlinked",
    "rows_late",
    "rows_warned",
)


def decode_outcomes(blob: bytes) -> dict[int, Outcome]:
    """Row number -> outcome, from ``IngestBatch.outcomes``."""
    raw = zlib.decompress(blob)
    return {i: Outcome(b) for i, b in enumerate(raw) if b != NO_ROW}
