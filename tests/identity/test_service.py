from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from entcredit.audit.models import AuditEvent
from entcredit.audit.service import verify_chain
from entcredit.identity.models import ApiToken, StaffUser, WebSession
from entcredit.identity.rules import PasswordPolicyError, Role
from entcredit.identity.service import (
    DuplicateUserError,
    InvalidRolesError,
    InvalidTokenRequestError,
    InvalidUsernameError,
    TokenNotFoundError,
    UnknownDepartmentError,
    authenticate,
    create_session,
    create_user,
    issue_token,
    list_tokens,
    resolve_session,
    resolve_token,
    revoke_session,
    revoke_token,
    set_user_active,
    sha256_hex,
)

PW = "Correct-Horse-42"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def tags(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEvent.tag).order_by(AuditEvent.id)))


def make_user(db: Session, username: str = "zhang", **kw: object) -> StaffUser:
    args: dict[str, object] = {
        "username": username,
        "password": PW,
        "roles": {Role.department_staff},
        "dept_code": "440000SW",
        "actor": "system",
    }
    args.update(kw)
    return create_user(db, **args)  # type: ignore[arg-type]


def test_create_user(db: Session) -> None:
    user = make_user(db, "Zhang.San", display_name="张三")
    assert user.username == "zhang.san"
    assert user.roles == {Role.department_staff}
    assert user.password_hash.startswith("$argon2id$")
    assert PW not in user.password_hash
    assert user.created_at.tzinfo is not None
    assert tags(db) == ["user:create"]


def test_create_user_refusals(db: Session) -> None:
    make_user(db)
    with pytest.raises(DuplicateUserError):
        make_user(db, "ZHANG")
    with pytest.raises(PasswordPolicyError):
        make_user(db, "li", password="short")
    with pytest.raises(UnknownDepartmentError):
        make_user(db, "li", dept_code="NOPE")
    with pytest.raises(InvalidRolesError):
        make_user(db, "li", dept_code=None)
    with pytest.raises(InvalidRolesError):
        make_user(db, "li", roles=set())
    with pytest.raises(InvalidUsernameError):
        make_user(db, "li si")


def test_authenticate(db: Session) -> None:
    make_user(db)
    user = authenticate(db, "zhang", PW, now=T0)
    assert user is not None
    assert user.last_login_at == T0
    assert authenticate(db, "zhang", "Wrong-Horse-42") is None
    assert authenticate(db, "nobody", PW) is None
    assert authenticate(db, "", PW) is None
    set_user_active(db, username="zhang", active=False, actor="system")
    assert authenticate(db, "zhang", PW) is None
    assert tags(db) == [
        "user:create",
        "user:login",
        "user:login_failed",
        "user:login_failed",
        "user:login_failed",
        "user:disable",
        "user:login_failed",
    ]


def test_repeated_failures_lock_the_username_for_a_while(db: Session) -> None:
    from datetime import timedelta

    from entcredit.identity.service import LoginLockedError

    make_user(db)
    window = timedelta(minutes=15)
    for i in range(3):
        assert (
            authenticate(
                db,
                "zhang",
                "Wrong-Horse-42",
                now=T0 + timedelta(minutes=i),
                max_failures=3,
                lockout=window,
            )
            is None
        )
    # The right password no longer helps, and is not even checked.
    with pytest.raises(LoginLockedError) as locked:
        authenticate(db, "zhang", PW, now=T0 + timedelta(minutes=5), max_failures=3, lockout=window)
    assert locked.value.retry_after == T0 + timedelta(minutes=15)
    # Unknown usernames lock alike: a lockout says nothing about who exists.
    for _ in range(3):
        authenticate(db, "ghost", PW, now=T0, max_failures=3, lockout=window)
    with pytest.raises(LoginLockedError):
        authenticate(db, "ghost", PW, now=T0, max_failures=3, lockout=window)
    # Once the window has passed, the account opens again; a success resets the count.
    later = T0 + timedelta(minutes=20)
    assert authenticate(db, "zhang", PW, now=later, max_failures=3, lockout=window) is not None
    assert (
        authenticate(db, "zhang", "Wrong-Horse-42", now=later, max_failures=3, lockout=window)
        is None
    )
    assert authenticate(db, "zhang", PW, now=later, max_failures=3, lockout=window) is not None
    assert "user:login_locked" in tags(db)


def test_authenticate_upgrades_old_hashes(db: Session) -> None:
    user = make_user(db)
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024).hash(PW)
    assert authenticate(db, "zhang", PW) is not None
    assert "m=65536" in user.password_hash


