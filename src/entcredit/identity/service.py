"""Identity services: staff users, department API tokens, web sessions.

Every function takes the caller's ``Session`` and never commits. Changes are audited in the
same transaction, so a change and its audit event commit or roll back together.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from entcredit.audit.models import AuditEvent, utcnow
from entcredit.audit.service import SYSTEM_ACTOR, append_event
from entcredit.identity.models import ApiToken, StaffUser, StaffUserRole, WebSession
from entcredit.identity.passwords import (
    burn_dummy_verify,
    hash_password,
    needs_rehash,
    verify_password,
)
from entcredit.identity.rules import (
    Principal,
    Role,
    check_password_policy,
    check_role_department,
)
from entcredit.store.models import Department

TOKEN_PREFIX = "ect_"  # noqa: S105 - a public marker, not a secret
TOKEN_DISPLAY_CHARS = 8
# last_used_at is bookkeeping; writing it on every call would make each API read take the
# database write lock (on SQLite, queueing behind a department's long batch load).
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)

_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


class IdentityError(ValueError):
    """A refused identity operation. ``code`` is a stable machine-readable reason."""

    code = "identity_error"


class InvalidUsernameError(IdentityError):
    code = "invalid_username"


class DuplicateUserError(IdentityError):
    code = "duplicate_user"


class UnknownDepartmentError(IdentityError):
    code = "unknown_department"


class UnknownUserError(IdentityError):
    code = "unknown_user"


class InvalidRolesError(IdentityError):
    code = "invalid_roles"


class TokenNotFoundError(IdentityError):
    code = "token_not_found"


class InvalidTokenRequestError(IdentityError):
    code = "invalid_token_request"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def get_department(session: Session, dept_code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.dept_code == dept_code))
    if dept is None:
        raise UnknownDepartmentError(f"no department with code {dept_code!r}")
    return dept


# --- staff users ---------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    roles: frozenset[Role] | set[Role],
    actor: str = SYSTEM_ACTOR,
    dept_code: str | None = None,
    display_name: str = "",
    now: datetime | None = None,
) -> StaffUser:
    """Create a staff user (password policy enforced) and audit ``user:create``."""
    username = username.strip().lower()
    if not _USERNAME_RE.match(username):
        raise InvalidUsernameError(
            "username must be 2-64 characters of a-z, 0-9, '_', '.', '-' "
            "and start with a letter or digit"
        )
    if not roles:
        raise InvalidRolesError("a user needs at least one role")
    check_password_policy(password)
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise DuplicateUserError(f"user {username!r} already exists")
    dept = get_department(session, dept_code) if dept_code else None
    problem = check_role_department(frozenset(roles), dept.id if dept else None)
    if problem:
        raise InvalidRolesError(problem)
    when = _now(now)
    user = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        dept_id=dept.id if dept else None,
        is_active=True,
        created_at=when,
        role_rows=[StaffUserRole(role=r.value) for r in sorted(roles)],
    )
    session.add(user)
    session.flush()
    append_event(
        session,
        actor=actor,
        tag="user:create",
        subject_id=username,
        details={
            "user_id": user.id,
            "roles": sorted(r.value for r in roles),
            "dept_code": dept.dept_code if dept else None,
        },
        occurred_at=when,
    )
    return user


def get_user(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == username.lower()))


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def set_user_active(
    session: Session, *, username: str, active: bool, actor: str, now: datetime | None = None
) -> StaffUser:
    """Enable or disable an account; disabling ends all its sessions immediately."""
    user = get_user(session, username)
    if user is None:
        raise UnknownUserError(f"no user {username!r}")
    when = _now(now)
    user.is_active = active
    if not active:
        session.execute(
            update(WebSession)
            .where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
            .values(revoked_at=when)
        )
    append_event(
        session,
        actor=actor,
        tag="user:enable" if active else "user:disable",
        subject_id=user.username,
        details={"user_id": user.id},
        occurred_at=when,
    )
    return user


class LoginLockedError(IdentityError):
    """Too many failed sign-ins for this username; ``retry_after`` is when it opens again."""

    code = "login_locked"

    def __init__(self, username: str, retry_after: datetime) -> None:
        super().__init__(f"too many failed sign-ins for {username!r}; try again later")
        self.retry_after = retry_after


def locked_until(
    session: Session,
    *,
    failed_tag: str,
    subject: str,
    since: datetime,
    max_failures: int,
    lockout: timedelta,
) -> datetime | None:
    """When ``max_failures`` sign-ins audited as ``failed_tag`` for ``subject`` failed after
    ``since``, the moment the lock lifts; otherwise None. The audit log is the only counter,
    for staff user names and enterprise codes alike."""
    recent = list(
        session.scalars(
            select(AuditEvent.occurred_at)
            .where(
                AuditEvent.tag == failed_tag,
                AuditEvent.subject_id == subject,
                AuditEvent.occurred_at > since,
            )
            .order_by(AuditEvent.occurred_at.desc())
            .limit(max_failures)
        )
    )
    return recent[-1] + lockout if len(recent) >= max_failures else None


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime | None = None,
    max_failures: int = 10,
    lockout: timedelta = timedelta(minutes=15),
) -> StaffUser | None:
    """The active user whose password matches, or None. Audits ``user:login`` /
    ``user:login_failed``. An unknown user costs one Argon2 verification too.

    Raises ``LoginLockedError`` after ``max_failures`` failed sign-ins for the username
    within ``lockout`` (counted from the audit log, since the last successful sign-in), without
    checking the password: guessing stops, and unknown usernames lock alike (no enumeration).
    """
    when = _now(now)
    name = username.strip()
    user = get_user(session, name) if name else None
    if name:
        since = when - lockout
        if user is not None and user.last_login_at is not None:
            since = max(since, user.last_login_at)
        until = locked_until(
            session,
            failed_tag="user:login_failed",
            subject=name[:200],
            since=since,
            max_failures=max_failures,
            lockout=lockout,
        )
        if until is not None:
            append_event(
                session,
                actor="anonymous",
                tag="user:login_locked",
                subject_id=name[:200],
                details={},
                occurred_at=when,
            )
            raise LoginLockedError(name, until)
    if user is None or not user.is_active:
        burn_dummy_verify(password)
        _audit_login_failed(session, username, when)
        return None
    if not verify_password(user.password_hash, password):
        _audit_login_failed(session, username, when)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = when
    append_event(
        session,
        actor=f"user:{user.username}",
        tag="user:login",
        subject_id=user.username,
        details={"user_id": user.id},
        occurred_at=when,
    )
    return user


def _audit_login_failed(session: Session, username: str, when: datetime) -> None:
    append_event(
        session,
        actor="anonymous",
        tag="user:login_failed",
        subject_id=username.strip()[:200] or None,
        details={},
        occurred_at=when,
    )


def principal_for_user(session: Session, user: StaffUser) -> Principal:
    dept = session.get(Department, user.dept_id) if user.dept_id is not None else None
    return Principal(
        kind="staff",
        user_id=user.id,
        username=user.username,
        dept_id=user.dept_id,
        dept_code=dept.dept_code if dept else None,
        roles=user.roles,
    )


# --- department API tokens -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly issued token. ``plaintext`` exists only here: it is never stored."""

    token: ApiToken
    plaintext: str

    @property
    def id(self) -> int:
        return self.token.id


