"""Enterprise self-service (sign-in, credit repair applications) and the departments' review
pages (mounted by ``web.app.feature_routers``).

Ownership: the review pages require ``department_staff`` or ``regulator_admin`` (a department
sees only its own applications, ``service.get_for_review``). The self-service pages are
marked ``@public_route`` because enterprises are not staff principals, so ``require_roles``
cannot express them; each of them (except the sign-in form) depends on ``EnterpriseDep``
instead, which is their real owner: it demands a live enterprise session (a separate cookie
and table, ``repair.auth``) and checks that session's CSRF token on every unsafe method.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from entcredit.core.calendar import WorkCalendar
from entcredit.identity.rules import Principal, Role
from entcredit.lists.models import ListEntry
from entcredit.repair.auth import (
    EnterpriseClosed,
    EnterpriseIdentity,
    EnterpriseLoginLocked,
    authenticate_enterprise,
    create_enterprise_session,
    resolve_enterprise_session,
    revoke_enterprise_session,
)
from entcredit.repair.models import RepairApplication
from entcredit.repair.rules import AppState, RepairKind, is_overdue
from entcredit.repair.service import (
    RepairConfig,
    RepairError,
    RepairForm,
    Target,
    Upload,
    eligibility,
    enterprise_overview,
    evidence_of,
    find_target,
    form_problems,
    get_for_review,
    read_evidence,
    review_application,
    review_queue,
    submit_application,
)
from entcredit.settings import Settings
from entcredit.store.models import Department, Record
from entcredit.web.deps import (
    CSRF_FORM_FIELD,
    SAFE_METHODS,
    SessionDep,
    SettingsDep,
    china_today,
    require_roles,
)
from entcredit.web.errors import ApiError
from entcredit.web.ownership import public_route
from entcredit.web.pages import (
    render,
    retry_after,
    secure_cookies,
    sign_in_csrf_ok,
    sign_in_page,
)

ENTERPRISE_COOKIE = "entcredit_enterprise"
LOGIN_CSRF_COOKIE = "entcredit_enterprise_login_csrf"
LOGIN_PATH = "/self-service/login"

router = APIRouter()

ReviewerDep = Annotated[
    Principal, Depends(require_roles(Role.department_staff, Role.regulator_admin))
]


def _calendar(request: Request) -> WorkCalendar:
    cal: WorkCalendar | None = getattr(request.app.state, "repair_calendar", None)
    if cal is None:
        settings: Settings = request.app.state.settings
        cal = WorkCalendar.from_file(settings.effective_calendar_file)
        request.app.state.repair_calendar = cal
    return cal


async def current_enterprise(request: Request, session: SessionDep) -> EnterpriseIdentity:
    """The signed-in enterprise. Without a live session: browsers' GETs go to the sign-in
    page, anything else is 401. Unsafe methods must echo the session's CSRF token."""
    who = resolve_enterprise_session(session, request.cookies.get(ENTERPRISE_COOKIE, ""))
    if who is None:
        if request.method == "GET":
            raise ApiError(
                303,
                "enterprise_login_required",
                "enterprise sign-in required",
                headers={"Location": LOGIN_PATH},
            )
        raise ApiError(401, "enterprise_login_required", "enterprise sign-in required")
    if request.method not in SAFE_METHODS:
        form = await request.form()
        sent = form.get(CSRF_FORM_FIELD)
        if not isinstance(sent, str) or not hmac.compare_digest(
            sent.encode(), who.csrf_token.encode()
        ):
            raise ApiError(403, "csrf_failed", "missing or wrong CSRF token")
    request.state.csrf_token = who.csrf_token
    return who


EnterpriseDep = Annotated[EnterpriseIdentity, Depends(current_enterprise)]


# -- sign-in ----------------------------------------------------------------------------------


