"""CSV reader: streaming encoding detection and ``csv.reader`` row bookkeeping.

The encoding is detected while streaming (see :class:`_CsvBytes`): UTF-8 BOM ->
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
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, Final, Literal

from entcredit.ingest.readers.common import (
    CHUNK,
    UTF16_32_BOMS,
    UTF16_MESSAGE,
    LimitedReader,
    ReadLimits,
    RowError,
    RowItem,
    RowSource,
    SourceError,
    clean_header,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

SNIFF_BYTES: Final = 1024 * 1024
_HIGH_BYTES: Final = bytes(range(0x80, 0x100))


class _CsvBytes(io.RawIOBase):
    """Raw bytes of a CSV file in -> validated UTF-8 out, the encoding decided on the way.

    Modes: ``undecided`` (only ASCII seen so far: passed through), ``utf-8`` (validated chunk by
    chunk, passed through), ``gb18030`` (decoded and re-encoded as UTF-8). The decision is taken
    on a window of at least ``SNIFF_BYTES`` starting at the first chunk holding a non-ASCII
    byte. Every failure (NUL byte, bytes invalid in the chosen encoding) raises ``SourceError``
    naming the physical line, so nothing is ever silently mis-decoded.
    """

    def __init__(self, src: LimitedReader, name: str) -> None:
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
        if data.startswith(UTF16_32_BOMS):
            raise SourceError(f"{self._name}: {UTF16_MESSAGE}")
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
            data = self._src.read_chunk(CHUNK)
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


class CsvSource(RowSource):
    def __init__(self, src: BinaryIO, name: str, limits: ReadLimits) -> None:
        super().__init__(name, "csv", limits)
        limited = LimitedReader(src, name, limits.max_bytes)
        self._bytes = _CsvBytes(limited, name)
        self._bytes.start()
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._bytes, CHUNK), encoding="utf-8", newline=""
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
            cells = [clean_header(c) for c in row]
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
                        # One pass: trimmed cell or None; the dict is then built once, in C.
                        v: list[str | None] = [strip(x) or None for x in row]
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
                        v = [x or None for x in fitted]
                    if None in v and not any(v):
                        continue
                    # zip without strict: every path above makes len(v) == ncols.
                    d = dict(zip(headers, v))  # noqa: B905
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
