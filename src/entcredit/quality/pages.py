"""HTTP routes of this feature (mounted by ``web.app.feature_routers``): the worklist per
department and its XLSX export, waiving, rectification rates and the circular."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from entcredit.identity.rules import REGULATOR_ROLES, Principal, Role
from entcredit.quality.circular import (
    SHOWN_ROWS,
    Circular,
    PeriodError,
    build_circular,
    circular_pdf,
    circular_xlsx,
    parse_period,
)
from entcredit.quality.findings import RateKey, WaiveError, rates, waive
from entcredit.quality.rules import DIMENSIONS
from entcredit.quality.service import count_open, export_worklist, rules_of, worklist
from entcredit.web.deps import SessionDep, SettingsDep, require_department_access, require_roles
from entcredit.web.errors import ApiError
from entcredit.web.i18n import LANG_COOKIE, negotiate_lang
from entcredit.web.pages import render

router = APIRouter(prefix="/quality")
StaffDep = Annotated[
    Principal,
    Depends(require_roles(Role.regulator_admin, Role.regulator_analyst, Role.department_staff)),
]
RegulatorDep = Annotated[
    Principal, Depends(require_roles(Role.regulator_admin, Role.regulator_analyst))
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_RATE_KEYS: tuple[RateKey, ...] = ("dimension", "dept_code", "city", "period")


def _dept_scope(principal: Principal, dept: str | None) -> str | None:
    """The department a worklist shows: staff of a department only ever their own."""
    if principal.has_any_role(REGULATOR_ROLES) and principal.kind == "staff":
        return dept or None
    if dept:
        require_department_access(principal, dept)
    if principal.dept_code is None:
        raise ApiError(403, "department_forbidden", "no department on this account")
    return principal.dept_code


def _today() -> datetime:
    return datetime.now(UTC)


def _download(body: bytes, media: str, name: str) -> Response:
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )


@router.get("/worklist")
def worklist_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    dept: str | None = None,
) -> Response:
    scope = _dept_scope(principal, dept)
    items = worklist(session, dept_code=scope)
    return render(
        request,
        "quality/worklist.html",
        {
            "dept": scope,
            "items": items,
            "open_total": count_open(session, scope),
            "rules": {r.code: r for r in rules_of(settings).rules},
            "can_waive": principal.has_any_role(REGULATOR_ROLES),
        },
        principal=principal,
    )


@router.get("/worklist.xlsx")
def worklist_xlsx(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    dept: str | None = None,
) -> Response:
    scope = _dept_scope(principal, dept)
    lang = negotiate_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
    buf = BytesIO()
    export_worklist(session, buf, dept_code=scope, rules=rules_of(settings), lang=lang)
    return _download(buf.getvalue(), XLSX, f"quality-worklist-{scope or 'all'}.xlsx")


@router.post("/findings/{finding_id}/waive")
def waive_finding(
    session: SessionDep,
    principal: RegulatorDep,
    finding_id: int,
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    try:
        waive(session, finding_id, reason=reason, actor=principal.actor, as_of=_today().date())
    except WaiveError as exc:
        raise ApiError(422, "quality_waive_refused", str(exc)) from exc
    target = (
        back if back.startswith("/quality/") and not back.startswith("//") else "/quality/worklist"
    )
    return RedirectResponse(target, status_code=303)


@router.get("/rates")
def rates_page(
    request: Request,
    session: SessionDep,
    principal: RegulatorDep,
    period: str | None = None,
) -> Response:
    span = _period(period) if period else None
    tables = {key: rates(session, key, periods=span) for key in _RATE_KEYS}
    return render(
        request,
        "quality/rates.html",
        {"tables": tables, "period": period or "", "dimensions": DIMENSIONS},
        principal=principal,
    )


def _period(text: str) -> tuple[str, str]:
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise ApiError(
            422, "quality_bad_period", "period must be YYYY, YYYY-Qn or YYYY-MM"
        ) from exc


def _circular(request: Request, session: SessionDep, period: str) -> Circular:
    _period(period)
    lang = negotiate_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
    return build_circular(session, period, issued_on=_today().date(), lang=lang)


@router.get("/circular")
def circular_page(
    request: Request, session: SessionDep, principal: RegulatorDep, period: str
) -> Response:
    c = _circular(request, session, period)
    return render(
        request, "quality/circular.html", {"c": c, "shown": SHOWN_ROWS}, principal=principal
    )


@router.get("/circular.pdf")
def circular_pdf_file(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: RegulatorDep,
    period: str,
) -> Response:
    c = _circular(request, session, period)
    body = circular_pdf(c, settings.pdf_font_path)
    return _download(body, "application/pdf", f"circular-{period}.pdf")


@router.get("/circular.xlsx")
def circular_xlsx_file(
    request: Request, session: SessionDep, principal: RegulatorDep, period: str
) -> Response:
    c = _circular(request, session, period)
    return _download(circular_xlsx(c), XLSX, f"circular-{period}.xlsx")
