"""Pure parts of search: folding text to index keys, reading a query, the opaque cursor."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

import orjson

from entcredit.core.text import to_halfwidth

# Longest query after folding, in characters: a full name is rarely longer than 40.
MAX_QUERY_CHARS = 60
# Longest cursor token accepted (a cursor this module writes is well under 200).
MAX_CURSOR_CHARS = 512
# Longest index key: the length of enterprises.name.
MAX_KEY_CHARS = 300

# Tiers, best first. A hit belongs to its best tier only.
CODE, EXACT, PREFIX, SUBSTRING, LEGAL_REP = range(5)
TIERS = (CODE, EXACT, PREFIX, SUBSTRING, LEGAL_REP)

_DROP = re.compile(r"[\s\x00-\x1f\x7f]+")
_CODE = re.compile(r"[0-9A-Z]{18}|[0-9]{15}")
_CURSOR_VERSION = 1


class QueryError(ValueError):
    """A query or cursor the search cannot take; the message is bilingual (zh, then en)."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} ({en})")
        self.code, self.zh, self.en = code, zh, en


def fold(text: str) -> str:
    """The form names and queries are compared in: half-width, no whitespace or control
    characters, upper case (Latin letters in names and codes match in any case)."""
    return _DROP.sub("", to_halfwidth(text)).upper()[:MAX_KEY_CHARS]


def normalise_query(raw: str) -> str:
    if len(raw) > 4 * MAX_QUERY_CHARS:  # bound the work of folding too
        raise _too_long()
    q = fold(raw)
    if not q:
        raise QueryError("query_empty", "请输入查询内容", "the query is empty")
    if len(q) > MAX_QUERY_CHARS:
        raise _too_long()
    try:
        q.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates, which no database column can hold
        raise QueryError("query_invalid", "查询内容含无效字符", "invalid characters") from exc
    return q


def _too_long() -> QueryError:
    return QueryError(
        "query_too_long",
        f"查询内容不能超过 {MAX_QUERY_CHARS} 个字",
        f"the query is longer than {MAX_QUERY_CHARS} characters",
    )


def looks_like_code(q: str) -> bool:
    """A USCC (18 characters) or a legacy registration number (15 digits)."""
    return _CODE.fullmatch(q) is not None


def prefix_end(q: str) -> str:
    """The smallest string greater than every string that starts with ``q`` (code-point
    order), so ``q <= key < prefix_end(q)`` is the prefix range of an index."""
    last = ord(q[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates cannot be stored; none sorts between
        last = 0xE000
    if last > 0x10FFFF:
        return prefix_end(q[:-1]) if len(q) > 1 else "\U0010ffff" * 2
    return q[:-1] + chr(last)


def bigrams(q: str) -> list[str]:
    """The distinct 2-character grams of ``q`` in order of first appearance."""
    return list(dict.fromkeys(q[i : i + 2] for i in range(len(q) - 1)))


def inner_grams(key: str) -> set[str]:
    """The 1- and 2-character grams starting at the second character or later."""
    out = set(key[1:])
    out.update(key[i : i + 2] for i in range(1, len(key) - 1))
    return out


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: after ``after`` in ``tier`` (an enterprise id, or
    ``(key, id)`` in the prefix tier), with the first page's total carried along."""

    tier: int
    after: tuple[str, int] | int
    total: int
    lower_bound: bool


def encode_cursor(q: str, c: Cursor) -> str:
    after = list(c.after) if isinstance(c.after, tuple) else c.after
    body = orjson.dumps([_CURSOR_VERSION, c.tier, after, c.total, c.lower_bound])
    return base64.urlsafe_b64encode(_digest(q, body) + body).decode().rstrip("=")


def decode_cursor(q: str, token: str) -> Cursor:
    """The cursor, or QueryError when it was not made by ``encode_cursor`` for this query
    (a check against corruption and reuse across queries, not a secret: any position a
    forged cursor could name is one a client may page to anyway)."""
    try:
        if len(token) > MAX_CURSOR_CHARS:
            raise ValueError(token)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        digest, body = raw[:8], raw[8:]
        if digest != _digest(q, body):
            raise ValueError(token)
        version, tier, after, total, lower = orjson.loads(body)
        cursor = Cursor(tier, _after(tier, after), total, lower)
        if version != _CURSOR_VERSION or tier not in TIERS:
            raise ValueError(token)
        if type(total) is not int or type(lower) is not bool or total < 0:
            raise ValueError(token)
        return cursor
    except (binascii.Error, ValueError, TypeError) as exc:
        raise QueryError(
            "cursor_invalid", "翻页参数无效，请重新查询", "invalid cursor: search again"
        ) from exc


def _after(tier: int, after: object) -> tuple[str, int] | int:
    if tier == PREFIX and isinstance(after, list) and len(after) == 2:
        key, eid = after
        if isinstance(key, str) and type(eid) is int:
            return key, eid
    if tier != PREFIX and type(after) is int:
        return after
    raise ValueError(after)


def _digest(q: str, body: bytes) -> bytes:
    return hashlib.blake2b(q.encode() + b"\0" + body, digest_size=8).digest()
