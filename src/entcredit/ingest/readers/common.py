"""Shared by every reader: limits, errors, the :class:`RowSource` base, byte-layer helpers."""

from __future__ import annotations

import codecs
import io
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Final, Literal, Protocol, Self

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

    from entcredit.settings import Settings

Format = Literal["csv", "xlsx", "jsonl"]

CHUNK: Final = 64 * 1024
UTF16_32_BOMS: Final = (
    codecs.BOM_UTF32_LE,  # before UTF-16 LE: it starts with the same two bytes
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
UTF16_MESSAGE: Final = "UTF-16 is not part of the standard; save as UTF-8 or GBK"


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


def resolve_format(name: str, fmt: str | None) -> Format:
    if fmt is None:
        return detect_format(Path(name))
    for known in ("csv", "xlsx", "jsonl"):
        if fmt == known:
            return known
    raise SourceError(f"{name}: unknown format '{fmt}'; expected csv, xlsx or jsonl")


def clean_header(value: str) -> str:
    return value.replace("\ufeff", "").strip()


# --------------------------------------------------------------------------------------------
# RowSource
# --------------------------------------------------------------------------------------------


class Closable(Protocol):
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
        self._closers: list[Closable] = []

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


class LimitedReader(io.RawIOBase):
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
                raise size_error(self._name, self._max)
        return data

    def readinto(self, b: WriteableBuffer) -> int:
        view = memoryview(b).cast("B")
        data = self.read_chunk(len(view))
        view[: len(data)] = data
        return len(data)


def size_error(name: str, max_bytes: int) -> SourceError:
    return SourceError(f"{name}: the file is larger than the limit of {max_bytes:,} bytes")


def describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