def test_tokens(db: Session) -> None:
    issued = issue_token(db, dept_code="440000SW", name="nightly", actor="user:admin", now=T0)
    plaintext = issued.plaintext
    assert plaintext.startswith("ect_")
    assert len(plaintext) == 4 + 43
    stored = db.get(ApiToken, issued.id)
    assert stored is not None
    assert stored.token_hash == sha256_hex(plaintext)
    assert stored.token_prefix == plaintext[4:12]
    # The secret is stored nowhere.
    for row in db.execute(text("SELECT * FROM api_tokens")):
        assert plaintext not in str(row)

    principal = resolve_token(db, plaintext, now=T0 + timedelta(hours=1))
    assert principal is not None
    assert principal.kind == "department_token"
    assert principal.dept_code == "440000SW"
    assert principal.roles == {Role.department_staff}
    assert principal.token_id == issued.id
    assert stored.last_used_at == T0 + timedelta(hours=1)
    # last_used_at is not rewritten on every call.
    resolve_token(db, plaintext, now=T0 + timedelta(hours=1, seconds=10))
    assert stored.last_used_at == T0 + timedelta(hours=1)

    assert resolve_token(db, plaintext + "x") is None
    assert resolve_token(db, "garbage") is None
    assert [t.name for t, code in list_tokens(db, "440000SW")] == ["nightly"]
    assert list_tokens(db, "440000HB") == []

    revoke_token(db, issued.id, actor="user:admin")
    revoke_token(db, issued.id, actor="user:admin")  # idempotent
    assert resolve_token(db, plaintext) is None
    assert tags(db) == ["token:issue", "token:revoke"]
    with pytest.raises(TokenNotFoundError):
        revoke_token(db, 999)
    assert verify_chain(db).ok


def test_token_expiry(db: Session) -> None:
    issued = issue_token(
        db, dept_code="440000HB", name="x", expires_at=T0 + timedelta(days=1), now=T0
    )
    assert resolve_token(db, issued.plaintext, now=T0 + timedelta(hours=23)) is not None
    assert resolve_token(db, issued.plaintext, now=T0 + timedelta(days=1)) is None
    with pytest.raises(InvalidTokenRequestError):
        issue_token(db, dept_code="440000HB", name="x", expires_at=T0, now=T0)
    with pytest.raises(UnknownDepartmentError):
        issue_token(db, dept_code="NOPE", name="x")


def test_sessions(db: Session) -> None:
    user = make_user(db)
    new = create_session(db, user, max_age_seconds=3600, now=T0)
    stored = db.scalar(select(WebSession))
    assert stored is not None
    assert stored.token_hash == sha256_hex(new.cookie_value)
    assert new.cookie_value not in stored.token_hash

    resolved = resolve_session(db, new.cookie_value, now=T0 + timedelta(minutes=59))
    assert resolved is not None
    assert resolved.principal.username == "zhang"
    assert resolved.principal.dept_code == "440000SW"
    assert resolved.csrf_token == new.csrf_token
    assert resolve_session(db, new.cookie_value, now=T0 + timedelta(hours=1)) is None
    assert resolve_session(db, "wrong", now=T0) is None

    assert revoke_session(db, new.cookie_value, now=T0)
    assert not revoke_session(db, new.cookie_value, now=T0)
    assert resolve_session(db, new.cookie_value, now=T0) is None


def test_disabling_revokes_sessions(db: Session) -> None:
    user = make_user(db)
    a = create_session(db, user, max_age_seconds=3600)
    b = create_session(db, user, max_age_seconds=3600)
    set_user_active(db, username="zhang", active=False, actor="user:admin")
    set_user_active(db, username="zhang", active=True, actor="user:admin")
    # Re-enabling does not bring old sessions back.
    assert resolve_session(db, a.cookie_value) is None
    assert resolve_session(db, b.cookie_value) is None


def test_datetimes_are_aware_utc_after_a_round_trip(db: Session) -> None:
    east8 = timezone(timedelta(hours=8))
    issued = issue_token(
        db,
        dept_code="440000SW",
        name="tz",
        expires_at=datetime(2030, 1, 1, 8, 0, tzinfo=east8),
        now=T0,
    )
    db.flush()
    db.expire_all()
    stored = db.get(ApiToken, issued.id)
    assert stored is not None
    assert stored.expires_at == datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
    assert stored.expires_at is not None
    assert stored.expires_at.utcoffset() == timedelta(0)
    assert stored.created_at == T0


def test_naive_datetimes_are_refused(db: Session) -> None:
    user = make_user(db)
    user.last_login_at = datetime(2025, 1, 1)
    with pytest.raises(StatementError, match="naive datetime"):
        db.flush()
