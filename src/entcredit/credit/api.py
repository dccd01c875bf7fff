"""The credit check over HTTP: the JSON API for departments' systems (a bank, a procurement
centre: each holds a department API token) and staff, the measures catalogue, the check log
and its statistic, and the staff page ``/credit-check``.

Who may check: regulator staff (admin, analyst) and department staff / tokens, because the
departments are the ones that execute measures. Inspectors are not given the check: they
plan inspections from the lists themselves, and every check is a logged disclosure. The
measures catalogue is public (it is published law). A department reads only its own log.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from entcredit.credit.models import CreditCheckCall, CreditCheckHit, CreditCheckSubject
from entcredit.credit.service import (
    CheckCall,
    check_subjects,
    measures_for,
    restriction_stats,
    result_json,
)
from entcredit.identity.rules import REGULATOR_ROLES, Principal, Role
from entcredit.settings import Settings
from entcredit.web.deps import (
    SessionDep,
    SettingsDep,
    TodayDep,
    require_department_access,
    require_roles,
)
from entcredit.web.errors import ApiError
from entcredit.web.ownership import public_route
from entcredit.web.pages import render

router = APIRouter()

CheckerDep = Annotated[
    Principal,
    Depends(require_roles(Role.regulator_admin, Role.regulator_analyst, Role.department_staff)),
]


# Bytes a CSV upload may hold per allowed subject (a USCC or ID number and some slack).
_CSV_BYTES_PER_SUBJECT = 64


def _is_regulator(principal: Principal) -> bool:
    return principal.kind == "staff" and principal.has_any_role(REGULATOR_ROLES)


def run_check(
    session: SessionDep,
    settings: Settings,
    principal: Principal,
    subjects: list[str],
    action: str,
    channel: str,
    as_of: date,
) -> CheckCall:
    """Whole-call checks (action, count), then the check; row-level faults stay per subject."""
    catalogue = measures_for(settings)
    if action not in catalogue.action_codes:
        raise ApiError(
            400,
            "action_unknown",
            f"unknown action {action!r}",
            details={"known": list(catalogue.action_codes)},
        )
    if not subjects:
        raise ApiError(400, "subjects_empty", "give at least one subject")
    limit = settings.credit_check_max_subjects
    if len(subjects) > limit:
        raise ApiError(
            413,
            "subjects_too_many",
            f"{len(subjects)} subjects; at most {limit} a call"
            " (ENTCREDIT_CREDIT_CHECK_MAX_SUBJECTS)",
        )
    return check_subjects(
        session,
        subjects,
        action,
        as_of=as_of,
        asked_by=principal.actor,
        pii_key=settings.pii_hash_key.get_secret_value().encode(),
        catalogue=catalogue,
        dept_code=principal.dept_code,
        channel=channel,
    )


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str
    subjects: list[str]


@router.post(
    "/api/v1/credit-check",
    tags=["credit"],
    summary="Credit check: are these subjects (USCC or ID number) restricted for an action?",
)
def credit_check_api(
    body: CheckRequest,
    session: SessionDep,
    settings: SettingsDep,
    principal: CheckerDep,
    today: TodayDep,
) -> Response:
    call = run_check(session, settings, principal, body.subjects, body.action, "api", today)
    catalogue = measures_for(settings)
    payload = {
        "call_id": call.call_id,
        "action": call.action,
        "as_of": call.as_of,
        "checked": len(call.results),
        "restricted": call.restricted,
        "invalid": call.invalid,
        "results": [result_json(i, r, catalogue) for i, r in enumerate(call.results)],
    }
    # orjson directly: FastAPI's generic encoder takes longer than the check for 10,000.
    return Response(orjson.dumps(payload), media_type="application/json")


@router.get(
    "/api/v1/credit-check/measures",
    tags=["credit"],
    summary="The measures catalogue and the actions a credit check can ask about",
)
@public_route
def measures_api(settings: SettingsDep) -> dict[str, Any]:
    catalogue = measures_for(settings)
    return {
        "actions": [
            {"code": a.code, "label_zh": a.label_zh, "label_en": a.label_en}
            for a in catalogue.actions
        ],
        "measures": [
            {
                "code": m.code,
                "name_zh": m.name_zh,
                "name_en": m.name_en,
                "trigger": {
                    "kind": m.trigger.kind.value,
                    "roles": sorted(m.trigger.roles),
                    "reason_codes": sorted(m.trigger.reason_codes),
                },
                "actions": sorted(m.actions),
                "legal_basis": m.basis,
                "requesting_dept": m.requesting_dept,
                "executing_dept": m.executing_dept,
                "duration": {"kind": m.duration.kind, "years": m.duration.years},
            }
            for m in catalogue.measures
        ],
    }


def _call_json(c: CreditCheckCall) -> dict[str, Any]:
    return {
        "call_id": c.id,
        "asked_by": c.asked_by,
        "dept_code": c.dept_code,
        "channel": c.channel,
        "action": c.action,
        "as_of": c.as_of,
        "asked_at": c.asked_at,
        "subjects": c.subjects,
        "restricted": c.restricted,
        "invalid": c.invalid,
    }


@router.get("/api/v1/credit-check/calls", tags=["credit"], summary="The credit-check log")
def calls_api(
    session: SessionDep,
    principal: CheckerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    stmt = select(CreditCheckCall).order_by(CreditCheckCall.id.desc()).limit(limit)
    if not _is_regulator(principal):
        stmt = stmt.where(CreditCheckCall.dept_code == principal.dept_code)
    return {"calls": [_call_json(c) for c in session.scalars(stmt)]}


@router.get(
    "/api/v1/credit-check/calls/{call_id}",
    tags=["credit"],
    summary="One logged credit check: its subjects and hits",
)
def call_api(call_id: int, session: SessionDep, principal: CheckerDep) -> dict[str, Any]:
    call = session.get(CreditCheckCall, call_id)
    if call is None:
        raise ApiError(404, "not_found", f"no credit check {call_id}")
    if not _is_regulator(principal):
        require_department_access(principal, call.dept_code or "")
    hits: dict[int, list[dict[str, Any]]] = {}
    for h in session.scalars(select(CreditCheckHit).where(CreditCheckHit.call_id == call_id)):
        hits.setdefault(h.seq, []).append(
            {
                "measure": h.measure_code,
                "source": h.source,
                "ref": h.ref,
                "via_uscc": h.via_uscc,
                "until": h.until,
            }
        )
    subjects = session.scalars(
        select(CreditCheckSubject)
        .where(CreditCheckSubject.call_id == call_id)
        .order_by(CreditCheckSubject.seq)
    )
    return {
        **_call_json(call),
        "results": [
            {
                "index": s.seq,
                "subject": s.label,
                "kind": s.subject_kind,
                "restricted": s.restricted,
                "error": s.error,
                "hits": hits.get(s.seq, []),
            }
            for s in subjects
        ],
    }


@router.get(
    "/api/v1/credit-check/stats",
    tags=["credit"],
    summary="Times restricted per measure (regulators: all calls; departments: their own)",
)
def stats_api(
    session: SessionDep,
    principal: CheckerDep,
    since: date | None = None,
    until: date | None = None,
    action: str | None = None,
    dept_code: str | None = None,
) -> dict[str, Any]:
    if not _is_regulator(principal):
        if dept_code is not None and dept_code != principal.dept_code:
            require_department_access(principal, dept_code)
        dept_code = principal.dept_code
    stats = restriction_stats(session, since=since, until=until, action=action, dept_code=dept_code)
    return {
        "since": since,
        "until": until,
        "action": action,
        "dept_code": dept_code,
        "measures": [
            {
                "measure": s.measure_code,
                "times_restricted": s.times_restricted,
                "subjects": s.subjects,
            }
            for s in stats
        ],
    }


# -- the staff page -------------------------------------------------------------------------


def _csv_subjects(data: bytes) -> list[str]:
    """First column of each row; a header row (no digit in it) is skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    cells = [row[0].strip() for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
    if cells and not any(ch.isdigit() for ch in cells[0]):
        cells = cells[1:]
    return cells


def _page(
    request: Request,
    principal: Principal,
    settings: Settings,
    *,
    action: str = "",
    call: CheckCall | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The form, with results or an error. What was typed is never echoed back: it may hold
    ID numbers, which no response shows in full."""
    catalogue = measures_for(settings)
    return render(
        request,
        "credit/check.html",
        {
            "catalogue": catalogue,
            "action": action,
            "call": call,
            "error": error,
            "max_subjects": settings.credit_check_max_subjects,
        },
        principal=principal,
        status_code=status_code,
    )


@router.get("/credit-check", response_class=HTMLResponse, include_in_schema=False)
def check_page(request: Request, settings: SettingsDep, principal: CheckerDep) -> Response:
    return _page(request, principal, settings)


@router.post("/credit-check", response_class=HTMLResponse, include_in_schema=False)
def check_page_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CheckerDep,
    today: TodayDep,
    action: Annotated[str, Form()] = "",
    subjects: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    items = [line.strip() for line in subjects.splitlines() if line.strip()]
    limit = settings.credit_check_max_subjects
    if file is not None and file.filename:
        max_bytes = limit * _CSV_BYTES_PER_SUBJECT
        data = file.file.read(max_bytes + 1)
        if len(data) > max_bytes:
            return _page(
                request,
                principal,
                settings,
                action=action,
                error="credit_error_file_too_large",
                status_code=413,
            )
        items += _csv_subjects(data)
    try:
        call = run_check(session, settings, principal, items, action, "page", today)
    except ApiError as exc:
        return _page(
            request,
            principal,
            settings,
            action=action,
            error=f"credit_error_{exc.code}",
            status_code=exc.status_code,
        )
    return _page(request, principal, settings, action=action, call=call)
