"""Helpers for the reader tests: writing exchange files the way departments produce them."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from entcredit.ingest.readers import RowError, RowItem, RowSource


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


def write_csv(path: Path, rows: Iterable[Sequence[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_text(rows).encode(encoding))
    return path


def write_xlsx(path: Path, rows: Iterable[Sequence[Any]], title: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def rewrite_zip(path: Path, replace: dict[str, bytes]) -> None:
    """Rewrite an archive, replacing (or adding) members, deflated at the best level."""
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    members.update(replace)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def drain(source: RowSource) -> tuple[list[tuple[int, dict[str, str | None]]], list[RowError]]:
    rows: list[tuple[int, dict[str, str | None]]] = []
    errors: list[RowError] = []
    item: RowItem
    for item in source:
        if isinstance(item, RowError):
            errors.append(item)
        else:
            rows.append(item)
    return rows, errors


class NonSeekable(io.RawIOBase):
    """A pipe-like upload stream: readable, not seekable, short reads."""

    def __init__(self, data: bytes, chunk: int = 7_001) -> None:
        super().__init__()
        self._data = data
        self._pos = 0
        self._chunk = chunk

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        n = min(len(view), self._chunk, len(self._data) - self._pos)
        view[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n
