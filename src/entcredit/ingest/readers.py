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

CSV encoding is detected while streaming (see :class:`_CsvBytes`): UTF-8 BOM ->
``utf-8-sig``; UTF-16/32 BOM -> refused; otherwise the first window of ~1 MiB that contains a
non-ASCII byte decides: valid UTF-8 -> ``utf-8``, else valid GB18030 -> ``gb18030``, else the
file is refused. Until a non-ASCII byte is seen the text is ASCII, identical in every
candidate, so a GBK file whose first megabytes are ASCII is still detected right. GBK files
are reported as ``gb18030``: GB18030 is a superset and decodes every valid GBK byte sequence to
the same characters as Python's ``gbk`` codec (checked exhaustively over the two-byte range).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
import os
import struct
import tempfile
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Final, Literal, Protocol, Self

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

    from entcredit.settings import Settings

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

Format = Literal["csv", "xlsx", "jsonl"]

SNIFF_BYTES: Final = 1024 * 1024
_CHUNK: Final = 64 * 1024
MAX_ZIP_MEMBERS: Final = 10_000
# Members that inflate to less than this are never a bomb, whatever their ratio: small,
# repetitive XML parts (styles, empty formatted ranges) legitimately compress very well.
_RATIO_FLOOR: Final = 1024 * 1024
_JSONL_LOOKAHEAD: Final = 1000  # lines read at open while looking for the first object
_UTF16_32_BOMS: Final = (
    codecs.BOM_UTF32_LE,  # before UTF-16 LE: it starts with the same two bytes
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
_HIGH_BYTES: Final = bytes(range(0x80, 0x100))
_UTF16_MESSAGE: Final = "UTF-16 is not part of the standard; save as UTF-8 or GBK"


@dataclass(frozen=True, slots=True)
class ReadLimits:
    max_bytes: int | None = None  # file size
    max_rows: int | None = None  # data rows (RowErrors included)
    max_xlsx_uncompressed_bytes: int = 2 * 1024**3
    max_xlsx_compression_ratio: int = 200
    max_field_chars: int = 100_000  # a single cell

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadLimits:
        return cls(
            max_bytes=settings.max_upload_bytes,
            max_rows=settings.max_batch_rows,
            max_xlsx_uncompressed_bytes=settings.max_xlsx_uncompressed_bytes,
            max_xlsx_compression_ratio=settings.max_xlsx_compression_ratio,
        )


@dataclass(frozen=True, slots=True)
class RowError:
    row_no: int
    reason: str


class SourceError(ValueError):
    """The file as a whole cannot be read; the message names the file and the reason."""


RowItem = tuple[int, dict[str, str | None]] | RowError

_EXTENSIONS: Final[dict[str, Format]] = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def detect_format(path: Path) -> Format:
    suffix = path.suffix.lower()
    fmt = _EXTENSIONS.get(suffix)
    if fmt is not None:
        return fmt
    if suffix in (".xls", ".et", ".xlsm", ".xlsb"):
        raise SourceError(f"{path.name}: '{suffix}' workbooks are not supported; save as .xlsx")
    raise SourceError(
        f"{path.name}: unsupported file type '{suffix or '(none)'}'; "
        "expected .csv, .xlsx or .jsonl (.ndjson)"
    )


def _resolve_format(name: str, fmt: str | None) -> Format:
    if fmt is None:
        return detect_format(Path(name))
    for known in ("csv", "xlsx", "jsonl"):
        if fmt == known:
            return known
    raise SourceError(f"{name}: unknown format '{fmt}'; expected csv, xlsx or jsonl")


def _clean_header(value: str) -> str:
    return value.replace("\ufeff", "").strip()


# --------------------------------------------------------------------------------------------
# RowSource
# --------------------------------------------------------------------------------------------


class _Closable(Protocol):
    def close(self) -> None: ...


class RowSource(ABC):
    """An open exchange file. Use as a context manager; iterate once.

    ``format``: ``csv`` | ``xlsx`` | ``jsonl``. ``name``: the file name used in messages.
    ``headers``: cleaned header cells (BOM and edge whitespace removed, trailing empty header
    cells of CSV/XLSX dropped); for JSONL the keys of the first object, extended in order of
    appearance by later accepted objects. Every yielded dict has every header known so far as
    a key. ``rows_read``: data rows yielded so far, ``RowError`` included (blank rows not).
    ``encoding``: CSV: ``utf-8-sig`` | ``utf-8`` | ``gb18030``, or ``None`` while only ASCII
    has been read (final once iteration ends; a pure-ASCII file reports ``utf-8``); JSONL:
    ``utf-8`` / ``utf-8-sig``; XLSX: ``None``.
    """

    format: str
    name: str
    headers: list[str]
    rows_read: int

    def __init__(self, name: str, fmt: Format, limits: ReadLimits) -> None:
        self.name = name
        self.format = fmt
        self.headers = []
        self.rows_read = 0
        self._limits = limits
        self._max_rows = limits.max_rows
        self._iterated = False
        self._closers: list[_Closable] = []

    @property
    def encoding(self) -> str | None:
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        while self._closers:
            self._closers.pop().close()

    def __iter__(self) -> Iterator[RowItem]:
        if self._iterated:
            raise RuntimeError(f"{self.name}: a RowSource can be iterated only once")
        self._iterated = True
        return self._rows()

    @abstractmethod
    def _rows(self) -> Iterator[RowItem]: ...

    def _too_many_rows(self, row_no: int) -> SourceError:
        return SourceError(
            f"{self.name}: more than {self._max_rows:,} data rows (row {row_no} crosses the "
            "limit); the batch is refused: split the file"
        )

    def _check_header(self, cells: list[str]) -> list[str]:
        """Drop trailing empty header cells (Excel leaves them); refuse gaps and repeats."""
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            raise SourceError(f"{self.name}: the header row is empty")
        seen: dict[str, int] = {}
        for i, cell in enumerate(cells, start=1):
            if not cell:
                raise SourceError(f"{self.name}: the header of column {i} is empty")
            if cell in seen:
                raise SourceError(
                    f"{self.name}: header '{cell}' appears twice (columns {seen[cell]} and {i})"
                )
            seen[cell] = i
        return cells


# --------------------------------------------------------------------------------------------
# Byte layers
# --------------------------------------------------------------------------------------------


class _LimitedReader(io.RawIOBase):
    """Reads a binary stream, refusing it once it grows past ``max_bytes``."""

    def __init__(self, src: BinaryIO, name: str, max_bytes: int | None) -> None:
        super().__init__()
        self._src = src
        self._name = name
        self._max = max_bytes
        self.total = 0

    def readable(self) -> bool:
        return True

    def read_chunk(self, size: int) -> bytes:
        data = self._src.read(size)
        if data:
            self.total += len(data)
            if self._max is not None and self.total > self._max:
                raise _size_error(self._name, self._max)
        return data

    def readinto(self, b: WriteableBuffer) -> int:
        view = memoryview(b).cast("B")
        data = self.read_chunk(len(view))
        view[: len(data)] = data
        return len(data)


def _size_error(name: str, max_bytes: int) -> SourceError:
    return SourceError(f"{name}: the file is larger than the limit of {max_bytes:,} bytes")


class _CsvBytes(io.RawIOBase):
    """Raw bytes of a CSV file in -> validated UTF-8 out, the encoding decided on the way.

    Modes: ``undecided`` (only ASCII seen so far: passed through), ``utf-8`` (validated chunk by
    chunk, passed through), ``gb18030`` (decoded and re-encoded as UTF-8). The decision is taken
    on a window of at least ``SNIFF_BYTES`` starting at the first chunk holding a non-ASCII
    byte. Every failure (NUL byte, bytes invalid in the chosen encoding) raises ``SourceError``
    naming the physical line, so nothing is ever silently mis-decoded.
    """

    def __init__(self, src: _LimitedReader, name: str) -> None:
        super().__init__()
        self._src = src
        self._name = name
        self._mode: Literal["undecided", "utf-8", "gb18030"] = "undecided"
        self._encoding: str | None = None
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._gb = codecs.getincrementaldecoder("gb18030")()
        self._out = b""
        self._pos = 0
        self._lines = 0  # newlines in the input consumed so far
        self._eof = False

    @property
    def encoding(self) -> str | None:
        return self._encoding

    def readable(self) -> bool:
        return True

    def start(self) -> None:
        """Sniff the first ~1 MiB: BOMs, emptiness, and usually the encoding."""
        data = self._read_window(b"")
        if not data:
            raise SourceError(f"{self._name}: the file is empty")
        if data.startswith(_UTF16_32_BOMS):
            raise SourceError(f"{self._name}: {_UTF16_MESSAGE}")
        if data.startswith(codecs.BOM_UTF8):
            self._mode = "utf-8"
            self._encoding = "utf-8-sig"
            data = data[len(codecs.BOM_UTF8) :]
        self._out = self._process(data)
        if self._eof:
            self._finish()

    def _read_window(self, data: bytes) -> bytes:
        parts = [data]
        size = len(data)
        while size < SNIFF_BYTES:
            more = self._src.read_chunk(SNIFF_BYTES - size)
            if not more:
                self._eof = True
                break
            parts.append(more)
            size += len(more)
        return b"".join(parts)

    def _line_at(self, data: bytes, pos: int) -> int:
        return self._lines + data.count(b"\n", 0, max(pos, 0)) + 1

    def _process(self, data: bytes) -> bytes:
        if (
            self._mode == "undecided"
            and not self._eof
            and len(data) < SNIFF_BYTES
            and not data.isascii()
        ):
            data = self._read_window(data)
        if b"\0" in data:
            line = self._line_at(data, data.index(b"\0"))
            raise SourceError(
                f"{self._name}: NUL byte on line {line}: this is not a text CSV file "
                "(binary data, or UTF-16 without a BOM?); save as UTF-8 or GBK CSV"
            )
        if self._mode == "undecided":
            if data.isascii():
                self._lines += data.count(b"\n")
                return data
            self._decide(data)
        out = data
        try:
            if self._mode == "utf-8":
                if not data.isascii() or self._utf8.getstate()[0]:
                    self._utf8.decode(data, self._eof)
            else:
                out = self._gb.decode(data, self._eof).encode("utf-8")
        except UnicodeDecodeError as exc:
            line = self._line_at(data, exc.start)
            if self._eof and exc.end >= len(data):
                raise self._truncated() from None
            raise SourceError(
                f"{self._name}: line {line} is not valid {self._encoding_label()} "
                "(detected from the start of the file); a file must use one encoding throughout"
            ) from None
        self._lines += data.count(b"\n")
        return out

    def _encoding_label(self) -> str:
        return "UTF-8" if self._mode == "utf-8" else "GBK/GB18030"

    def _decide(self, data: bytes) -> None:
        try:
            self._utf8.decode(data, self._eof)
        except UnicodeDecodeError as exc:
            self._utf8.reset()
            # Valid multibyte UTF-8 before the first bad byte means a UTF-8 file with damage
            # (or cut short), not GBK: GBK text almost never forms several valid UTF-8
            # sequences in a row. Refuse it rather than decode everything as GB18030 mojibake.
            good = data[: exc.start]
            if len(good) - len(good.translate(None, _HIGH_BYTES)) >= 8:
                self._mode = "utf-8"
                self._encoding = "utf-8"
                return
        else:
            # Validated; _process validates again from a fresh state (the window only).
            self._utf8.reset()
            self._mode = "utf-8"
            self._encoding = "utf-8"
            return
        try:
            self._gb.decode(data, self._eof)
        except UnicodeDecodeError as exc:
            line = self._line_at(data, exc.start)
            raise SourceError(
                f"{self._name}: line {line} is neither UTF-8 nor GBK/GB18030 text; "
                "save the file as UTF-8 or GBK CSV"
            ) from None
        self._gb.reset()
        self._mode = "gb18030"
        self._encoding = "gb18030"

    def _truncated(self) -> SourceError:
        return SourceError(
            f"{self._name}: the file ends in the middle of a {self._encoding_label()} "
            "character (truncated?)"
        )

    def _finish(self) -> None:
        try:
            if self._mode == "utf-8":
                self._utf8.decode(b"", True)
            elif self._mode == "gb18030":
                self._gb.decode(b"", True)
        except UnicodeDecodeError:
            raise self._truncated() from None
        if self._encoding is None:
            self._encoding = "utf-8"  # pure ASCII, which is UTF-8

    def readinto(self, b: WriteableBuffer) -> int:
        while self._pos >= len(self._out):
            if self._eof:
                return 0
            data = self._src.read_chunk(_CHUNK)
            if not data:
                self._eof = True
                self._finish()
                return 0
            self._out = self._process(data)
            self._pos = 0
            if self._eof:  # the sniff window reached the end
                self._finish()
        view = memoryview(b).cast("B")
        n = min(len(view), len(self._out) - self._pos)
        view[:n] = self._out[self._pos : self._pos + n]
        self._pos += n
        return n


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


class _CsvSource(RowSource):
    def __init__(self, src: BinaryIO, name: str, limits: ReadLimits) -> None:
        super().__init__(name, "csv", limits)
        limited = _LimitedReader(src, name, limits.max_bytes)
        self._bytes = _CsvBytes(limited, name)
        self._bytes.start()
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._bytes, _CHUNK), encoding="utf-8", newline=""
        )
        self._closers.append(self._text)
        # A process-wide setting of the csv module (set again when iteration starts); sources
        # built from the same Settings all use the same value.
        csv.field_size_limit(limits.max_field_chars)
        self._reader = csv.reader(self._text, strict=False)
        self._prev_line = 0
        self._read_header()

    @property
    def encoding(self) -> str | None:
        return self._bytes.encoding

    def _next_record(self) -> list[str] | None:
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise SourceError(f"{self.name}: malformed header row: {exc}") from None

    def _read_header(self) -> None:
        while True:
            row = self._next_record()
            if row is None:
                raise SourceError(f"{self.name}: no header row (the file has no text)")
            self._prev_line = self._reader.line_num
            cells = [_clean_header(c) for c in row]
            if any(cells):
                break
        self.headers = self._check_header(cells)

    def _rows(self) -> Iterator[RowItem]:
        csv.field_size_limit(self._limits.max_field_chars)
        reader = self._reader
        headers = self.headers
        ncols = len(headers)
        strip = str.strip
        max_rows = self._max_rows if self._max_rows is not None else -1
        n = 0
        prev = self._prev_line
        while True:
            try:
                for row in reader:
                    start = prev + 1
                    prev = reader.line_num
                    if len(row) == ncols:
                        v = list(map(strip, row))
                    elif not row:
                        continue
                    else:
                        fitted = _fit_row(list(map(strip, row)), ncols)
                        if isinstance(fitted, str):
                            n += 1
                            if n == max_rows + 1:
                                raise self._too_many_rows(start)
                            self.rows_read = n
                            yield RowError(start, fitted)
                            continue
                        v = fitted
                    if "" in v:
                        if not any(v):
                            continue
                        d = {k: x or None for k, x in zip(headers, v, strict=True)}
                    else:
                        d = dict(zip(headers, v, strict=True))
                    n += 1
                    if n == max_rows + 1:
                        raise self._too_many_rows(start)
                    self.rows_read = n
                    yield start, d
                return
            except csv.Error as exc:
                start = prev + 1
                prev = reader.line_num
                reason = str(exc)
                if "field larger than field limit" in reason:
                    reason = (
                        f"a cell is longer than {self._limits.max_field_chars:,} characters "
                        "(an unclosed quote?)"
                    )
                else:
                    reason = f"malformed CSV: {reason}"
            except UnicodeDecodeError as exc:  # cannot happen: _CsvBytes validated the bytes
                raise SourceError(f"{self.name}: undecodable text: {exc}") from None
            except OSError as exc:
                raise SourceError(f"{self.name}: cannot read the file: {exc}") from None
            n += 1
            if n == max_rows + 1:
                raise self._too_many_rows(start)
            self.rows_read = n
            yield RowError(start, reason)


