"""HTML pages (landing, sign-in, account) and the public service endpoints (health, API
description). Every endpoint here is either ``@public_route`` or requires a role."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from entcredit.identity.models import StaffUser
from entcredit.identity.rules import Principal
from entcredit.identity.service import (
    LoginLockedError,
    authenticate,
    create_session,
    revoke_session,
)
from entcredit.store.models import Department
from entcredit.web.deps import (
    SESSION_COOKIE,
    AuthenticatedDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
)
from entcredit.web.i18n import LANG_COOKIE, negotiate_lang, normalize_lang, other_lang, translator
from entcredit.web.ownership import iter_routes, public_route, route_owner

LOGIN_CSRF_COOKIE = "entcredit_login_csrf"
_YEAR = 365 * 24 * 3600

router = APIRouter()


def secure_cookies(request: Request) -> bool:
    return bool(request.app.state.settings.env != "development")


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    principal: Principal | None = None,
    status_code: int = 200,
) -> Response:
    lang = negotiate_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
    templates: Jinja2Templates = request.app.state.templates
    full_context: dict[str, Any] = {
        "t": translator(lang),
        "lang": lang,
        "other_lang": other_lang(lang),
        # The switch keeps the page's own parameters (query, section, page...).
        "lang_switch_url": f"{request.url.path}?"
        + urlencode({**request.query_params, "lang": other_lang(lang)}),
        "principal": principal,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        **context,
    }
    response = templates.TemplateResponse(request, name, full_context, status_code=status_code)
    # Pages carry CSRF tokens and personal data: never let a shared cache keep them.
    response.headers["Cache-Control"] = "no-store"
    if normalize_lang(request.query_params.get("lang")) is not None:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=_YEAR,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request),
        )
    return response


def safe_next(value: str | None) -> str:
    """Only same-site absolute paths: no ``//host``, no backslash tricks, no control chars."""
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and all(ch.isprintable() for ch in value)
        and len(value) <= 2000
    ):
        return value
    return "/me"


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
@public_route
def index(request: Request, principal: PrincipalDep) -> Response:
    return render(request, "index.html", {}, principal=principal)


def sign_in_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    csrf_cookie: str,
    path: str,
    status_code: int = 200,
) -> Response:
    """A sign-in form with a double-submit CSRF token (there is no session yet to hold one):
    the token goes in the form as ``login_csrf`` and in a cookie scoped to the form's path."""
    token = request.cookies.get(csrf_cookie) or secrets.token_urlsafe(32)
    response = render(request, template, {"login_csrf": token, **context}, status_code=status_code)
    response.set_cookie(
        csrf_cookie,
        token,
        max_age=3600,
        path=path,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response


def sign_in_csrf_ok(request: Request, csrf_cookie: str, submitted: str) -> bool:
    """The form's token matches the one ``sign_in_page`` set in the cookie."""
    expected = request.cookies.get(csrf_cookie, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), submitted.encode())


def retry_after(until: datetime) -> str:
    """A ``Retry-After`` value (whole seconds, at least 1) for a lock lifting at ``until``."""
    return str(max(1, int((until - datetime.now(UTC)).total_seconds())))


def _login_page(
    request: Request,
    *,
    next_url: str,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {"next_url": next_url, "username": username, "error": error}
    return sign_in_page(
        request,
        "login.html",
        context,
        csrf_cookie=LOGIN_CSRF_COOKIE,
        path="/login",
        status_code=status_code,
    )


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
@public_route
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_url=safe_next(next))


@router.post("/login", include_in_schema=False)
@public_route
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form(alias="next")] = "",
) -> Response:
    target = safe_next(next_url)
    if not sign_in_csrf_ok(request, LOGIN_CSRF_COOKIE, csrf_token):
        return _login_page(
            request, next_url=target, username=username, error="login_expired", status_code=403
        )
    try:
        user = authenticate(
            session,
            username,
            password,
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        )
    except LoginLockedError as exc:
        response = _login_page(
            request, next_url=target, username=username, error="login_locked", status_code=429
        )
        response.headers["Retry-After"] = retry_after(exc.retry_after)
        return response
    if user is None:
        return _login_page(
            request, next_url=target, username=username, error="login_failed", status_code=401
        )
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        revoke_session(session, previous)
    new = create_session(session, user, max_age_seconds=settings.session_max_age_seconds)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        new.cookie_value,
        max_age=settings.session_max_age_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, session: SessionDep, principal: AuthenticatedDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        revoke_session(session, cookie)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request)
    )
    return response


def _department(session: SessionDep, principal: Principal) -> Department | None:
    return session.get(Department, principal.dept_id) if principal.dept_id is not None else None


@router.get("/me", response_class=HTMLResponse, include_in_schema=False)
def me_page(request: Request, session: SessionDep, principal: AuthenticatedDep) -> Response:
    user = session.get(StaffUser, principal.user_id) if principal.user_id is not None else None
    return render(
        request,
        "me.html",
        {
            "display_name": user.display_name if user else None,
            "roles": sorted(r.value for r in principal.roles),
            "department": _department(session, principal),
        },
        principal=principal,
    )


@router.get("/api/v1/me", tags=["identity"], summary="Who am I (staff session or API token)")
def me_api(session: SessionDep, principal: AuthenticatedDep) -> dict[str, Any]:
    dept = _department(session, principal)
    return {
        "kind": principal.kind,
        "username": principal.username,
        "dept_code": principal.dept_code,
        "dept_name": dept.name if dept else None,
        "roles": sorted(r.value for r in principal.roles),
    }


@router.get("/healthz", tags=["service"], summary="Liveness and database reachability")
@public_route
def healthz(request: Request) -> JSONResponse:
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "error", "database": "unreachable"},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/api/openapi.json", include_in_schema=False)
@public_route
def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
@public_route
def api_docs(request: Request, principal: PrincipalDep) -> Response:
    # Swagger UI and ReDoc load their JavaScript from a CDN, which closed government networks
    # cannot reach; this page is rendered here from the same route table instead.
    operations = [
        {
            "method": method,
            "path": info.path,
            "summary": info.summary or info.name.replace("_", " "),
            "owner": route_owner(info) or "?",
        }
        for info in iter_routes(request.app)
        if isinstance(info.route, APIRoute) and info.include_in_schema
        for method in sorted(info.methods)
    ]
    operations.sort(key=lambda op: (op["path"], op["method"]))
    return render(
        request,
        "api_docs.html",
        {
            "operations": operations,
            "title": request.app.title,
            "version": request.app.version,
        },
        principal=principal,
    )
