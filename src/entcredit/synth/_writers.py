"""Streaming writers of one data file each (CSV in four encodings, XLSX, JSONL) and of the
ground-truth files. Every writer numbers rows the way the loader reports them."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Final

import xlsxwriter

FORMAT_OF_ENCODING: Final = {
    "utf-8": "csv",
    "utf-8-sig": "csv",
    "gbk": "csv",
    "gb18030": "csv",
}


@dataclass(slots=True)
class FilePlan:
    name: str
    category: str
    fmt: str  # csv / xlsx / jsonl
    encoding: str | None  # csv: utf-8, utf-8-sig, gbk, gb18030; jsonl: utf-8; xlsx: None
    header: str  # code / label
    columns: list[str]  # field codes in file order
    has_dept_col: bool
    dept_code: str | None  # the department when the file has no dept_code column
    received_on: date
    backlog: bool
    extra_column: str | None = None


@dataclass(slots=True)
class FileStats:
    rows: int = 0
    rejected: int = 0
    duplicates_unchanged: int = 0
    corrections: int = 0
    withdrawals: int = 0
    unlinked_at_end: int = 0
    name_mismatches: int = 0
    former_name_matches: int = 0
    late: int = 0
    normalised: int = 0
    late_linked: int = 0
    person_subjects: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


class RowSink:
    """One output file, opened on the first row (a plan that never gets a row leaves no file)."""

    def __init__(self, out_dir: Path, plan: FilePlan, labels: dict[str, str]) -> None:
        self.path = out_dir / plan.name
        self.plan = plan
        self.stats = FileStats()
        headers = [labels[c] if plan.header == "label" else c for c in plan.columns]
        if plan.extra_column:
            headers.append(plan.extra_column)
        self._headers = headers
        self._cols = plan.columns
        self._fh: IO[str] | None = None
        self._csv: Any = None
        self._wb: _XlsxSheet | None = None
        self._ws: Any = None
        self._next_row = 2 if plan.fmt in ("csv", "xlsx") else 1

    @property
    def opened(self) -> bool:
        return self._fh is not None or self._wb is not None

    def _open(self) -> None:
        plan = self.plan
        if plan.fmt == "csv":
            assert plan.encoding is not None
            self._fh = open(self.path, "w", encoding=plan.encoding, newline="")  # noqa: SIM115
            term = "\n" if plan.encoding == "utf-8" else "\r\n"
            self._csv = csv.writer(self._fh, lineterminator=term)
            self._csv.writerow(self._headers)
        elif plan.fmt == "jsonl":
            self._fh = open(self.path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        else:
            self._wb = _XlsxSheet(self.path, plan.received_on)
            self._wb.append(self._headers)

    def write(self, row: dict[str, str | None], extra: str | None = None) -> int:
        """Write one row (keyed by field code); returns its row number as a loader reports it."""
        if not self.opened:
            self._open()
        values = list(map(row.get, self._cols))
        if self.plan.extra_column:
            values.append(extra)
        if self._csv is not None:
            self._csv.writerow(values)  # the csv module writes None as an empty field
        elif self._wb is not None:
            self._wb.append(values)
        else:
            assert self._fh is not None
            obj = dict(zip(self._headers, values, strict=True))
            self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        n = self._next_row
        self._next_row += 1
        self.stats.rows += 1
        return n

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._wb is not None:
            self._wb.close()
            self._wb = None


class _XlsxSheet:
    """One worksheet of text cells, streamed row by row by XlsxWriter.

    Every cell goes through ``write_string``: codes such as ``0755-...`` and USCCs must stay
    text, never numbers or dates. The creation time is fixed, so the same rows give the same
    bytes (XlsxWriter fixes the zip entries' timestamps itself).
    """

    def __init__(self, path: Path, created: date) -> None:
        # constant_memory flushes each row once the next one starts: memory stays flat.
        self._wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self._wb.set_properties({"created": datetime(created.year, created.month, created.day)})
        self._ws = self._wb.add_worksheet("data")
        self._row = 0

    def append(self, values: Sequence[str | None]) -> None:
        write, r = self._ws.write_string, self._row
        for c, v in enumerate(values):
            if v:  # None and "" are both an empty cell
                write(r, c, v)
        self._row += 1

    def close(self) -> None:
        self._wb.close()


@dataclass
class Truth:
    """Ground truth, streamed to ``out_dir/truth/`` apart from the data."""

    dir: Path
    _rej: IO[str] = field(init=False)
    _flags: IO[str] = field(init=False)
    _ent_raw: IO[bytes] = field(init=False)
    _ent: IO[str] = field(init=False)
    rejections: int = 0

    def __post_init__(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._rej = open(self.dir / "rejections.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._rej.write("file,row,field,reason_kind\n")
        self._flags = open(self.dir / "row_flags.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._flags.write("file,row,flag\n")
        self._ent_raw = open(self.dir / "entities.csv.gz", "wb")  # noqa: SIM115
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._ent_raw, mtime=0)
        self._ent = io.TextIOWrapper(gz, encoding="utf-8", newline="")
        self._ent.write("uscc,entity_type,city,size,p_problem,unreachable,risk_latent\n")

    def reject(self, file: str, row: int, fld: str, kind: str) -> None:
        self.rejections += 1
        self._rej.write(f"{file},{row},{fld},{kind}\n")

    def flag(self, file: str, row: int, kind: str) -> None:
        self._flags.write(f"{file},{row},{kind}\n")

    def entity(
        self,
        uscc: str,
        entity_type: str,
        city: str,
        size: float,
        p_problem: float,
        unreachable: bool,
        risk: float,
    ) -> None:
        u = "true" if unreachable else "false"
        self._ent.write(f"{uscc},{entity_type},{city},{size:.4f},{p_problem:.4f},{u},{risk:.4f}\n")

    def close(self) -> None:
        self._rej.close()
        self._flags.close()
        self._ent.close()
        self._ent_raw.close()
