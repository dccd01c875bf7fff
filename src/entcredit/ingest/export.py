"""The per-batch problem report a department downloads: file, row, field, reason."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from entcredit.store.models import IngestBatch, IngestRowIssue

REPORT_HEADER = ("file", "row", "field", "severity", "reason", "raw")


def _safe(cell: str) -> str:
    # A cell starting with = + - @ would be run as a formula by a spreadsheet.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def iter_issue_report(
    session: Session, batch: IngestBatch, *, warnings: bool = True
) -> Iterator[str]:
    """CSV lines (UTF-8 with BOM so that spreadsheets open the Chinese text correctly)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(REPORT_HEADER)
    yield "\ufeff" + buf.getvalue()
    q = select(IngestRowIssue).where(IngestRowIssue.batch_id == batch.id)
    if not warnings:
        q = q.where(IngestRowIssue.severity == "error")
    for issue in session.scalars(q.order_by(IngestRowIssue.row_no, IngestRowIssue.id)).yield_per(
        5000
    ):
        buf.seek(0)
        buf.truncate()
        raw = "" if issue.raw is None else orjson.dumps(issue.raw).decode()
        writer.writerow(
            [
                _safe(batch.source_name),
                issue.row_no,
                issue.field or "",
                issue.severity,
                _safe(issue.reason),
                _safe(raw),
            ]
        )
        yield buf.getvalue()