def _login_page(
    request: Request,
    *,
    uscc: str = "",
    legal_rep: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return sign_in_page(
        request,
        "repair/login.html",
        {"uscc": uscc, "legal_rep": legal_rep, "error": error},
        csrf_cookie=LOGIN_CSRF_COOKIE,
        path=LOGIN_PATH,
        status_code=status_code,
    )


@router.get(LOGIN_PATH, response_class=HTMLResponse, include_in_schema=False)
@public_route
def enterprise_login_form(request: Request) -> Response:
    return _login_page(request)


@router.post(LOGIN_PATH, include_in_schema=False)
@public_route
def enterprise_login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    uscc: Annotated[str, Form()] = "",
    legal_rep: Annotated[str, Form()] = "",
    legal_rep_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not sign_in_csrf_ok(request, LOGIN_CSRF_COOKIE, csrf_token):
        return _login_page(
            request, uscc=uscc, legal_rep=legal_rep, error="repair_login_expired", status_code=403
        )
    try:
        ent = authenticate_enterprise(
            session,
            uscc,
            legal_rep,
            legal_rep_id,
            pii_key=settings.pii_hash_key.get_secret_value().encode(),
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        )
    except EnterpriseLoginLocked as exc:
        response = _login_page(
            request, uscc=uscc, legal_rep=legal_rep, error="repair_login_locked", status_code=429
        )
        response.headers["Retry-After"] = retry_after(exc.retry_after)
        return response
    except EnterpriseClosed:
        return _login_page(request, uscc=uscc, error="repair_login_closed", status_code=403)
    if ent is None:
        return _login_page(
            request, uscc=uscc, legal_rep=legal_rep, error="repair_login_failed", status_code=401
        )
    previous = request.cookies.get(ENTERPRISE_COOKIE)
    if previous:
        revoke_enterprise_session(session, previous)
    new = create_enterprise_session(
        session, ent, max_age_seconds=settings.enterprise_session_max_age_seconds
    )
    response = RedirectResponse("/self-service", status_code=303)
    response.set_cookie(
        ENTERPRISE_COOKIE,
        new.cookie_value,
        max_age=settings.enterprise_session_max_age_seconds,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/self-service/logout", include_in_schema=False)
@public_route
def enterprise_logout(request: Request, session: SessionDep, who: EnterpriseDep) -> Response:
    revoke_enterprise_session(session, request.cookies.get(ENTERPRISE_COOKIE, ""))
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(
        ENTERPRISE_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return response


# -- the enterprise's pages -------------------------------------------------------------------


def _dept_name(session: Session, code: str) -> str:
    name = session.scalar(select(Department.name).where(Department.dept_code == code))
    return name or code


@router.get("/self-service", response_class=HTMLResponse, include_in_schema=False)
@public_route
def enterprise_home(
    request: Request, session: SessionDep, settings: SettingsDep, who: EnterpriseDep
) -> Response:
    as_of = china_today()
    entries, penalties, apps = enterprise_overview(
        session, who.enterprise_id, as_of, RepairConfig.from_settings(settings)
    )
    # (kind, target id) -> state of its open application, if any.
    open_targets = {
        (a.kind, a.record_id or a.list_entry_id): a.state
        for a in apps
        if AppState(a.state) in (AppState.SUBMITTED, AppState.ACCEPTED)
    }
    return render(
        request,
        "repair/home.html",
        {
            "who": who,
            "entries": entries,
            "penalties": penalties,
            "apps": apps,
            "open_targets": open_targets,
            "labels": _labels(session, apps),
        },
    )


def _labels(session: Session, apps: list[RepairApplication]) -> dict[int, str]:
    """Application id -> the decision number of its target (two queries for any number)."""
    record_ids = {a.record_id for a in apps if a.record_id is not None}
    entry_ids = {a.list_entry_id for a in apps if a.list_entry_id is not None}
    records: dict[int, str] = {}
    if record_ids:
        for rid, source_id, fields in session.execute(
            select(Record.id, Record.source_id, Record.fields).where(Record.id.in_(record_ids))
        ):
            records[rid] = str(fields.get("decision_no") or source_id)
    entries: dict[int, str] = {}
    if entry_ids:
        for eid, key, no in session.execute(
            select(ListEntry.id, ListEntry.entry_key, ListEntry.decision_no).where(
                ListEntry.id.in_(entry_ids)
            )
        ):
            entries[eid] = no or key
    return {
        a.id: records.get(a.record_id or 0) or entries.get(a.list_entry_id or 0) or "" for a in apps
    }


def _kind(value: str) -> RepairKind:
    try:
        return RepairKind(value)
    except ValueError:
        raise ApiError(404, "not_found", "unknown repair kind") from None


def _new_page(
    request: Request,
    session: Session,
    settings: Settings,
    who: EnterpriseIdentity,
    target: Target,
    *,
    form: RepairForm | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    reasons: tuple[Any, ...] | None = None,
) -> Response:
    config = RepairConfig.from_settings(settings)
    # The time and status conditions, before the enterprise declares anything.
    preview = eligibility(
        session,
        target,
        obligations_fulfilled=True,
        harm_remedied=True,
        as_of=china_today(),
        config=config,
    )
    return render(
        request,
        "repair/new.html",
        {
            "who": who,
            "target": target,
            "preview": preview,
            "reasons": reasons if reasons is not None else preview.reasons,
            "form": form or RepairForm("", "", False, False, False),
            "errors": errors or {},
            "max_files": config.max_files,
            "max_mb": round(config.max_bytes / (1024 * 1024), 1),
        },
        status_code=status_code,
    )


@router.get("/self-service/repair/new", response_class=HTMLResponse, include_in_schema=False)
@public_route
def repair_new(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: EnterpriseDep,
    kind: str = "",
    target: int = 0,
) -> Response:
    try:
        found = find_target(session, who.enterprise_id, _kind(kind), target)
    except RepairError as exc:
        raise ApiError(404, exc.code, str(exc)) from None
    return _new_page(request, session, settings, who, found)


@router.post("/self-service/repair", include_in_schema=False)
@public_route
def repair_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: EnterpriseDep,
    kind: Annotated[str, Form()] = "",
    target: Annotated[int, Form()] = 0,
    reason: Annotated[str, Form()] = "",
    corrective_actions: Annotated[str, Form()] = "",
    obligations_fulfilled: Annotated[bool, Form()] = False,
    harm_remedied: Annotated[bool, Form()] = False,
    pledge: Annotated[bool, Form()] = False,
    evidence: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    config = RepairConfig.from_settings(settings)
    repair_kind = _kind(kind)
    try:
        found = find_target(session, who.enterprise_id, repair_kind, target)
    except RepairError as exc:
        raise ApiError(404, exc.code, str(exc)) from None
    form = RepairForm(reason, corrective_actions, obligations_fulfilled, harm_remedied, pledge)
    problems = form_problems(form)
    if problems:
        return _new_page(
            request, session, settings, who, found, form=form, errors=problems, status_code=422
        )
    # Read at most one byte past the limit: a larger file is refused without buffering it.
    uploads = [
        Upload(f.filename or "evidence", f.file.read(config.max_bytes + 1))
        for f in (evidence or [])
        if f.filename
    ]
    try:
        app = submit_application(
            session,
            who,
            repair_kind,
            target,
            form,
            uploads,
            as_of=china_today(),
            config=config,
            calendar=_calendar(request),
        )
    except RepairError as exc:
        field = "evidence" if exc.code in ("too_many_files", "file_too_large", "file_type") else "_"
        status = 409 if exc.code == "already_open" else 422
        return _new_page(
            request,
            session,
            settings,
            who,
            found,
            form=form,
            errors={field: f"repair_err_{exc.code}"},
            status_code=status,
            reasons=exc.reasons or None,
        )
    return RedirectResponse(f"/self-service/repair/{app.id}", status_code=303)


@router.get("/self-service/repair/{app_id}", response_class=HTMLResponse, include_in_schema=False)
@public_route
def repair_detail(
    request: Request, session: SessionDep, app_id: int, who: EnterpriseDep
) -> Response:
    app = session.get(RepairApplication, app_id)
    if app is None or app.enterprise_id != who.enterprise_id:
        raise ApiError(404, "not_found", "no such application")
    return render(
        request,
        "repair/detail.html",
        {
            "who": who,
            "app": app,
            "label": _labels(session, [app]).get(app.id, ""),
            "evidence": evidence_of(session, app.id),
            "dept_name": _dept_name(session, app.dept_code),
            "overdue": is_overdue(
                AppState(app.state), app.accept_due, app.decide_due, china_today()
            ),
        },
    )


# -- the departments' review ------------------------------------------------------------------


@router.get("/repair/reviews", response_class=HTMLResponse, include_in_schema=False)
def reviews(
    request: Request,
    session: SessionDep,
    principal: ReviewerDep,
    show_all: Annotated[bool, Query(alias="all")] = False,
) -> Response:
    apps = review_queue(session, principal, open_only=not show_all)
    as_of = china_today()
    return render(
        request,
        "repair/reviews.html",
        {
            "apps": apps,
            "labels": _labels(session, apps),
            "overdue": {
                a.id
                for a in apps
                if is_overdue(AppState(a.state), a.accept_due, a.decide_due, as_of)
            },
            "show_all": show_all,
        },
        principal=principal,
    )


def _review_page(
    request: Request,
    session: Session,
    principal: Principal,
    app: RepairApplication,
    *,
    error: str | None = None,
    reasons: tuple[Any, ...] = (),
    status_code: int = 200,
    done: bool = False,
) -> Response:
    return render(
        request,
        "repair/review.html",
        {
            "app": app,
            "label": _labels(session, [app]).get(app.id, ""),
            "evidence": evidence_of(session, app.id),
            "overdue": is_overdue(
                AppState(app.state), app.accept_due, app.decide_due, china_today()
            ),
            "error": error,
            "reasons": reasons,
            "done": done,
        },
        principal=principal,
        status_code=status_code,
    )


def _reviewable(session: Session, principal: Principal, app_id: int) -> RepairApplication:
    try:
        return get_for_review(session, principal, app_id)
    except RepairError as exc:
        raise ApiError(404, exc.code, str(exc)) from None


@router.get("/repair/reviews/{app_id}", response_class=HTMLResponse, include_in_schema=False)
def review_page(
    request: Request, session: SessionDep, principal: ReviewerDep, app_id: int
) -> Response:
    return _review_page(request, session, principal, _reviewable(session, principal, app_id))


@router.post("/repair/reviews/{app_id}", include_in_schema=False)
def review_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: ReviewerDep,
    app_id: int,
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    decision_no: Annotated[str, Form()] = "",
) -> Response:
    app = _reviewable(session, principal, app_id)
    try:
        # A savepoint: a refused step (ineligible now, say) leaves nothing half-applied.
        with session.begin_nested():
            review_application(
                session,
                principal,
                app_id,
                action,
                as_of=china_today(),
                config=RepairConfig.from_settings(settings),
                calendar=_calendar(request),
                note=note,
                decision_no=decision_no,
            )
    except RepairError as exc:
        session.refresh(app)
        return _review_page(
            request,
            session,
            principal,
            app,
            error=f"repair_err_{exc.code}",
            reasons=exc.reasons,
            status_code=409 if exc.code in ("application_closed", "already_accepted") else 422,
        )
    return _review_page(request, session, principal, app, done=True)


@router.get("/repair/reviews/{app_id}/evidence/{evidence_id}", include_in_schema=False)
def review_evidence(
    session: SessionDep,
    settings: SettingsDep,
    principal: ReviewerDep,
    app_id: int,
    evidence_id: int,
) -> Response:
    app = _reviewable(session, principal, app_id)
    item = next((e for e in evidence_of(session, app.id) if e.id == evidence_id), None)
    if item is None:
        raise ApiError(404, "not_found", "no such evidence file")
    try:
        data = read_evidence(settings.data_dir, item)
    except (RepairError, OSError) as exc:
        # Missing or changed on disk: the operator must restore it from a backup.
        raise ApiError(500, "evidence_unavailable", f"evidence file {item.id}: {exc}") from None
    return Response(
        data,
        media_type=item.media_type,
        headers={
            # Never rendered inline in the reviewer's origin: it is the applicant's file.
            "Content-Disposition": f'attachment; filename="evidence-{item.id}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
