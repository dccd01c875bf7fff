"""Enterprise self-service sign-in: credentials, lockout, sessions, CSRF, separation from
staff sessions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from entcredit.audit.models import AuditEvent
from entcredit.repair.models import EnterpriseSession
from entcredit.web.app import create_app
from tests.ingest.factories import person_id, uscc
from tests.repair.conftest import (
    RepairWorld,
    apply_form,
    enterprise_csrf,
    enterprise_login,
    repair_settings,
)
from tests.web.conftest import _login as staff_login

# Web-only behaviour: SQLite suffices (the store paths run on both dialects elsewhere here).
SQLITE_ONLY = pytest.mark.parametrize("db_kind", ["sqlite"])


def _tags(world: RepairWorld, subject: str) -> list[str]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(AuditEvent.tag)
                .where(AuditEvent.subject_id == subject)
                .order_by(AuditEvent.id)
            )
        )


def test_sign_in_and_out(rworld: RepairWorld, rclient: TestClient) -> None:
    assert rclient.get("/self-service", follow_redirects=False).status_code == 303
    page = rclient.get("/self-service/login")
    login_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in login_cookie and "SameSite=lax" in login_cookie
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = rclient.post(
        "/self-service/login",
        data={
            "uscc": uscc(1).lower(),  # typed in lower case: still the same code
            "legal_rep": " 张 1 ",
            "legal_rep_id": person_id(1).lower(),
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/self-service"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("entcredit_enterprise=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    home = rclient.get("/self-service")
    assert home.status_code == 200 and "深圳市测试1有限公司" in home.text
    assert person_id(1) not in home.text

    # Sign-out needs the session's CSRF token, then ends the session server-side.
    token = enterprise_csrf(rclient)
    assert rclient.post("/self-service/logout", data={}).status_code == 403
    out = rclient.post("/self-service/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    with rworld.factory() as s:
        assert all(r.revoked_at is not None for r in s.scalars(select(EnterpriseSession)))
    assert _tags(rworld, uscc(1))[-2:] == ["enterprise:login", "enterprise:logout"]


@SQLITE_ONLY
def test_wrong_credentials_fail(rworld: RepairWorld, rclient: TestClient) -> None:
    assert enterprise_login(rclient, 1, id_number=person_id(2)) == 401
    assert enterprise_login(rclient, 1, name="李四") == 401
    assert enterprise_login(rclient, 1, id_number="") == 401
    assert rclient.get("/self-service", follow_redirects=False).status_code == 303
    assert _tags(rworld, uscc(1)) == ["enterprise:login_failed"] * 3
    # A matching person of another enterprise is not this enterprise's representative.
    assert enterprise_login(rclient, 2, name="张1", id_number=person_id(1)) == 401


def test_lockout_after_repeated_failures(rworld: RepairWorld, rclient: TestClient) -> None:
    for _ in range(rworld.settings.login_max_failures):
        assert enterprise_login(rclient, 1, id_number=person_id(7)) == 401
    page = rclient.get("/self-service/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    locked = rclient.post(
        "/self-service/login",
        data={
            "uscc": uscc(1),
            "legal_rep": "张1",
            "legal_rep_id": person_id(1),
            "csrf_token": csrf,
        },
    )
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "enterprise:login_locked" in _tags(rworld, uscc(1))
    # Another enterprise is not affected.
    assert enterprise_login(rclient, 2) == 303


@SQLITE_ONLY
def test_deregistered_enterprise_cannot_sign_in(rclient: TestClient) -> None:
    assert enterprise_login(rclient, 3) == 403
    assert rclient.get("/self-service", follow_redirects=False).status_code == 303


@SQLITE_ONLY
def test_login_form_needs_its_csrf_token(rclient: TestClient) -> None:
    response = rclient.post(
        "/self-service/login",
        data={"uscc": uscc(1), "legal_rep": "张1", "legal_rep_id": person_id(1)},
        follow_redirects=False,
    )
    assert response.status_code == 403


@SQLITE_ONLY
def test_repair_post_needs_csrf(rworld: RepairWorld, rclient: TestClient) -> None:
    assert enterprise_login(rclient, 1) == 303
    data = apply_form("penalty", rworld.penalty["ok"], "wrong-token")
    assert rclient.post("/self-service/repair", data=data).status_code == 403
    del data["csrf_token"]
    assert rclient.post("/self-service/repair", data=data).status_code == 403


@SQLITE_ONLY
def test_sessions_are_separate(rworld: RepairWorld, rclient: TestClient) -> None:
    # A staff session is not an enterprise session ...
    staff_login(rclient, "officer_a")
    assert rclient.get("/self-service", follow_redirects=False).status_code == 303
    rclient.cookies.clear()
    # ... and an enterprise session does not open the review pages.
    assert enterprise_login(rclient, 1) == 303
    assert rclient.get("/repair/reviews", headers={"accept": "application/json"}).status_code == 401


@SQLITE_ONLY
def test_cookies_are_secure_outside_development(rworld: RepairWorld) -> None:
    settings = repair_settings(
        rworld.settings.effective_database_url, rworld.settings.data_dir, "test"
    )
    app = create_app(settings, engine=rworld.engine)
    with TestClient(app, base_url="https://testserver") as client:
        assert enterprise_login(client, 1) == 303
        cookie = client.cookies.jar
        assert [c.secure for c in cookie if c.name == "entcredit_enterprise"] == [True]
