"""HTTP routes of this feature (mounted by ``web.app.feature_routers``): the PDF credit
report of an enterprise and the public page that verifies a report's code and file."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from entcredit.core.uscc import normalize_code as normalize_uscc
from entcredit.identity.rules import Principal
from entcredit.report.pdf import FontNotFoundError, find_font
from entcredit.report.service import (
    DEFAULT_CONFIG,
    build_report,
    file_matches,
    find_report,
    format_code,
    normalize_code,
)
from entcredit.store.db import unit_of_work
from entcredit.web.deps import PrincipalDep, SessionDep, SettingsDep
from entcredit.web.errors import ApiError
from entcredit.web.i18n import normalize_lang
from entcredit.web.ownership import public_route
from entcredit.web.pages import render

router = APIRouter(tags=["report"])

_MAX_CODE_INPUT = 64
# Multipart boundaries and the code field, on top of the file itself.
_FORM_OVERHEAD = 64 * 1024
_MAX_MB = DEFAULT_CONFIG.upload_max_bytes // (1024 * 1024)


@router.get(
    "/enterprise/{uscc}/report.pdf",
    summary="PDF credit report of an enterprise (its public information, with a verification code)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
@public_route
def report_pdf(request: Request, uscc: str, session: SessionDep, settings: SettingsDep) -> Response:
    code = normalize_uscc(uscc[:40])
    if len(code) != 18:
        raise ApiError(404, "enterprise_not_found", f"no enterprise with the code {code!r}")
    try:
        font = find_font(settings.pdf_font_path)
    except FontNotFoundError as exc:
        raise ApiError(503, "report_font_missing", str(exc)) from exc
    # The PDF is Chinese whatever the portal's language; ?lang=en asks for English.
    lang = normalize_lang(request.query_params.get("lang")) or "zh"
    issued = build_report(
        session,
        uscc=code,
        secret_key=settings.secret_key.get_secret_value(),
        font=font,
        now=datetime.now(UTC),
        lang=lang,
        portal_url=str(request.base_url),
    )
    if issued is None:
        raise ApiError(404, "enterprise_not_found", f"no enterprise with the code {code!r}")
    # Recorded in a short write transaction of its own after rendering: the request's read
    # transaction would otherwise hold SQLite's write lock (or fail to upgrade its read
    # snapshot) for the whole rendering.
    writer: sessionmaker[Session] = request.app.state.write_session_factory
    with unit_of_work(writer) as write:
        write.add(issued.row)
    return Response(
        issued.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": issued.content_disposition,
            "Cache-Control": "no-store",
        },
    )


def _verify_page(
    request: Request,
    session: Session,
    secret_key: str,
    principal: Principal | None,
    raw_code: str | None,
    *,
    upload: bytes | None = None,
    upload_too_large: bool = False,
) -> Response:
    raw = (raw_code or "").strip()[:_MAX_CODE_INPUT]
    context: dict[str, Any] = {
        "code_input": raw,
        "max_mb": _MAX_MB,
        "outcome": None,
        "report": None,
        "formatted_code": None,
        "file_outcome": "report_verify_file_too_large" if upload_too_large else None,
    }
    status = 413 if upload_too_large else 200
    if raw:
        report = find_report(session, secret_key, raw)
        if normalize_code(raw) is None:
            context["outcome"] = "report_verify_bad_format"
            status = 400
        elif report is None:
            context["outcome"] = "report_verify_unknown"
            status = 404
        else:
            context["outcome"] = "report_verify_genuine"
            context["report"] = report
            context["formatted_code"] = format_code(report.code)
            if upload is not None:
                context["file_outcome"] = (
                    "report_verify_file_match"
                    if file_matches(report, upload)
                    else "report_verify_file_mismatch"
                )
    return render(request, "report/verify.html", context, principal=principal, status_code=status)


@router.get("/report/verify", response_class=HTMLResponse, include_in_schema=False)
@public_route
def verify_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    code: str | None = None,
) -> Response:
    return _verify_page(request, session, settings.secret_key.get_secret_value(), principal, code)


@router.post("/report/verify", response_class=HTMLResponse, include_in_schema=False)
@public_route
async def verify_submit(
    request: Request, session: SessionDep, settings: SettingsDep, principal: PrincipalDep
) -> Response:
    """The code, and optionally the PDF to compare (multipart fields ``code`` and ``file``)."""
    secret = settings.secret_key.get_secret_value()
    limit = DEFAULT_CONFIG.upload_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _FORM_OVERHEAD:
        # Refused unread: parsing the form would first spool the whole file to disk.
        return await run_in_threadpool(
            _verify_page, request, session, secret, principal, None, upload_too_large=True
        )
    form = await request.form(max_files=1, max_fields=8)
    code, upload = form.get("code"), form.get("file")
    data: bytes | None = None
    if isinstance(upload, UploadFile) and upload.filename:
        # One byte past the limit tells "exactly the limit" from "larger".
        data = await upload.read(limit + 1)
    too_large = data is not None and len(data) > limit
    return await run_in_threadpool(
        partial(
            _verify_page,
            request,
            session,
            secret,
            principal,
            code if isinstance(code, str) else None,
            upload=None if too_large else data,
            upload_too_large=too_large,
        )
    )
