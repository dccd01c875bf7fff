"""XLSX reader: zip-bomb checks before the workbook is opened, then openpyxl in read-only mode.

openpyxl parses through defusedxml when it is installed (it is a dependency), so DTDs and
entity declarations are refused. Row numbers are worksheet row numbers.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import BinaryIO, Final

from entcredit.ingest.readers.common import (
    ReadLimits,
    RowError,
    RowItem,
    RowSource,
    SourceError,
    clean_header,
    describe,
)

MAX_ZIP_MEMBERS: Final = 10_000
# Members that inflate to less than this are never a bomb, whatever their ratio: small,
# repetitive XML parts (styles, empty formatted ranges) legitimately compress very well.
_RATIO_FLOOR: Final = 1024 * 1024
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


def xlsx_cell(value: object) -> str | None:
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


class XlsxSource(RowSource):
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
            raise SourceError(f"{name}: cannot open the XLSX workbook: {describe(exc)}") from None
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
            raise SourceError(f"{name}: cannot read the first worksheet: {describe(exc)}") from None
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
                f"{describe(exc)}"
            ) from None
        self._row_no += 1
        return values

    def _read_header(self) -> None:
        while True:
            values = self._next_values()
            if values is None:
                raise SourceError(f"{self.name}: the first worksheet is empty (no header row)")
            cells = [clean_header(c) if c else "" for c in map(xlsx_cell, values)]
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
            cells = list(map(xlsx_cell, values))
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
