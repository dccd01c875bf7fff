"""Page cursors: round trip, and refusal of anything this API did not issue."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entcredit.opendata.paging import CursorError, PageCursor, decode_page_cursor


@given(st.integers(1, 10**6), st.integers(1, 100))
def test_round_trip(page: int, size: int) -> None:
    cursor = PageCursor(page, size)
    assert decode_page_cursor(cursor.encode(), max_size=100) == cursor
    assert cursor.offset == (page - 1) * size


def _raw(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        _raw([1, 2]),
        _raw({"p": 1}),
        _raw({"p": 0, "n": 10}),
        _raw({"p": 1, "n": 101}),
        _raw({"p": True, "n": 10}),
        _raw({"p": "1", "n": 10}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(CursorError):
        decode_page_cursor(cursor, max_size=100)
