"""Enterprise self-service sign-in, as the national system does for annual reports: the USCC
plus the legal representative's name and resident ID number, checked against the register
(``enterprises.legal_rep`` and the keyed hash ``legal_rep_id_hash``; the number itself is
never stored). Sessions are server-side (``enterprise_sessions``), apart from staff sessions:
a different cookie, table and CSRF token, so an enterprise can never act as staff or the
reverse. Failed sign-ins lock the USCC as staff usernames are locked (counted from the audit
log since the last success).
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from entcredit.audit.models import AuditEvent, utcnow
from entcredit.audit.service import append_event
from entcredit.core.idnum import hash_id
from entcredit.identity.service import locked_until, sha256_hex
from entcredit.repair.models import EnterpriseSession
from entcredit.store.models import Enterprise

TAG_LOGIN = "enterprise:login"
TAG_LOGIN_FAILED = "enterprise:login_failed"
TAG_LOGIN_LOCKED = "enterprise:login_locked"
TAG_LOGOUT = "enterprise:logout"
# Register statuses that may not sign in: the enterprise no longer exists.
CLOSED_STATUSES = frozenset({"deregistered"})


class EnterpriseLoginError(ValueError):
    code = "enterprise_login_failed"


class EnterpriseLoginLocked(EnterpriseLoginError):
    code = "enterprise_login_locked"

    def __init__(self, retry_after: datetime) -> None:
        super().__init__("too many failed sign-ins for this USCC; try again later")
        self.retry_after = retry_after


class EnterpriseClosed(EnterpriseLoginError):
    code = "enterprise_closed"


@dataclass(frozen=True, slots=True)
class EnterpriseIdentity:
    """Who a self-service request acts as."""

    enterprise_id: int
    uscc: str
    name: str
    csrf_token: str
    session_id: int

    @property
    def actor(self) -> str:
        return f"enterprise:{self.uscc}"


@dataclass(frozen=True, slots=True)
class NewEnterpriseSession:
    cookie_value: str
    csrf_token: str


def _norm_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def authenticate_enterprise(
    session: Session,
    uscc: str,
    legal_rep: str,
    id_number: str,
    *,
    pii_key: bytes,
    max_failures: int,
    lockout: timedelta,
    now: datetime | None = None,
) -> Enterprise | None:
    """The enterprise whose legal representative's name and ID number match, or None.

    Raises ``EnterpriseLoginLocked`` (without checking) after ``max_failures`` failures for the
    USCC within ``lockout`` since its last success, and ``EnterpriseClosed`` when the
    credentials match a deregistered enterprise. Audits every outcome; the ID number is never
    written anywhere.
    """
    when = now if now is not None else utcnow()
    code = unicodedata.normalize("NFKC", uscc).strip().upper()[:18]
    subject = code or None
    since = when - lockout
    last_ok = session.scalar(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.tag == TAG_LOGIN, AuditEvent.subject_id == code)
        .order_by(AuditEvent.occurred_at.desc())
        .limit(1)
    )
    if last_ok is not None:
        since = max(since, last_ok)
    until = locked_until(
        session,
        failed_tag=TAG_LOGIN_FAILED,
        subject=code,
        since=since,
        max_failures=max_failures,
        lockout=lockout,
    )
    if code and until is not None:
        append_event(
            session, actor="anonymous", tag=TAG_LOGIN_LOCKED, subject_id=subject, occurred_at=when
        )
        raise EnterpriseLoginLocked(until)

    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == code)) if code else None
    matches = False
    if ent is not None and ent.legal_rep_id_hash and id_number.strip():
        given = hash_id(pii_key, id_number)
        same_id = hmac.compare_digest(given.encode(), ent.legal_rep_id_hash.encode())
        matches = same_id and _norm_name(legal_rep) == _norm_name(ent.legal_rep)
    if ent is None or not matches:
        append_event(
            session, actor="anonymous", tag=TAG_LOGIN_FAILED, subject_id=subject, occurred_at=when
        )
        return None
    if ent.status in CLOSED_STATUSES:
        append_event(
            session,
            actor=f"enterprise:{code}",
            tag=TAG_LOGIN_FAILED,
            subject_id=subject,
            details={"status": ent.status},
            occurred_at=when,
        )
        raise EnterpriseClosed("a deregistered enterprise cannot use self-service")
    append_event(
        session,
        actor=f"enterprise:{code}",
        tag=TAG_LOGIN,
        subject_id=subject,
        details={"enterprise_id": ent.id},
        occurred_at=when,
    )
    return ent


def create_enterprise_session(
    session: Session, enterprise: Enterprise, *, max_age_seconds: int, now: datetime | None = None
) -> NewEnterpriseSession:
    when = now if now is not None else utcnow()
    cookie_value = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    session.add(
        EnterpriseSession(
            token_hash=sha256_hex(cookie_value),
            enterprise_id=enterprise.id,
            csrf_token=csrf_token,
            created_at=when,
            expires_at=when + timedelta(seconds=max_age_seconds),
        )
    )
    session.flush()
    return NewEnterpriseSession(cookie_value, csrf_token)


def resolve_enterprise_session(
    session: Session, cookie_value: str, *, now: datetime | None = None
) -> EnterpriseIdentity | None:
    """The live session behind this cookie, or None (also once the enterprise is
    deregistered: closing the enterprise ends its sessions)."""
    if not cookie_value or len(cookie_value) > 200:
        return None
    row = session.execute(
        select(EnterpriseSession, Enterprise)
        .join(Enterprise, Enterprise.id == EnterpriseSession.enterprise_id)
        .where(EnterpriseSession.token_hash == sha256_hex(cookie_value))
    ).first()
    if row is None:
        return None
    record, ent = row
    when = now if now is not None else utcnow()
    if record.revoked_at is not None or record.expires_at <= when:
        return None
    if ent.status in CLOSED_STATUSES:
        return None
    return EnterpriseIdentity(ent.id, ent.uscc, ent.name, record.csrf_token, record.id)


def revoke_enterprise_session(
    session: Session, cookie_value: str, *, now: datetime | None = None
) -> bool:
    """End the session behind this cookie; True if one was live. Audits the sign-out."""
    if not cookie_value:
        return False
    record = session.scalar(
        select(EnterpriseSession).where(EnterpriseSession.token_hash == sha256_hex(cookie_value))
    )
    if record is None or record.revoked_at is not None:
        return False
    when = now if now is not None else utcnow()
    record.revoked_at = when
    ent = session.get(Enterprise, record.enterprise_id)
    uscc = ent.uscc if ent is not None else None
    append_event(
        session,
        actor=f"enterprise:{uscc}",
        tag=TAG_LOGOUT,
        subject_id=uscc,
        details={"session_id": record.id},
        occurred_at=when,
    )
    return True
