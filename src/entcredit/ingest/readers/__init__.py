"""Streaming readers for exchange files: CSV (UTF-8 / GBK / GB18030), XLSX and JSONL.

Every reader turns a file into ``(row_no, {header: cell})`` pairs, lazily, without holding the
file in memory. Cells are ``str`` (trimmed) or ``None`` (empty). A physically malformed row
becomes a :class:`RowError` and reading goes on; a problem with the file as a whole raises
:class:`SourceError` (at open, or during iteration when it is only discovered there: a row
limit crossed, an encoding that breaks half-way, a damaged archive).

Row numbers are the ones a person sees when they open the file:

* CSV: the physical line where the record starts (header on its line, normally 1, so the
  first data row is 2). A quoted cell that spans lines makes the record span lines; the next
  record's number is the line after it. This is ``csv.reader.line_num`` bookkeeping.
* XLSX: the worksheet row number (header normally row 1).
* JSONL: the 1-based line number.

Blank lines / rows (every cell empty) are skipped: they advance the numbering but are not data
rows and are not counted in ``rows_read``.

Cell cleaning: ``str.strip()``, i.e. all Unicode whitespace (ASCII whitespace, U+3000
ideographic space, NBSP, ...) at either end, then ``""`` -> ``None``. This is a superset of
``core.text.clean`` (ASCII + U+3000); the extra characters are never meaningful at the edge
of a cell, and the no-argument ``strip`` is the fastest one (the CSV loop is hot).

Modules: :mod:`.common` (limits, errors, :class:`RowSource`), :mod:`.csv_reader`,
:mod:`.xlsx`, :mod:`.jsonl`; the entry points live here.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Final

from entcredit.ingest.readers.common import (
    CHUNK,
    Format,
    LimitedReader,
    ReadLimits,
    RowError,
    RowItem,
    RowSource,
    SourceError,
    detect_format,
    resolve_format,
    size_error,
)
from entcredit.ingest.readers.csv_reader import CsvSource
from entcredit.ingest.readers.jsonl import JsonlSource
from entcredit.ingest.readers.xlsx import XlsxSource

__all__ = [
    "ReadLimits",
    "RowError",
    "RowItem",
    "RowSource",
    "SourceError",
    "detect_format",
    "open_source",
    "open_stream",
]

# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------

_DEFAULT_LIMITS: Final = ReadLimits()


def open_source(
    path: Path, limits: ReadLimits = _DEFAULT_LIMITS, *, fmt: str | None = None
) -> RowSource:
    """Open ``path`` (format from its extension unless ``fmt``); the size is checked first."""
    path = Path(path)
    name = path.name
    kind = resolve_format(name, fmt)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise SourceError(f"{name}: not a regular file")
        if limits.max_bytes is not None and size > limits.max_bytes:
            raise size_error(name, limits.max_bytes)
        fileobj = path.open("rb")
    except OSError as exc:
        raise SourceError(f"{name}: cannot open the file: {exc.strerror or exc}") from None
    return _build(fileobj, name, limits, kind, owned=True)


def open_stream(
    stream: BinaryIO, name: str, limits: ReadLimits, *, fmt: str | None = None
) -> RowSource:
    """Open an upload. ``name`` (the client's file name) gives the format unless ``fmt``.

    The stream is read from its current position (XLSX: from the start; a non-seekable XLSX
    stream is first spooled to a temporary file). The size limit is enforced while reading.
    The caller keeps ownership of ``stream``: closing the source does not close it.
    """
    kind = resolve_format(name, fmt)
    if kind != "xlsx":
        return _build(stream, name, limits, kind, owned=False)
    if stream.seekable():
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if limits.max_bytes is not None and size > limits.max_bytes:
            raise size_error(name, limits.max_bytes)
        return _build(stream, name, limits, kind, owned=False)
    spool: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the RowSource
    try:
        limited = LimitedReader(stream, name, limits.max_bytes)
        while chunk := limited.read_chunk(CHUNK):
            spool.write(chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return _build(spool, name, limits, kind, owned=True)


def _build(
    fileobj: BinaryIO, name: str, limits: ReadLimits, kind: Format, *, owned: bool
) -> RowSource:
    try:
        source: RowSource
        if kind == "csv":
            source = CsvSource(fileobj, name, limits)
        elif kind == "xlsx":
            source = XlsxSource(fileobj, name, limits)
        else:
            source = JsonlSource(fileobj, name, limits)
    except BaseException:
        if owned:
            fileobj.close()
        raise
    if owned:
        source._closers.insert(0, fileobj)
    return source
