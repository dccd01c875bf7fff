"""Opaque cursors of the open API.

H2's portal functions page by number; the API hides that behind a cursor carrying the next
page and its page size, so a client that changes ``limit`` halfway cannot skip or repeat
items (the cursor's size wins). Search cursors come from the search service and pass through.
A cursor is not a secret: tampering only selects another page, bounded by ``max_offset``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass


class CursorError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PageCursor:
    page: int
    size: int

    def encode(self) -> str:
        raw = json.dumps({"p": self.page, "n": self.size}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def decode_page_cursor(cursor: str, *, max_size: int) -> PageCursor:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        page, size = data["p"], data["n"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise CursorError("cursor is not one this API issued") from exc
    if not (type(page) is int and type(size) is int and page >= 1 and 1 <= size <= max_size):
        raise CursorError("cursor is not one this API issued")
    return PageCursor(page, size)
