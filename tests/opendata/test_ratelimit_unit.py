"""web.ratelimit on its own: which budget a path is charged to, who the client is, and the
429 answers, over a minimal ASGI app (no database)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from entcredit.settings import Settings
from entcredit.web.ratelimit import (
    Budget,
    RateLimitMiddleware,
    classify,
    client_address,
    parse_networks,
)


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        ("/api/v1/public/search", Budget.api),
        ("/api/v1/public/enterprises/X/records/penalty", Budget.api),
        ("/api/v1/public/exports/penalty.csv", Budget.heavy),
        ("/enterprise/91440300MA5XXXXX0X/report.pdf", Budget.heavy),
        ("/enterprise/91440300MA5XXXXX0X", Budget.pages),
        ("/enterprise/91440300MA5XXXXX0X/penalty", Budget.pages),
        ("/search", Budget.pages),
        ("/notices/abnormal", Budget.pages),
        ("/report/verify", Budget.pages),
        ("/searchx", None),
        ("/static/site.css", None),
        ("/login", None),
        ("/api/v1/me", None),
        ("/healthz", None),
    ],
)
def test_classify(path: str, budget: Budget | None) -> None:
    assert classify(path) == budget


def test_client_address_trusts_only_configured_proxies() -> None:
    proxies = parse_networks(["10.0.0.0/8", "::1"])
    # No trusted proxies: the header is ignored, whatever it says.
    assert client_address("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"
    # An untrusted peer cannot choose its address.
    assert client_address("203.0.113.9", "198.51.100.1", proxies) == "203.0.113.9"
    # Behind a trusted proxy: the right-most hop that is not a proxy, whatever was prepended.
    assert client_address("10.0.0.2", "1.2.3.4, 198.51.100.1", proxies) == "198.51.100.1"
    assert client_address("10.0.0.2", "198.51.100.1, 10.0.0.5", proxies) == "198.51.100.1"
    assert client_address("::1", "198.51.100.7", proxies) == "198.51.100.7"
    # Garbage or only proxies: the last trustworthy address.
    assert client_address("10.0.0.2", "not-an-ip", proxies) == "10.0.0.2"
    assert client_address("10.0.0.2", "10.0.0.3", proxies) == "10.0.0.3"
    assert client_address(None, None, proxies) == "unknown"


def _app(peer: str = "testclient", **overrides: object) -> TestClient:
    settings = Settings(**overrides)  # type: ignore[arg-type]
    app = FastAPI()

    @app.get("/{path:path}")
    def anything(path: str) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app.add_middleware(RateLimitMiddleware, settings=settings)
    return TestClient(app, client=(peer, 50000))


def test_budgets_are_separate_and_answer_429() -> None:
    c = _app(ratelimit_api="2/minute", ratelimit_pages="3/minute", ratelimit_heavy="1/minute")
    assert [c.get("/api/v1/public/search").status_code for _ in range(3)] == [200, 200, 429]
    # The page budget is untouched by API calls.
    assert [c.get("/search").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert [c.get("/api/v1/public/exports/p.csv").status_code for _ in range(2)] == [200, 429]
    # Unlimited paths stay open.
    assert all(c.get("/login").status_code == 200 for _ in range(10))

    api = c.get("/api/v1/public/categories")
    assert api.status_code == 429
    retry = int(api.headers["retry-after"])
    assert 1 <= retry <= 60
    assert api.json()["error"]["code"] == "rate_limited"
    assert api.json()["error"]["details"]["retry_after"] == retry
    page = c.get("/search")
    assert page.headers["content-type"].startswith("text/plain")
    assert "请求过于频繁" in page.text and "Too many requests" in page.text


def test_clients_have_their_own_budgets_behind_a_trusted_proxy() -> None:
    c = _app("10.0.0.2", ratelimit_api="1/minute", trusted_proxies=["10.0.0.0/8"])
    one = {"X-Forwarded-For": "198.51.100.1"}
    other = {"X-Forwarded-For": "198.51.100.2"}
    assert c.get("/api/v1/public/search", headers=one).status_code == 200
    assert c.get("/api/v1/public/search", headers=one).status_code == 429
    assert c.get("/api/v1/public/search", headers=other).status_code == 200
    # Repeated headers read as one list: the last hop decides, not the client's first one.
    twice = [("X-Forwarded-For", "198.51.100.3"), ("X-Forwarded-For", "198.51.100.1")]
    assert c.get("/api/v1/public/search", headers=twice).status_code == 429
    # Without trusted proxies the same requests share the proxy's one budget.
    c = _app("10.0.0.2", ratelimit_api="1/minute")
    assert c.get("/api/v1/public/search", headers=one).status_code == 200
    assert c.get("/api/v1/public/search", headers=other).status_code == 429


def test_disabled_and_malformed_settings() -> None:
    c = _app(ratelimit_enabled=False, ratelimit_api="1/minute")
    assert all(c.get("/api/v1/public/search").status_code == 200 for _ in range(5))
    with pytest.raises(ValueError, match="lots"):
        _app(ratelimit_api="lots").get("/")
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        _app(trusted_proxies=["10.0.0.0/33"]).get("/")