def _fit_row(v: list[str], ncols: int) -> list[str] | str:
    """A row of the wrong width: pad a short one, trim empty trailing cells of a long one."""
    if len(v) < ncols:
        v.extend([""] * (ncols - len(v)))
        return v
    if any(v[ncols:]):
        last = max(i for i, x in enumerate(v) if x) + 1
        return f"row has {last} cells, header has {ncols}"
    del v[ncols:]
    return v


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def _check_zip(fileobj: BinaryIO, name: str, limits: ReadLimits) -> None:
    """Refuse what is not a zip, or a zip that would inflate past the limits."""
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    tail_len = min(size, 65_535 + 22)
    fileobj.seek(size - tail_len)
    tail = fileobj.read(tail_len)
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise SourceError(
            f"{name}: this is an old .xls workbook or a password-protected one; "
            "save it as .xlsx without a password"
        )
    eocd = tail.rfind(b"PK\x05\x06")
    if size == 0 or eocd < 0 or len(tail) - eocd < 22:
        raise SourceError(f"{name}: not an XLSX file (not a zip archive, or truncated)")
    # The entry count of the end record, read before zipfile builds one object per entry.
    (_sig, _d, _dcd, _n_disk, n_total, _cd_size, _cd_off, _clen) = struct.unpack(
        "<4s4H2LH", tail[eocd : eocd + 22]
    )
    if n_total > MAX_ZIP_MEMBERS:
        raise SourceError(f"{name}: the XLSX archive has too many parts ({n_total:,})")
    try:
        with zipfile.ZipFile(fileobj) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise SourceError(f"{name}: not a readable XLSX (zip) file: {exc}") from None
    finally:
        fileobj.seek(0)
    if len(infos) > MAX_ZIP_MEMBERS:
        raise SourceError(f"{name}: the XLSX archive has too many parts ({len(infos):,})")
    # zipfile never inflates a member past the size declared in the central directory (it stops
    # and fails the CRC), so checking the declared sizes bounds what openpyxl can inflate.
    max_total = limits.max_xlsx_uncompressed_bytes
    ratio = limits.max_xlsx_compression_ratio
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise SourceError(f"{name}: the XLSX archive is encrypted")
        if info.file_size > max_total:
            raise SourceError(
                f"{name}: part {info.filename} would inflate to {info.file_size:,} bytes, "
                f"over the limit of {max_total:,}; refused"
            )
        total += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > ratio * max(info.compress_size, 1):
            actual = info.file_size // max(info.compress_size, 1)
            raise SourceError(
                f"{name}: part {info.filename} has a compression ratio of {actual}:1, over the "
                f"limit of {ratio}:1 (a zip bomb?); refused"
            )
    if total > max_total:
        raise SourceError(
            f"{name}: the XLSX archive would inflate to {total:,} bytes, over the limit of "
            f"{max_total:,}; refused"
        )


