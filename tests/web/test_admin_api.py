from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from entcredit.audit.models import AuditEvent
from entcredit.audit.service import verify_chain
from entcredit.identity.models import ApiToken
from entcredit.store.db import unit_of_work

from .conftest import LoginFn, World


def _events(world: World) -> list[AuditEvent]:
    with unit_of_work(world.factory) as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_create_user_issue_and_revoke_token(
    client: TestClient, login: LoginFn, world: World
) -> None:
    csrf = login(client, "admin")
    h = {"X-CSRF-Token": csrf}

    created = client.post(
        "/api/v1/admin/users",
        json={
            "username": "envclerk",
            "password": "Another-Good-Pass-7",
            "roles": ["department_staff"],
            "dept_code": "440000HB",
            "display_name": "环保 李四",
        },
        headers=h,
    )
    assert created.status_code == 201, created.text
    assert created.json()["roles"] == ["department_staff"]
    assert created.json()["dept_code"] == "440000HB"

    issued = client.post(
        "/api/v1/admin/departments/440000HB/tokens", json={"name": "nightly"}, headers=h
    )
    assert issued.status_code == 201
    assert issued.headers["cache-control"] == "no-store"
    body = issued.json()
    plaintext = body["token"]
    assert plaintext.startswith("ect_")
    assert body["token_prefix"] == plaintext[4:12]

    # The new token works, and the listing never shows secrets.
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert me.json()["dept_code"] == "440000HB"
    listing = client.get("/api/v1/admin/tokens", params={"dept_code": "440000HB"}).json()
    assert plaintext not in str(listing)
    assert [t["name"] for t in listing] == ["nightly", "env feed"]
    with unit_of_work(world.factory) as s:
        stored = s.get(ApiToken, body["id"])
        assert stored is not None
        assert plaintext not in stored.token_hash

    revoked = client.delete(f"/api/v1/admin/tokens/{body['id']}", headers=h)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert me.status_code == 401

    events = _events(world)
    tail = [(e.tag, e.actor) for e in events[-3:]]
    assert tail == [
        ("user:create", "user:admin"),
        ("token:issue", "user:admin"),
        ("token:revoke", "user:admin"),
    ]
    assert plaintext not in str([e.details for e in events])
    with unit_of_work(world.factory) as s:
        assert verify_chain(s).ok


def test_admin_api_errors(client: TestClient, login: LoginFn) -> None:
    h = {"X-CSRF-Token": login(client, "admin")}
    dup = client.post(
        "/api/v1/admin/users",
        json={"username": "analyst", "password": "Good-Password-99", "roles": ["inspector"]},
        headers=h,
    )
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "duplicate_user"

    weak = client.post(
        "/api/v1/admin/users",
        json={"username": "newbie", "password": "Short1", "roles": ["inspector"]},
        headers=h,
    )
    assert weak.status_code == 422
    assert weak.json()["error"]["code"] == "weak_password"
    assert len(weak.json()["error"]["details"]) == 1

    no_dept = client.post(
        "/api/v1/admin/users",
        json={"username": "newbie", "password": "Good-Password-99", "roles": ["department_staff"]},
        headers=h,
    )
    assert no_dept.status_code == 422
    assert no_dept.json()["error"]["code"] == "invalid_roles"

    bad_role = client.post(
        "/api/v1/admin/users",
        json={"username": "newbie", "password": "Good-Password-99", "roles": ["root"]},
        headers=h,
    )
    assert bad_role.status_code == 422
    assert bad_role.json()["error"]["code"] == "validation_error"

    unknown = client.post("/api/v1/admin/departments/NOPE/tokens", json={"name": "x"}, headers=h)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_department"

    naive = client.post(
        "/api/v1/admin/departments/440000SW/tokens",
        json={"name": "x", "expires_at": "2030-01-01T00:00:00"},
        headers=h,
    )
    assert naive.status_code == 422

    missing = client.delete("/api/v1/admin/tokens/9999", headers=h)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "token_not_found"
