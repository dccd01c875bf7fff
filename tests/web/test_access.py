"""Role checks, bearer tokens, CSRF and department scoping."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from entcredit.audit.models import utcnow
from entcredit.identity.rules import Principal, Role
from entcredit.identity.service import issue_token, revoke_token
from entcredit.store.db import unit_of_work
from entcredit.web.app import create_app
from entcredit.web.deps import require_department_access, require_roles

from .conftest import LoginFn, World

# A test-only router, standing in for a feature (ingest) that acts for a department.
dept_router = APIRouter(prefix="/test/departments/{dept_code}")
DeptWriter = Annotated[
    Principal, Depends(require_roles(Role.department_staff, Role.regulator_admin))
]


@dept_router.post("/things")
def post_thing(dept_code: str, principal: DeptWriter) -> dict[str, str | None]:
    require_department_access(principal, dept_code)
    return {"dept_code": dept_code, "actor": principal.actor}


@pytest.fixture
def dclient(world: World) -> TestClient:
    app = create_app(world.settings, engine=world.engine, extra_routers=[dept_router])
    return TestClient(app)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_credentials_is_401_with_json_error(client: TestClient) -> None:
    response = client.get("/api/v1/admin/users")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "authentication required"}
    }
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_role_is_403(client: TestClient, login: LoginFn) -> None:
    login(client, "analyst")
    response = client.get("/api/v1/admin/users")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "regulator_admin" in response.json()["error"]["message"]


def test_department_token_is_not_an_admin(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/admin/users", headers=bearer(world.token_a))
    assert response.status_code == 403


def test_bearer_token_accepted(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/me", headers=bearer(world.token_a))
    assert response.status_code == 200
    assert response.json()["kind"] == "department_token"
    assert response.json()["dept_code"] == "440000SW"


def test_revoked_and_unknown_tokens_rejected(client: TestClient, world: World) -> None:
    with unit_of_work(world.factory) as s:
        revoke_token(s, world.token_a_id, actor="user:admin")
    for token in (world.token_a, "ect_" + "x" * 43, "not-a-token"):
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 401
        assert "invalid, expired or revoked" in response.json()["error"]["message"]
    response = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]["message"]


def test_expired_token_rejected(client: TestClient, world: World) -> None:
    with unit_of_work(world.factory) as s:
        issued = issue_token(
            s,
            dept_code="440000SW",
            name="short",
            expires_at=utcnow() - timedelta(minutes=1),
            now=utcnow() - timedelta(minutes=5),
        )
    assert client.get("/api/v1/me", headers=bearer(issued.plaintext)).status_code == 401


def test_csrf_required_for_cookie_sessions(client: TestClient, login: LoginFn) -> None:
    csrf = login(client, "admin")
    body = {"name": "feed"}
    url = "/api/v1/admin/departments/440000SW/tokens"
    missing = client.post(url, json=body)
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "csrf_failed"
    wrong = client.post(url, json=body, headers={"X-CSRF-Token": csrf[:-1] + "x"})
    assert wrong.status_code == 403
    ok = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    # The form field works as well (HTML forms).
    out = client.post("/logout", data={"csrf_token": "nope"}, follow_redirects=False)
    assert out.status_code == 403
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303


def test_bearer_requests_are_exempt_from_csrf(dclient: TestClient, world: World) -> None:
    response = dclient.post("/test/departments/440000SW/things", headers=bearer(world.token_a))
    assert response.status_code == 200
    assert response.json() == {"dept_code": "440000SW", "actor": "dept:440000SW"}


def test_department_token_cannot_act_for_another_department(
    dclient: TestClient, world: World
) -> None:
    response = dclient.post("/test/departments/440000HB/things", headers=bearer(world.token_a))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "department_forbidden"
    response = dclient.post("/test/departments/440000HB/things", headers=bearer(world.token_b))
    assert response.status_code == 200


def test_department_staff_only_own_department_regulator_any(
    dclient: TestClient, login: LoginFn
) -> None:
    csrf = login(dclient, "taxclerk")
    headers = {"X-CSRF-Token": csrf}
    assert dclient.post("/test/departments/440000SW/things", headers=headers).status_code == 200
    assert dclient.post("/test/departments/440000HB/things", headers=headers).status_code == 403
    dclient.cookies.clear()
    csrf = login(dclient, "admin")
    headers = {"X-CSRF-Token": csrf}
    assert dclient.post("/test/departments/440000HB/things", headers=headers).status_code == 200


def test_inspector_is_refused_by_role(dclient: TestClient, login: LoginFn) -> None:
    csrf = login(dclient, "inspector")
    response = dclient.post("/test/departments/440000SW/things", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_safe_requests_do_not_write_last_used(dclient: TestClient, world: World) -> None:
    from entcredit.identity.models import ApiToken

    def last_used() -> object:
        with unit_of_work(world.factory) as s:
            token = s.get(ApiToken, world.token_a_id)
            assert token is not None
            return token.last_used_at

    assert dclient.get("/api/v1/me", headers=bearer(world.token_a)).status_code == 200
    assert last_used() is None
    dclient.post("/test/departments/440000SW/things", headers=bearer(world.token_a))
    assert last_used() is not None