def _number_str(value: float) -> str:
    """Excel keeps 15 significant digits; print them without exponent or float artefacts."""
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(Decimal(f"{value:.15g}"), "f")


def _xlsx_cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_str(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip() or None


class _XlsxSource(RowSource):
    def __init__(self, fileobj: BinaryIO, name: str, limits: ReadLimits) -> None:
        super().__init__(name, "xlsx", limits)
        _check_zip(fileobj, name, limits)
        # Imported here: openpyxl is heavy and only XLSX needs it.
        import openpyxl

        try:
            self._wb = openpyxl.load_workbook(
                fileobj, read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # untrusted input into a third-party parser: anything goes
            raise SourceError(f"{name}: cannot open the XLSX workbook: {_describe(exc)}") from None
        # Read-only mode keeps the archive open until close().
        self._closers.append(self._wb)
        try:
            if not self._wb.worksheets:
                raise SourceError(f"{name}: the workbook has no worksheet")
            ws = self._wb.worksheets[0]
            # Read-only mode trusts the sheet's declared dimension and silently drops cells and
            # rows outside it; some writers declare it wrongly, so ignore it.
            ws.reset_dimensions()
            self._it: Iterator[tuple[object, ...]] = iter(ws.iter_rows(values_only=True))
        except SourceError:
            raise
        except Exception as exc:
            raise SourceError(
                f"{name}: cannot read the first worksheet: {_describe(exc)}"
            ) from None
        self._row_no = 0
        self._read_header()

    def _next_values(self) -> tuple[object, ...] | None:
        try:
            values = next(self._it)
        except StopIteration:
            return None
        except Exception as exc:
            raise SourceError(
                f"{self.name}: the XLSX file is damaged near row {self._row_no + 1}: "
                f"{_describe(exc)}"
            ) from None
        self._row_no += 1
        return values

    def _read_header(self) -> None:
        while True:
            values = self._next_values()
            if values is None:
                raise SourceError(f"{self.name}: the first worksheet is empty (no header row)")
            cells = [_clean_header(c) if c else "" for c in map(_xlsx_cell, values)]
            if any(cells):
                break
        self.headers = self._check_header(cells)

    def _rows(self) -> Iterator[RowItem]:
        headers = self.headers
        ncols = len(headers)
        max_field = self._limits.max_field_chars
        max_rows = self._max_rows if self._max_rows is not None else -1
        n = 0
        while (values := self._next_values()) is not None:
            row_no = self._row_no
            if not values:
                continue
            cells = list(map(_xlsx_cell, values))
            if not any(cells):
                continue
            item: RowItem
            if len(cells) > ncols and any(cells[ncols:]):
                last = max(i for i, x in enumerate(cells) if x) + 1
                item = RowError(row_no, f"row has {last} cells, header has {ncols}")
            elif any(c is not None and len(c) > max_field for c in cells):
                item = RowError(row_no, f"a cell is longer than {max_field:,} characters")
            else:
                if len(cells) < ncols:
                    cells.extend([None] * (ncols - len(cells)))
                elif len(cells) > ncols:
                    del cells[ncols:]
                item = (row_no, dict(zip(headers, cells, strict=True)))
            n += 1
            if n == max_rows + 1:
                raise self._too_many_rows(row_no)
            self.rows_read = n
            yield item


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------------------------


class _BadValue(Exception):
    pass


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _decimal_str(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -64 <= exponent <= 64:
        return format(value, "f")
    return str(value)


class _JsonlSource(RowSource):
    def __init__(self, src: BinaryIO, name: str, limits: ReadLimits) -> None:
        super().__init__(name, "jsonl", limits)
        self._buf = io.BufferedReader(_LimitedReader(src, name, limits.max_bytes), _CHUNK)
        self._closers.append(self._buf)
        # A line holds a whole record; bound it so one runaway line cannot exhaust memory.
        self._line_limit = max(1024 * 1024, 32 * limits.max_field_chars)
        self._keys: dict[str, str] = {}  # raw key -> cleaned key
        self._known: set[str] = set()
        head = self._buf.peek(4)[:4]
        if not head:
            raise SourceError(f"{name}: the file is empty")
        if head.startswith(_UTF16_32_BOMS):
            raise SourceError(f"{name}: {_UTF16_MESSAGE}")
        self._encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        if b"\0" in self._buf.peek(_CHUNK)[:_CHUNK]:
            raise SourceError(
                f"{name}: NUL bytes at the start: this is not UTF-8 JSON Lines text "
                "(binary data, or UTF-16?)"
            )

        self._loads: Callable[[str], object] = json.JSONDecoder(
            parse_float=Decimal, parse_constant=_reject_constant
        ).decode
        # Headers are the keys of the first object: look ahead to it (a few lines at most).
        self._line_iter = self._lines()
        self._ahead: list[tuple[int, bytes | None]] = []
        for line_no, line in self._line_iter:
            self._ahead.append((line_no, line))
            if (
                line is not None
                and line.strip()
                and not isinstance(self._parse(line_no, line), RowError)
            ):
                break
            if len(self._ahead) >= _JSONL_LOOKAHEAD:
                break

    @property
    def encoding(self) -> str | None:
        return self._encoding

    def _key(self, raw: str) -> str:
        key = self._keys.get(raw)
        if key is None:
            key = _clean_header(raw)
            if not key:
                raise _BadValue("a key is empty")
            self._keys[raw] = key
        return key

    def _value(self, key: str, value: object) -> str | None:
        if isinstance(value, str):
            s = value.strip()
            if "\0" in s:
                raise _BadValue(f"'{key}' contains a NUL character")
            if len(s) > self._limits.max_field_chars:
                raise _BadValue(
                    f"'{key}' is longer than {self._limits.max_field_chars:,} characters"
                )
            return s or None
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, Decimal):
            return _decimal_str(value)
        if isinstance(value, list):
            parts = []
            for item in value:
                if isinstance(item, list | dict):
                    raise _BadValue(
                        f"'{key}' is an array holding an array or object; only arrays of "
                        "text, numbers and booleans are allowed"
                    )
                part = self._value(key, item)
                if part is None:
                    continue
                if ";" in part:
                    raise _BadValue(f"'{key}' has an array item containing ';' (the separator)")
                parts.append(part)
            return ";".join(parts) or None
        if isinstance(value, dict):
            raise _BadValue(
                f"'{key}' is a nested object; only text, numbers, booleans, null and arrays "
                "of those are allowed"
            )
        raise _BadValue(f"'{key}' has an unsupported value")  # pragma: no cover

    def _lines(self) -> Iterator[tuple[int, bytes | None]]:
        """(line_no, line) pairs; ``None`` for a line over the length limit (skipped)."""
        buf = self._buf
        limit = self._line_limit
        line_no = 0
        while True:
            try:
                line = buf.readline(limit)
            except OSError as exc:
                raise SourceError(f"{self.name}: cannot read the file: {exc}") from None
            if not line:
                return
            line_no += 1
            if len(line) >= limit and not line.endswith(b"\n"):
                while (rest := buf.readline(limit)) and not rest.endswith(b"\n"):
                    pass
                yield line_no, None
                continue
            if line_no == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            yield line_no, line

    def _rows(self) -> Iterator[RowItem]:
        max_rows = self._max_rows if self._max_rows is not None else -1
        n = 0
        ahead, self._ahead = self._ahead, []
        for line_no, line in itertools.chain(ahead, self._line_iter):
            item: RowItem
            if line is None:
                item = RowError(line_no, f"line is longer than {self._line_limit:,} bytes")
            elif not line.strip():
                continue
            else:
                parsed = self._parse(line_no, line)
                if parsed is None:
                    continue
                item = parsed
            n += 1
            if n == max_rows + 1:
                raise self._too_many_rows(line_no)
            self.rows_read = n
            yield item

    def _parse(self, line_no: int, line: bytes) -> RowItem | None:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RowError(line_no, f"invalid UTF-8 at byte {exc.start + 1}")
        try:
            obj = self._loads(text)
        except json.JSONDecodeError as exc:
            return RowError(line_no, f"invalid JSON: {exc.msg} at column {exc.colno}")
        except (ValueError, RecursionError) as exc:
            return RowError(line_no, f"invalid JSON: {_describe(exc)}")
        if not isinstance(obj, dict):
            kind = "array" if isinstance(obj, list) else type(obj).__name__
            if obj is None:
                kind = "null"
            elif isinstance(obj, str):
                kind = "string"
            elif isinstance(obj, int | Decimal):
                kind = "number"
            return RowError(line_no, f"invalid JSON: a line must hold one object, not {kind}")
        try:
            row = {self._key(k): self._value(k, v) for k, v in obj.items()}
        except _BadValue as exc:
            return RowError(line_no, str(exc))
        if not row.keys() <= self._known:
            # New keys become headers in order of appearance (only from accepted objects).
            for key in row:
                if key not in self._known:
                    self._known.add(key)
                    self.headers.append(key)
        for key in self.headers:
            row.setdefault(key, None)
        if not any(row.values()):
            return None  # an all-empty object is a blank row: skipped, not counted
        return line_no, row


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def open_source(
    path: Path, limits: ReadLimits = ReadLimits(), *, fmt: str | None = None
) -> RowSource:
    """Open ``path`` (format from its extension unless ``fmt``); the size is checked first."""
    path = Path(path)
    name = path.name
    kind = _resolve_format(name, fmt)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise SourceError(f"{name}: not a regular file")
        if limits.max_bytes is not None and size > limits.max_bytes:
            raise _size_error(name, limits.max_bytes)
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
    kind = _resolve_format(name, fmt)
    if kind != "xlsx":
        return _build(stream, name, limits, kind, owned=False)
    if stream.seekable():
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if limits.max_bytes is not None and size > limits.max_bytes:
            raise _size_error(name, limits.max_bytes)
        return _build(stream, name, limits, kind, owned=False)
    spool: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the RowSource
    try:
        limited = _LimitedReader(stream, name, limits.max_bytes)
        while chunk := limited.read_chunk(_CHUNK):
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
            source = _CsvSource(fileobj, name, limits)
        elif kind == "xlsx":
            source = _XlsxSource(fileobj, name, limits)
        else:
            source = _JsonlSource(fileobj, name, limits)
    except BaseException:
        if owned:
            fileobj.close()
        raise
    if owned:
        source._closers.insert(0, fileobj)
    return source
