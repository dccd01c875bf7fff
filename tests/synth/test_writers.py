from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from entcredit.synth._writers import FilePlan, RowSink

# Values a spreadsheet would turn into numbers, dates, formulas or links if it guessed types.
_ROWS: list[dict[str, str | None]] = [
    {"a": "0755-83216789", "b": "00123", "c": "91440300MA5FXXXX0X", "d": None},
    {"a": "=1+1", "b": "2024-06-30", "c": " padded\u3000", "d": "1e5"},
    {"a": "http://example.com", "b": "", "c": "<&>\"'", "d": "12.50"},
]


def _write_xlsx(out: Path) -> Path:
    out.mkdir()
    plan = FilePlan(
        name="t.xlsx",
        category="enterprise",
        fmt="xlsx",
        encoding=None,
        header="code",
        columns=["a", "b", "c", "d"],
        has_dept_col=True,
        dept_code=None,
        received_on=date(2024, 6, 30),
        backlog=True,
        extra_column="remark",
    )
    sink = RowSink(out, plan, {})
    numbers = [sink.write(row, extra="补录" if i == 1 else None) for i, row in enumerate(_ROWS)]
    sink.close()
    assert numbers == [2, 3, 4]  # the loader's numbering: the header is row 1
    return out / "t.xlsx"


def test_xlsx_is_text_only_and_byte_identical(tmp_path: Path) -> None:
    first, second = _write_xlsx(tmp_path / "a"), _write_xlsx(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        assert "2024-06-30T00:00:00Z" in zf.read("docProps/core.xml").decode()

    want = [["a", "b", "c", "d", "remark"]] + [
        [row[k] or "" for k in "abcd"] + (["补录"] if i == 1 else [""])
        for i, row in enumerate(_ROWS)
    ]
    wb = load_workbook(first, read_only=True)
    by_openpyxl = [
        ["" if v is None else v for v in r] + [""] * (5 - len(r))
        for r in wb.worksheets[0].iter_rows(values_only=True)
    ]
    wb.close()
    by_calamine = CalamineWorkbook.from_path(str(first)).get_sheet_by_index(0).to_python()
    assert by_openpyxl == want
    assert by_calamine == want
    assert all(isinstance(v, str) for r in by_calamine + by_openpyxl for v in r)
