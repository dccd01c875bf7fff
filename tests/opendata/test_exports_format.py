"""The export writers on their own: formula neutralisation, CSV round trip, JSONL, chunking."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st
from pydantic import JsonValue

from entcredit.opendata.exports import (
    BOM,
    CHUNK_CHARS,
    FORMULA_PREFIXES,
    csv_cell,
    csv_chunks,
    jsonl_chunks,
    neutralise,
)

COLUMNS = [("a", "甲"), ("b", "乙")]


def read_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_owasp_payloads_are_neutralised() -> None:
    for payload in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0", "＝1"):
        assert neutralise(payload) == "'" + payload
    for safe in ("", "1", "abc", "深圳市测试", "a=b", " =1", "'=1"):
        assert neutralise(safe) == safe


@given(st.text())
def test_no_cell_can_start_a_formula(text: str) -> None:
    cell = neutralise(text)
    assert cell[:1] not in FORMULA_PREFIXES
    assert cell in (text, "'" + text)  # only ever prefixed, never otherwise changed


def test_cell_values() -> None:
    assert csv_cell(None) == ""
    assert csv_cell(True) == "true"
    assert csv_cell(["fine", "criticism"]) == "fine;criticism"
    assert csv_cell(["-x"]) == "'-x"
    assert csv_cell(1.5) == "1.5"
    assert csv_cell(-3) == "'-3"


@given(st.lists(st.tuples(st.text(), st.text()), max_size=20))
def test_csv_round_trips_except_the_apostrophe(rows: list[tuple[str, str]]) -> None:
    data = b"".join(csv_chunks(COLUMNS, [{"a": a, "b": b} for a, b in rows]))
    got = read_csv(data)
    assert got[0] == ["甲", "乙"]
    assert got[1:] == [[neutralise(a), neutralise(b)] for a, b in rows]


def test_csv_streams_in_chunks_and_fills_missing_keys() -> None:
    rows = ({"a": "x" * 100} for _ in range(2000))
    chunks = list(csv_chunks(COLUMNS, rows))
    assert len(chunks) > 2
    assert all(len(c) < 2 * CHUNK_CHARS for c in chunks)
    got = read_csv(b"".join(chunks))
    assert len(got) == 2001 and got[1] == ["x" * 100, ""]


def test_jsonl_lines_parse_back() -> None:
    row: dict[str, JsonValue] = {"a": "第一行\n第二行\u2028", "b": ["fine"], "n": None}
    rows = [row] * 3000
    chunks = list(jsonl_chunks(rows))
    assert len(chunks) > 1
    # JSON Lines split on LF only: U+2028 and friends stay inside a value.
    lines = b"".join(chunks).decode("utf-8").split("\n")
    assert lines[-1] == ""
    assert [json.loads(line) for line in lines[:-1]] == rows
    assert list(jsonl_chunks([])) == []
