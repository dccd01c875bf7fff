"""Per-client rate limits on the public endpoints, as pure ASGI middleware.

Three budgets (settings ``ratelimit_api``, ``ratelimit_pages``, ``ratelimit_heavy``), each a
moving window kept in memory by the ``limits`` library, counted per client IP address. The
heavy budget (PDF reports, bulk exports) is charged instead of the page or API budget: one
export costs far more than one page. Over budget: 429 with ``Retry-After``, a JSON error on
the API, a short text message on pages. The client is the peer address unless the peer is a
configured trusted proxy, in which case ``X-Forwarded-For`` is read from the right, skipping
trusted proxies (a client can prepend anything it likes, but not append).
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import time
from collections.abc import Sequence
from enum import StrEnum

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from entcredit.settings import Settings
from entcredit.web.errors import error_body

API_PREFIX = "/api/v1/public/"
_HEAVY = re.compile(r"^/(?:enterprise/[^/]+/report\.pdf$|api/v1/public/exports/)")
# Public portal pages: exact paths or anything below them.
PAGE_PATHS = ("/search", "/enterprise", "/notices", "/report/verify")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Budget(StrEnum):
    api = "api"
    pages = "pages"
    heavy = "heavy"


def classify(path: str) -> Budget | None:
    """Which budget a request path is charged to; None: not rate limited."""
    if _HEAVY.match(path):
        return Budget.heavy
    if path.startswith(API_PREFIX):
        return Budget.api
    if any(path == p or path.startswith(p + "/") for p in PAGE_PATHS):
        return Budget.pages
    return None


def parse_networks(values: Sequence[str]) -> tuple[Network, ...]:
    """``ENTCREDIT_TRUSTED_PROXIES`` entries; a malformed one fails app start-up."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's address: the peer, or, behind trusted proxies, the right-most
    ``X-Forwarded-For`` hop that is not itself a trusted proxy."""
    address = peer or "unknown"
    if not trusted or not _is_trusted(address, trusted) or not forwarded_for:
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed chain: fall back to the proxy itself
        if not _is_trusted(hop, trusted):
            return hop
        address = hop
    return address


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.enabled = settings.ratelimit_enabled
        # A malformed budget string raises here, when the app is built.
        self.items: dict[Budget, RateLimitItem] = {
            Budget.api: parse(settings.ratelimit_api),
            Budget.pages: parse(settings.ratelimit_pages),
            Budget.heavy: parse(settings.ratelimit_heavy),
        }
        self.trusted = parse_networks(settings.trusted_proxies)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        budget = classify(scope.get("path", "")) if scope["type"] == "http" else None
        if budget is None or not self.enabled:
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        # Repeated headers are one list in order (RFC 9110 5.3).
        hops = [v.decode("latin-1") for n, v in scope.get("headers", ()) if n == b"x-forwarded-for"]
        forwarded = ",".join(hops) or None
        client = client_address(peer[0] if peer else None, forwarded, self.trusted)
        item = self.items[budget]
        if self.limiter.hit(item, budget.value, client):
            await self.app(scope, receive, send)
            return
        stats = self.limiter.get_window_stats(item, budget.value, client)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        await _too_many(send, scope.get("path", ""), retry_after)


async def _too_many(send: Send, path: str, retry_after: int) -> None:
    if path.startswith(API_PREFIX):
        message = f"rate limit exceeded; retry after {retry_after} seconds"
        body = json.dumps(
            error_body("rate_limited", message, {"retry_after": retry_after})
        ).encode()
        content_type = b"application/json"
    else:
        body = (
            f"请求过于频繁，请 {retry_after} 秒后再试。\n"
            f"Too many requests: please retry in {retry_after} seconds.\n"
        ).encode()
        content_type = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
