from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from entcredit.audit.models import AuditEvent
from entcredit.identity.service import set_user_active
from entcredit.store.db import unit_of_work
from entcredit.web.app import create_app
from entcredit.web.deps import SESSION_COOKIE

from .conftest import PASSWORD, LoginFn, World, make_settings


def _tags(world: World) -> list[str]:
    with unit_of_work(world.factory) as s:
        return list(s.scalars(select(AuditEvent.tag).order_by(AuditEvent.id)))


def _me_with_cookie(client: TestClient, cookie: str | None) -> int:
    assert cookie
    fresh = TestClient(client.app)
    response = fresh.get("/api/v1/me", headers={"cookie": f"{SESSION_COOKIE}={cookie}"})
    return int(response.status_code)


def _login_csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def test_login_me_logout(client: TestClient, login: LoginFn, world: World) -> None:
    assert client.get("/me", headers={"accept": "application/json"}).status_code == 401
    csrf = login(client, "taxclerk")
    me = client.get("/me")
    assert "taxclerk" in me.text
    assert "广东省税务局" in me.text
    assert "taxclerk 测试" in me.text
    assert "部门工作人员" in me.text
    assert client.get("/api/v1/me").json() == {
        "kind": "staff",
        "username": "taxclerk",
        "dept_code": "440000SW",
        "dept_name": "广东省税务局",
        "roles": ["department_staff"],
    }
    old_cookie = client.cookies.get(SESSION_COOKIE)
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/"
    assert client.cookies.get(SESSION_COOKIE) is None
    # The server-side session is gone: replaying the old cookie does not work.
    assert _me_with_cookie(client, old_cookie) == 401
    tags = _tags(world)
    assert "user:login" in tags
    assert tags[-1] == "user:logout"


def test_session_cookie_flags_in_development(client: TestClient, login: LoginFn) -> None:
    csrf = _login_csrf(client)
    response = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_secure_outside_development(tmp_path, world: World) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, env="test", secret_key="s" * 40, pii_hash_key="p" * 40)
    app = create_app(settings, engine=world.engine)
    with TestClient(app, base_url="https://testserver") as client:
        csrf = _login_csrf(client)
        response = client.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 303
        cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
        session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE))
        assert "Secure" in session_cookie
        assert "HttpOnly" in session_cookie
        assert client.get("/api/v1/me").json()["username"] == "admin"


def test_wrong_password_and_unknown_user(client: TestClient, world: World) -> None:
    for username in ("admin", "nobody"):
        csrf = _login_csrf(client)
        response = client.post(
            "/login",
            data={"username": username, "password": "Wrong-password-1", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text
        assert SESSION_COOKIE not in response.cookies
    assert _tags(world).count("user:login_failed") == 2


def test_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


def test_login_redirects_only_to_local_paths(client: TestClient) -> None:
    for next_url, expected in (
        ("/api/docs", "/api/docs"),
        ("//evil.example/", "/me"),
        ("https://evil.example/", "/me"),
        ("/\\evil.example", "/me"),
    ):
        client.cookies.clear()
        csrf = _login_csrf(client)
        response = client.post(
            "/login",
            data={
                "username": "admin",
                "password": PASSWORD,
                "csrf_token": csrf,
                "next": next_url,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_browser_get_of_protected_page_redirects_to_login(client: TestClient) -> None:
    response = client.get("/me", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fme"


def test_disabling_an_account_ends_its_sessions_at_once(
    client: TestClient, login: LoginFn, world: World
) -> None:
    login(client, "analyst")
    assert client.get("/api/v1/me").status_code == 200
    with unit_of_work(world.factory) as s:
        set_user_active(s, username="analyst", active=False, actor="user:admin")
    assert client.get("/api/v1/me").status_code == 401


def test_login_rotates_the_session(client: TestClient, login: LoginFn) -> None:
    login(client, "analyst")
    first = client.cookies.get(SESSION_COOKIE)
    login(client, "analyst")
    second = client.cookies.get(SESSION_COOKIE)
    assert first != second
    assert _me_with_cookie(client, first) == 401
    assert _me_with_cookie(client, second) == 200


def test_repeated_failures_lock_the_sign_in_page(world: World) -> None:
    from entcredit.web.app import create_app
    from tests.web.conftest import PASSWORD

    settings = world.settings.model_copy(update={"login_max_failures": 2})
    with TestClient(create_app(settings, engine=world.engine)) as client:
        for password in ("Wrong-password-1", "Wrong-password-2", PASSWORD):
            csrf = _login_csrf(client)
            response = client.post(
                "/login",
                data={"username": "admin", "password": password, "csrf_token": csrf},
                follow_redirects=False,
            )
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        assert "登录失败次数过多" in response.text
        assert SESSION_COOKIE not in response.cookies
    assert _tags(world)[-1] == "user:login_locked"