def issue_token(
    session: Session,
    *,
    dept_code: str,
    name: str,
    actor: str = SYSTEM_ACTOR,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """Issue an API token for a department; the plaintext is returned once and never again."""
    dept = get_department(session, dept_code)
    when = _now(now)
    if expires_at is not None and expires_at <= when:
        raise InvalidTokenRequestError("expires_at must be in the future")
    secret = secrets.token_urlsafe(32)
    plaintext = TOKEN_PREFIX + secret
    token = ApiToken(
        dept_id=dept.id,
        name=name.strip() or "token",
        token_prefix=secret[:TOKEN_DISPLAY_CHARS],
        token_hash=sha256_hex(plaintext),
        created_at=when,
        created_by=actor,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    append_event(
        session,
        actor=actor,
        tag="token:issue",
        subject_id=str(token.id),
        details={
            "dept_code": dept.dept_code,
            "name": token.name,
            "token_prefix": token.token_prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        occurred_at=when,
    )
    return IssuedToken(token=token, plaintext=plaintext)


def revoke_token(
    session: Session, token_id: int, *, actor: str = SYSTEM_ACTOR, now: datetime | None = None
) -> ApiToken:
    """Revoke a token (idempotent: revoking a revoked token changes and audits nothing)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenNotFoundError(f"no API token with id {token_id}")
    if token.revoked_at is not None:
        return token
    when = _now(now)
    token.revoked_at = when
    dept = session.get(Department, token.dept_id)
    append_event(
        session,
        actor=actor,
        tag="token:revoke",
        subject_id=str(token.id),
        details={"dept_code": dept.dept_code if dept else None, "name": token.name},
        occurred_at=when,
    )
    return token


def list_tokens(session: Session, dept_code: str | None = None) -> list[tuple[ApiToken, str]]:
    """Tokens with their department code, newest first."""
    stmt = (
        select(ApiToken, Department.dept_code)
        .join(Department, Department.id == ApiToken.dept_id)
        .order_by(ApiToken.id.desc())
    )
    if dept_code is not None:
        stmt = stmt.where(Department.dept_code == dept_code)
    return [(tok, code) for tok, code in session.execute(stmt).all()]


def resolve_token(
    session: Session, plaintext: str, *, now: datetime | None = None, touch: bool = True
) -> Principal | None:
    """The department principal of a valid (not revoked, not expired) token, or None.
    ``touch`` records ``last_used_at`` (at most once a minute); read-only requests pass
    False so that they never write."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    row = session.execute(
        select(ApiToken, Department)
        .join(Department, Department.id == ApiToken.dept_id)
        .where(ApiToken.token_hash == sha256_hex(plaintext))
    ).first()
    if row is None:
        return None
    token, dept = row
    when = _now(now)
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= when):
        return None
    if touch and (
        token.last_used_at is None or when - token.last_used_at >= TOKEN_LAST_USED_RESOLUTION
    ):
        token.last_used_at = when
    return Principal(
        kind="department_token",
        user_id=None,
        username=None,
        dept_id=dept.id,
        dept_code=dept.dept_code,
        roles=frozenset({Role.department_staff}),
        token_id=token.id,
    )


# --- web sessions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewWebSession:
    cookie_value: str
    csrf_token: str
    expires_at: datetime
    record: WebSession


@dataclass(frozen=True, slots=True)
class ResolvedSession:
    principal: Principal
    csrf_token: str
    session_id: int
    expires_at: datetime


def create_session(
    session: Session, user: StaffUser, *, max_age_seconds: int, now: datetime | None = None
) -> NewWebSession:
    when = _now(now)
    cookie_value = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    expires_at = when + timedelta(seconds=max_age_seconds)
    record = WebSession(
        token_hash=sha256_hex(cookie_value),
        user_id=user.id,
        csrf_token=csrf_token,
        created_at=when,
        expires_at=expires_at,
    )
    session.add(record)
    session.flush()
    return NewWebSession(
        cookie_value=cookie_value, csrf_token=csrf_token, expires_at=expires_at, record=record
    )


def resolve_session(
    session: Session, cookie_value: str, *, now: datetime | None = None
) -> ResolvedSession | None:
    """The live session of an active user for this cookie value, or None."""
    if not cookie_value or len(cookie_value) > 200:
        return None
    record = session.scalar(
        select(WebSession).where(WebSession.token_hash == sha256_hex(cookie_value))
    )
    if record is None or record.revoked_at is not None or record.expires_at <= _now(now):
        return None
    user = record.user
    if not user.is_active:
        return None
    return ResolvedSession(
        principal=principal_for_user(session, user),
        csrf_token=record.csrf_token,
        session_id=record.id,
        expires_at=record.expires_at,
    )


def revoke_session(session: Session, cookie_value: str, *, now: datetime | None = None) -> bool:
    """End the session behind this cookie value; True if one was live. Audits ``user:logout``."""
    if not cookie_value:
        return False
    record = session.scalar(
        select(WebSession).where(WebSession.token_hash == sha256_hex(cookie_value))
    )
    if record is None or record.revoked_at is not None:
        return False
    when = _now(now)
    record.revoked_at = when
    append_event(
        session,
        actor=f"user:{record.user.username}",
        tag="user:logout",
        subject_id=record.user.username,
        details={"session_id": record.id},
        occurred_at=when,
    )
    return True
