"""Streaming writers of one data file each (CSV in four encodings, XLSX, JSONL) and of the
ground-truth files. Every writer numbers rows the way the loader reports them."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, Final

FORMAT_OF_ENCODING: Final = {
    "utf-8": "csv",
    "utf-8-sig": "csv",
    "gbk": "csv",
    "gb18030": "csv",
}
_FIXED_ZIP_TIME: Final = (2000, 1, 1, 0, 0, 0)


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
        self._wb: Any = None
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
            self._wb = _XlsxWriter(self.path)
            self._wb.append(self._headers)

    def write(self, row: dict[str, str | None], extra: str | None = None) -> int:
        """Write one row (keyed by field code); returns its row number as a loader reports it."""
        if not self.opened:
            self._open()
        values = [row.get(c) for c in self._cols]
        if self.plan.extra_column:
            values.append(extra)
        if self.plan.fmt == "csv":
            self._csv.writerow(["" if v is None else v for v in values])
        elif self.plan.fmt == "jsonl":
            assert self._fh is not None
            obj = dict(zip(self._headers, values, strict=True))
            self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            self._wb.append(values)
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


_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_RELS_NS}">'
    f'<Relationship Id="rId1" Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN_NS}" '
    f'xmlns:r="{_DOC_REL}"><sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_RELS_NS}">'
    f'<Relationship Id="rId1" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


class _XlsxWriter:
    """A minimal XLSX (one sheet, inline strings) streamed into the zip entry by entry.

    openpyxl without lxml writes ~1,000 rows/s; this writes what a spreadsheet export of text
    cells looks like at CSV speed, with fixed zip timestamps so output is reproducible.
    """

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        for name, text in (
            ("[Content_Types].xml", _CT),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        ):
            self._zip.writestr(self._info(name), text)
        self._sheet = self._zip.open(self._info("xl/worksheets/sheet1.xml"), "w", force_zip64=True)
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        self._sheet.write(f'{head}<worksheet xmlns="{_MAIN_NS}"><sheetData>'.encode())
        self._row = 0
        self._cols: list[str] = []

    @staticmethod
    def _info(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, _FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def append(self, values: list[str | None]) -> None:
        self._row += 1
        r = self._row
        while len(self._cols) < len(values):
            self._cols.append(_col_letter(len(self._cols)))
        parts = [f'<row r="{r}">']
        for col, v in zip(self._cols, values, strict=False):
            if v is None or v == "":
                continue
            parts.append(
                f'<c r="{col}{r}" t="inlineStr"><is><t xml:space="preserve">'
                f"{v.translate(_ESCAPE)}</t></is></c>"
            )
        parts.append("</row>")
        self._sheet.write("".join(parts).encode())

    def close(self) -> None:
        self._sheet.write(b"</sheetData></worksheet>")
        self._sheet.close()
        self._zip.close()


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
