"""Request dependencies: settings, the per-request unit of work, the principal, role checks.

``SessionDep`` is one transaction per request: committed when the endpoint returns (before the
response is sent, so a failed commit is a 500, not a lost write), rolled back on any error.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import date, datetime
from functools import partial
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from entcredit.identity.rules import ALL_ROLES, Principal, Role, can_access_department
from entcredit.identity.service import resolve_session, resolve_token
from entcredit.settings import Settings
from entcredit.store.db import unit_of_work
from entcredit.web.errors import ApiError, AuthenticationRequired

# The official day is Beijing's, whatever the server's time zone.
CHINA = ZoneInfo("Asia/Shanghai")

SESSION_COOKIE = "entcredit_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def get_settings(request: Request) -> Settings:
    # Async: no IO, so no trip through the thread pool.
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def china_today() -> date:
    return datetime.now(CHINA).date()


async def today() -> date:
    """The day a request is answered for: the clock is read here, at the edge, and passed on
    as ``as_of`` (tests override this dependency). Async: a plain function would cost the
    request a trip through the thread pool."""
    return china_today()


TodayDep = Annotated[date, Depends(today)]


def get_session(request: Request) -> Iterator[Session]:
    # Unsafe methods write: on SQLite they begin IMMEDIATE, queueing for the write lock up
    # front instead of failing with SQLITE_BUSY_SNAPSHOT when a read snapshot cannot be
    # upgraded. Reads begin DEFERRED and never block in WAL mode.
    if request.method in SAFE_METHODS:
        factory: sessionmaker[Session] = request.app.state.session_factory
    else:
        factory = request.app.state.write_session_factory
    with unit_of_work(factory) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def _submitted_csrf_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        # Starlette caches the parsed form on the request, so the endpoint's Form() params
        # read the same parse.
        form = await request.form()
        value = form.get(CSRF_FORM_FIELD)
        if isinstance(value, str):
            return value
    return None


async def get_principal(request: Request, session: SessionDep) -> Principal | None:
    """Who the request acts as, or None.

    ``Authorization: Bearer ect_...`` is a department token (no ambient credential, so no CSRF
    check). Otherwise the session cookie identifies staff, and unsafe methods must echo the
    session's CSRF token in ``X-CSRF-Token`` or the ``csrf_token`` form field.
    """
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            request.state.auth_problem = "Authorization header must be 'Bearer <token>'"
            return None
        # Safe requests stay read-only: last_used_at is recorded on writes (uploads) only.
        principal = await run_in_threadpool(
            partial(resolve_token, touch=request.method not in SAFE_METHODS), session, credential
        )
        if principal is None:
            request.state.auth_problem = "API token is invalid, expired or revoked"
        return principal

    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    resolved = await run_in_threadpool(resolve_session, session, cookie)
    if resolved is None:
        request.state.auth_problem = "session expired or signed out; please sign in again"
        return None
    if request.method not in SAFE_METHODS:
        submitted = await _submitted_csrf_token(request)
        if submitted is None or not hmac.compare_digest(
            submitted.encode(), resolved.csrf_token.encode()
        ):
            raise ApiError(
                403,
                "csrf_failed",
                f"missing or wrong CSRF token: send the {CSRF_HEADER} header "
                f"or the {CSRF_FORM_FIELD} form field of your session",
            )
    request.state.csrf_token = resolved.csrf_token
    return resolved.principal


PrincipalDep = Annotated[Principal | None, Depends(get_principal)]


class RoleRequirement:
    """The dependency ``require_roles`` returns; the route-ownership walk looks for it."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    # Async: a pure check, so no trip through the thread pool.
    async def __call__(self, request: Request, principal: PrincipalDep) -> Principal:
        if principal is None:
            problem = getattr(request.state, "auth_problem", None)
            raise AuthenticationRequired(problem or "authentication required")
        if not principal.has_any_role(self.roles):
            wanted = ", ".join(sorted(r.value for r in self.roles))
            raise ApiError(403, "forbidden", f"this action requires one of the roles: {wanted}")
        return principal

    def __repr__(self) -> str:
        return f"require_roles({', '.join(sorted(r.value for r in self.roles))})"


def require_roles(*roles: Role) -> RoleRequirement:
    """A dependency that returns the principal if it holds any of ``roles``: 401 without
    credentials, 403 with the wrong role. Use as ``Depends(require_roles(Role.x))``."""
    if not roles:
        raise ValueError("require_roles needs at least one role; use require_authenticated")
    return RoleRequirement(frozenset(roles))


# Any signed-in staff member or department token.
require_authenticated = RoleRequirement(ALL_ROLES)
require_admin = require_roles(Role.regulator_admin)

AuthenticatedDep = Annotated[Principal, Depends(require_authenticated)]
AdminDep = Annotated[Principal, Depends(require_admin)]


def require_department_access(principal: Principal, dept_code: str) -> None:
    """Raise 403 unless the principal may act for ``dept_code`` (regulators: any)."""
    if not can_access_department(principal, dept_code):
        raise ApiError(
            403,
            "department_forbidden",
            f"not allowed to act for department {dept_code!r}",
        )
