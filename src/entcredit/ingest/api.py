"""HTTP ingest: departments send a JSON batch or upload a file; they read their batches'
reports. One request is one batch and one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from entcredit.identity.rules import Principal, Role
from entcredit.ingest.checking import IngestError
from entcredit.ingest.context import IngestContext
from entcredit.ingest.export import iter_issue_report
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.readers import SourceError
from entcredit.ingest.service import load_json_rows, load_stream
from entcredit.store.models import IngestBatch
from entcredit.web.deps import SessionDep, require_department_access, require_roles
from entcredit.web.errors import ApiError

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])
Submitter = Annotated[
    Principal, Depends(require_roles(Role.department_staff, Role.regulator_admin))
]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.department_staff, Role.regulator_admin, Role.regulator_analyst)),
]


class JsonBatch(BaseModel):
    rows: list[dict[str, Any]] = Field(description="Rows keyed by field code or Chinese label.")
    name: str = Field(default="api-batch", max_length=200)
    received_on: date | None = Field(
        default=None, description="Migration of history only (regulator administrators)."
    )


def context(request: Request) -> IngestContext:
    ctx: IngestContext | None = getattr(request.app.state, "ingest_context", None)
    if ctx is None:
        ctx = IngestContext.from_settings(request.app.state.settings)
        request.app.state.ingest_context = ctx
    return ctx


def _options(
    principal: Principal, category: str, dept_code: str | None, received_on: date | None
) -> LoadOptions:
    if received_on is not None and not principal.has_any_role({Role.regulator_admin}):
        raise ApiError(403, "forbidden", "only regulator administrators may set received_on")
    if principal.dept_code is not None and not principal.has_any_role({Role.regulator_admin}):
        # A department acts for itself only: rows of another department are rejected.
        if dept_code is not None:
            require_department_access(principal, dept_code)
        return LoadOptions(
            category=category,
            dept_code=principal.dept_code,
            enforce_dept=True,
            submitted_by=principal.actor,
        )
    return LoadOptions(
        category=category,
        dept_code=dept_code,
        received_on=received_on,
        submitted_by=principal.actor,
    )


def _check_category(ctx: IngestContext, category: str) -> None:
    if category not in ctx.catalog:
        raise ApiError(
            404,
            "unknown_category",
            f"unknown category {category!r}; known: " + ", ".join(ctx.catalog.names),
        )


@router.post("/{category}/rows", summary="Load a JSON batch of rows")
def post_rows(
    category: str,
    batch: JsonBatch,
    request: Request,
    session: SessionDep,
    principal: Submitter,
    dept_code: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    ctx = context(request)
    _check_category(ctx, category)
    options = _options(principal, category, dept_code, batch.received_on)
    try:
        return load_json_rows(session, ctx, batch.rows, batch.name, options).to_json()
    except (SourceError, IngestError) as exc:
        raise ApiError(422, "batch_refused", str(exc)) from exc


@router.post("/{category}/files", summary="Upload a file (CSV in UTF-8/GBK/GB18030, XLSX, JSONL)")
def post_file(
    category: str,
    request: Request,
    session: SessionDep,
    principal: Submitter,
    file: Annotated[UploadFile, File()],
    dept_code: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    ctx = context(request)
    _check_category(ctx, category)
    options = _options(principal, category, dept_code, None)
    try:
        report = load_stream(session, ctx, file.file, file.filename or "upload", options)
    except (SourceError, IngestError) as exc:
        raise ApiError(422, "batch_refused", str(exc)) from exc
    return report.to_json()


def _batch_for(session: SessionDep, principal: Principal, batch_id: int) -> IngestBatch:
    batch = session.get(IngestBatch, batch_id)
    if batch is None:
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    # Departments see the batches they submitted; others' batches do not exist for them.
    regulator = principal.has_any_role({Role.regulator_admin, Role.regulator_analyst})
    if (
        not regulator
        and principal.actor != batch.submitted_by
        and principal.dept_code != batch.dept_code
    ):
        raise ApiError(404, "not_found", f"no batch {batch_id}")
    return batch


@router.get("/batches", summary="Batches visible to the caller, newest first")
def list_batches(
    session: SessionDep, principal: Reader, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    q = select(IngestBatch).order_by(IngestBatch.id.desc()).limit(limit)
    if not principal.has_any_role({Role.regulator_admin, Role.regulator_analyst}):
        q = q.where(IngestBatch.dept_code == principal.dept_code)
    return [_batch_json(b) for b in session.scalars(q)]


@router.get("/batches/{batch_id}", summary="One batch's counts")
def get_batch(batch_id: int, session: SessionDep, principal: Reader) -> dict[str, Any]:
    return _batch_json(_batch_for(session, principal, batch_id))


@router.get(
    "/batches/{batch_id}/issues.csv", summary="Rejected rows and warnings: file, row, field, reason"
)
def get_issues(
    batch_id: int, request: Request, session: SessionDep, principal: Reader
) -> StreamingResponse:
    _batch_for(session, principal, batch_id)  # ownership check in the request's transaction
    factory = request.app.state.session_factory

    def stream() -> Iterator[str]:
        # Streamed from a read session of its own: the report can be millions of rows.
        with factory() as s:
            batch = s.get(IngestBatch, batch_id)
            yield from iter_issue_report(s, batch)

    return StreamingResponse(
        stream(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-issues.csv"'},
    )


def _batch_json(b: IngestBatch) -> dict[str, Any]:
    return {
        "id": b.id,
        "category": b.category,
        "dept_code": b.dept_code,
        "source_name": b.source_name,
        "format": b.source_format,
        "encoding": b.source_encoding,
        "sha256": b.source_sha256,
        "submitted_by": b.submitted_by,
        "received_on": b.received_on.isoformat(),
        "rows_read": b.rows_read,
        "rows_new": b.rows_new,
        "rows_corrected": b.rows_corrected,
        "rows_unchanged": b.rows_unchanged,
        "rows_withdrawn": b.rows_withdrawn,
        "rows_rejected": b.rows_rejected,
        "rows_unlinked": b.rows_unlinked,
        "rows_late": b.rows_late,
        "summary": b.summary,
    }
