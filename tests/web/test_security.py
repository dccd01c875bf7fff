"""Security headers, body size limit, offline assets, docs, i18n."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

import entcredit.web
from entcredit.web.i18n import LANG_COOKIE, MESSAGES

from .conftest import World

WEB_DIR = Path(entcredit.web.__file__).parent


def test_security_headers_on_every_kind_of_response(client: TestClient) -> None:
    for path in ("/", "/healthz", "/static/style.css", "/no-such-page", "/api/v1/admin/users"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in headers


def test_hsts_in_production(world: World, tmp_path: Path) -> None:
    from entcredit.web.app import create_app

    from .conftest import make_settings

    settings = make_settings(tmp_path, env="production", secret_key="k" * 40, pii_hash_key="p" * 40)
    with TestClient(create_app(settings, engine=world.engine)) as c:
        assert c.get("/healthz").headers["strict-transport-security"].startswith("max-age=")


def test_oversize_body_rejected_from_content_length(client: TestClient) -> None:
    response = client.post(
        "/api/v1/admin/users",
        content=b"x" * (64 * 1024 + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert "65536" in error["message"]


def test_oversize_streamed_body_rejected_while_counting(client: TestClient) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(100):
            sent += 8192
            yield b"x" * 8192

    response = client.post(
        "/api/v1/admin/users", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_body_under_the_limit_passes(client: TestClient) -> None:
    response = client.post("/api/v1/admin/users", json={"username": "x"})
    assert response.status_code in (401, 422)


def test_errors_have_one_shape(client: TestClient) -> None:
    assert client.get("/no-such-page").json() == {
        "error": {"code": "not_found", "message": "Not Found"}
    }
    assert client.put("/healthz").json()["error"]["code"] == "method_not_allowed"


def test_static_css_served_by_the_app(client: TestClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


def test_no_external_assets_in_templates_or_pages(client: TestClient) -> None:
    external = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""", re.IGNORECASE)
    for template in (WEB_DIR / "templates").glob("*.html"):
        assert not external.search(template.read_text("utf-8")), template.name
    for path in ("/", "/login", "/api/docs"):
        page = client.get(path)
        assert page.status_code == 200
        assert not external.search(page.text), path
        assert "cdn" not in page.text.lower()


def test_api_docs_and_openapi_are_local_and_public(client: TestClient) -> None:
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "/api/v1/admin/departments/{dept_code}/tokens" in paths
    assert "/login" not in paths
    docs = client.get("/api/docs")
    assert "/api/v1/admin/tokens/{token_id}" in docs.text
    assert "roles:regulator_admin" in docs.text
    # FastAPI's CDN-backed pages are off.
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_landing_page_is_chinese_by_default_with_english_switch(client: TestClient) -> None:
    page = client.get("/")
    assert "企业信用信息归集公示平台" in page.text
    assert '<html lang="zh-CN">' in page.text
    english = client.get("/?lang=en")
    assert "Enterprise Credit Information Platform" in english.text
    assert client.cookies.get(LANG_COOKIE) == "en"
    # Remembered by the cookie on the next page.
    assert "Sign in" in client.get("/login").text
    assert "登录" in client.get("/login?lang=zh").text


def test_templates_escape_user_data(client: TestClient) -> None:
    page = client.get("/login", params={"next": '/x"><script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in page.text


def test_i18n_tables_have_the_same_keys() -> None:
    assert set(MESSAGES["zh"]) == set(MESSAGES["en"])


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
