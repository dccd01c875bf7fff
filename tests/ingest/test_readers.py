"""Streaming readers: encodings, row numbering, XLSX/JSONL conversions, limits, garbage."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from entcredit.ingest.readers import (
    ReadLimits,
    RowError,
    SourceError,
    detect_format,
    open_source,
    open_stream,
)
from entcredit.settings import Settings

from .readers_helpers import NonSeekable, csv_text, drain, rewrite_zip, write_csv, write_xlsx

HEADER = ["统一社会信用代码", "名称", "法定代表人", "注册资本(万元)"]
ROWS = [
    ["91350100M000100Y", "福州某某贸易有限公司", "张三", "100.5"],
    ["91350200MA2XYZ1234", "厦门市鼓浪屿茶叶店", "李四", ""],
    ["92350100MA00000001", "晋江陈氏鞋业（个体）", "陈五", "3"],
]
EXPECTED = [
    (i + 2, {h: (v or None) for h, v in zip(HEADER, row, strict=True)})
    for i, row in enumerate(ROWS)
]


# --------------------------------------------------------------------------------------------
# formats and limits
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "csv"),
        ("A.CSV", "csv"),
        ("b.xlsx", "xlsx"),
        ("c.jsonl", "jsonl"),
        ("d.ndjson", "jsonl"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(Path(name)) == fmt


@pytest.mark.parametrize("name", ["a.xls", "a.txt", "noext", "a.csv.gz"])
def test_detect_format_refuses(name: str) -> None:
    with pytest.raises(SourceError, match=name.replace(".", r"\.")):
        detect_format(Path(name))


def test_limits_from_settings() -> None:
    s = Settings(max_upload_bytes=10, max_batch_rows=20, max_xlsx_compression_ratio=30)
    limits = ReadLimits.from_settings(s)
    assert limits.max_bytes == 10
    assert limits.max_rows == 20
    assert limits.max_xlsx_compression_ratio == 30
    assert limits.max_xlsx_uncompressed_bytes == s.max_xlsx_uncompressed_bytes


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nope\.csv"):
        open_source(tmp_path / "nope.csv")


# --------------------------------------------------------------------------------------------
# CSV encodings
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_same_content_in_every_encoding(tmp_path: Path, encoding: str, reported: str) -> None:
    path = write_csv(tmp_path / "e.csv", [HEADER, *ROWS], encoding)
    with open_source(path) as src:
        assert src.format == "csv"
        assert src.name == "e.csv"
        assert src.encoding == reported
        assert src.headers == HEADER
        rows, errors = drain(src)
        assert src.rows_read == 3
    assert errors == []
    assert rows == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_characters_outside_gbk(tmp_path: Path, encoding: str) -> None:
    name = "𠀀𠀁记贸易行"  # CJK Extension B: four bytes in GB18030, absent from GBK
    path = write_csv(tmp_path / "x.csv", [["名称", "备注"], [name, "€"]], encoding)
    with open_source(path) as src:
        rows, _ = drain(src)
    assert rows == [(2, {"名称": name, "备注": "€"})]


def test_gbk_after_a_megabyte_of_ascii(tmp_path: Path) -> None:
    """Field-code headers and ASCII rows first: GBK appears only after 2 MiB."""
    header = ["uscc", "name", "legal_rep", "reg_capital"]
    ascii_rows = [[f"91350100M{i:09d}", f"Company {i}", "Zhang San", "1"] for i in range(50_000)]
    content = csv_text([header, *ascii_rows]).encode("gbk")
    assert content.isascii()
    assert len(content) > 2 * 1024 * 1024
    last = ["91350100MA0000000X", "福州某某有限公司", "张三", "5"]
    path = tmp_path / "late.csv"
    path.write_bytes(content + csv_text([last]).encode("gbk"))
    with open_source(path) as src:
        assert src.encoding is None  # only ASCII so far: not decided yet
        rows, errors = drain(src)
        assert src.encoding == "gb18030"
    assert errors == []
    assert len(rows) == 50_001
    assert rows[-1] == (50_002, dict(zip(header, last, strict=True)))


def test_pure_ascii_file_reports_utf8(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["a", "b"], ["1", "2"]])
    with open_source(path) as src:
        assert src.encoding == "utf-8"
        assert list(src) == [(2, {"a": "1", "b": "2"})]


def test_utf8_then_gbk_is_refused_naming_the_line(tmp_path: Path) -> None:
    head = csv_text([["名称", "x"], ["中文", "1"]]).encode("utf-8")
    middle = b"abc," + b"x" * 250 + b"\r\n"
    bad = csv_text([["中文", "2"]]).encode("gbk")
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + middle * 8_000 + bad)
    with open_source(path) as src, pytest.raises(SourceError, match=r"mixed\.csv: line 8003"):
        drain(src)


def test_gbk_then_invalid_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes("名称\n中文\n".encode("gbk") + (b"o" * 250 + b"\n") * 8_000 + b"\xff\xff\n")
    with open_source(path) as src:
        assert src.encoding == "gb18030"
        with pytest.raises(SourceError, match="line 8003 is not valid GBK/GB18030"):
            drain(src)


def test_truncated_multibyte_at_end(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("名称\n中文\n".encode() + "中".encode()[:2])
    with pytest.raises(SourceError, match="ends in the middle of a UTF-8 character"):
        open_source(path)


def test_damaged_utf8_is_not_mistaken_for_gb18030(tmp_path: Path) -> None:
    """Bytes after a stray bad byte would decode as GB18030 mojibake; refuse instead."""
    path = tmp_path / "d.csv"
    path.write_bytes("名称,备注\n福州某某公司,正常\n".encode() + b"\xff,x\n")
    with pytest.raises(SourceError, match="line 3 is not valid UTF-8"):
        open_source(path)


@pytest.mark.parametrize("bom", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_is_refused(tmp_path: Path, bom: str) -> None:
    path = tmp_path / "u.csv"
    text = csv_text([HEADER, *ROWS])
    path.write_bytes(text.encode("utf-16" if bom.startswith("utf-16") else "utf-32"))
    if bom.endswith("be"):
        path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    with pytest.raises(
        SourceError, match="UTF-16 is not part of the standard; save as UTF-8 or GBK"
    ):
        open_source(path)


def test_utf16_without_bom_is_refused_as_binary(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes(csv_text([HEADER, *ROWS]).encode("utf-16-le"))
    with pytest.raises(SourceError, match="NUL byte on line 1"):
        open_source(path)


def test_binary_garbage_csv(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 100)
    with pytest.raises(SourceError, match=r"garbage\.csv"):
        open_source(path)


def test_random_high_bytes_without_nul(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(0x80, 0x100)) * 50)
    with pytest.raises(SourceError, match="neither UTF-8 nor GBK/GB18030"):
        open_source(path)


def test_nul_byte_later_in_file(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(b"a,b\n" + (b"1," + b"2" * 250 + b"\n") * 8_000 + b"3,\x004\n")
    with open_source(path) as src, pytest.raises(SourceError, match="NUL byte on line 8002"):
        drain(src)


def test_xlsx_renamed_to_csv(tmp_path: Path) -> None:
    xlsx = write_xlsx(tmp_path / "w.xlsx", [HEADER, *ROWS])
    path = tmp_path / "w.csv"
    path.write_bytes(xlsx.read_bytes())
    with pytest.raises(SourceError, match=r"w\.csv"):
        open_source(path)


# --------------------------------------------------------------------------------------------
# CSV structure
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\n\n\r\n", b",,,\n , \n", "\u3000\n".encode()])
def test_no_header(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=r"h\.csv: (the file is empty|no header row)"):
        open_source(path)


def test_header_only_file_has_zero_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [HEADER])
    with open_source(path) as src:
        assert src.headers == HEADER
        assert list(src) == []
        assert src.rows_read == 0


def test_header_cleaning(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes("\ufeff\u3000名称 , code\t,备注,,\n x ,y,z,,\n".encode())
    with open_source(path) as src:
        assert src.headers == ["名称", "code", "备注"]  # BOM, spaces, trailing empties gone
        assert list(src) == [(2, {"名称": "x", "code": "y", "备注": "z"})]


def test_empty_header_cell_names_the_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [["a", "b", " ", "d"], ["1", "2", "3", "4"]])
    with pytest.raises(SourceError, match="header of column 3 is empty"):
        open_source(path)


def test_duplicate_header(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [["a", "b", "a "], ["1", "2", "3"]])
    with pytest.raises(SourceError, match="'a' appears twice"):
        open_source(path)


def test_row_numbers_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    text = (
        "\n"  # line 1: blank, before the header
        "name,note\n"  # line 2: header
        "a,1\n"  # 3
        "\n"  # 4 blank
        ",\n"  # 5 all cells empty
        'b,"two\nlines"\n'  # 6-7
        'c,"three\r\nline\ncell"\n'  # 8-10
        " \u3000 ,\t\n"  # 11 whitespace only
        "d,4\n"  # 12
    )
    path = tmp_path / "n.csv"
    path.write_bytes(text.encode())
    with open_source(path) as src:
        rows, errors = drain(src)
        assert src.rows_read == 4
    assert errors == []
    assert rows == [
        (3, {"name": "a", "note": "1"}),
        (6, {"name": "b", "note": "two\nlines"}),
        (8, {"name": "c", "note": "three\r\nline\ncell"}),
        (12, {"name": "d", "note": "4"}),
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "le.csv"
    path.write_bytes(newline.join(["a,b", "1,2", "", "3,4"]).encode())
    with open_source(path) as src:
        assert list(src) == [(2, {"a": "1", "b": "2"}), (4, {"a": "3", "b": "4"})]


def test_short_and_long_rows(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes(b"a,b,c\n1\n1,2,3,4\n1,2,3,, \n1,2\n")
    with open_source(path) as src:
        rows, errors = drain(src)
        assert src.rows_read == 4
    assert rows == [
        (2, {"a": "1", "b": None, "c": None}),
        (4, {"a": "1", "b": "2", "c": "3"}),  # trailing empty cells are harmless
        (5, {"a": "1", "b": "2", "c": None}),
    ]
    assert errors == [RowError(3, "row has 4 cells, header has 3")]


def test_cells_are_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes('a,b,c,d\n\u3000甲\u3000, \t ,\u00a0x y\u00a0,""\n'.encode())
    with open_source(path) as src:
        assert list(src) == [(2, {"a": "甲", "b": None, "c": "x y", "d": None})]


def test_oversized_cell_is_a_row_error_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n1," + b"x" * 200 + b"\n2,ok\n")
    with open_source(path, ReadLimits(max_field_chars=100)) as src:
        items = list(src)
    assert items[0] == RowError(2, "a cell is longer than 100 characters (an unclosed quote?)")
    assert items[1] == (3, {"a": "2", "b": "ok"})


def test_unclosed_quote_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes(b'a,b\n1,"open\n' + b"2,x\n" * 100 + b"3,y\n")
    with open_source(path, ReadLimits(max_field_chars=50)) as src:
        items = list(src)
    assert isinstance(items[0], RowError)
    assert items[0].row_no == 2
    assert items[-1] == (103, {"a": "3", "b": "y"})


def test_source_iterates_once_and_closes(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "o.csv", [HEADER, *ROWS])
    src = open_source(path)
    with src:
        list(src)
        with pytest.raises(RuntimeError):
            iter(src)
    assert all(c.closed for c in src._closers) or not src._closers  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# limits
# --------------------------------------------------------------------------------------------


def test_size_limit_for_paths_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"\0" * 1000)  # would be refused as binary if it were read
    with pytest.raises(SourceError, match="larger than the limit of 999 bytes"):
        open_source(path, ReadLimits(max_bytes=999))
    ok = write_csv(tmp_path / "ok.csv", [["a"], ["1"]])
    with open_source(ok, ReadLimits(max_bytes=ok.stat().st_size)) as src:
        assert list(src) == [(2, {"a": "1"})]


def test_size_limit_for_streams_is_counted_while_reading() -> None:
    data = b"a,b\n" + (b"1," + b"2" * 250 + b"\n") * 20_000
    stream = NonSeekable(data)
    with open_stream(stream, "up.csv", ReadLimits(max_bytes=3_000_000)) as src:  # type: ignore[arg-type]
        with pytest.raises(SourceError, match="larger than the limit of 3,000,000 bytes"):
            drain(src)
        assert 0 < src.rows_read < 20_000


def test_row_limit(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"a\n1\n\n2\n3\n4\n")
    with open_source(path, ReadLimits(max_rows=2)) as src:
        it = iter(src)
        assert next(it) == (2, {"a": "1"})
        assert next(it) == (4, {"a": "2"})
        with pytest.raises(SourceError, match=r"more than 2 data rows \(row 5 crosses") as exc:
            next(it)
        assert "refused" in str(exc.value)


def test_row_limit_exactly_reached_is_fine(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [["a"], ["1"], ["2"]])
    with open_source(path, ReadLimits(max_rows=2)) as src:
        assert len(list(src)) == 2


# --------------------------------------------------------------------------------------------
# streams
# --------------------------------------------------------------------------------------------


def test_open_stream_csv_gbk_nonseekable() -> None:
    data = csv_text([HEADER, *ROWS]).encode("gbk")
    stream = NonSeekable(data, chunk=5)
    with open_stream(stream, "upload.CSV", ReadLimits()) as src:  # type: ignore[arg-type]
        assert src.encoding == "gb18030"
        rows, _ = drain(src)
    assert rows == EXPECTED
    assert not stream.closed  # the caller owns the stream


def test_open_stream_format_override() -> None:
    with open_stream(io.BytesIO(b'{"a": 1}\n'), "upload.bin", ReadLimits(), fmt="jsonl") as src:
        assert list(src) == [(1, {"a": "1"})]


def _peak_bytes_reading(path: Path) -> int:
    tracemalloc.start()
    try:
        with open_source(path) as src:
            for _ in src:
                pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streaming_memory(tmp_path: Path) -> None:
    """The peak is a constant (the ~1 MiB sniff window and buffers), not a share of the file."""
    peaks = []
    for n_rows in (10_000, 30_000):
        path = tmp_path / f"m{n_rows}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow([f"c{i}" for i in range(10)])
            w.writerows([f"某值{r}-{i}" for i in range(10)] for r in range(n_rows))
        peaks.append(_peak_bytes_reading(path))
    assert (tmp_path / "m30000.csv").stat().st_size > 4_000_000
    assert peaks[1] < 6_000_000
    assert peaks[1] < peaks[0] + 500_000


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def test_xlsx_values(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "v.xlsx",
        [
            [" 名称\u3000", "amount", "phone", "on", "at", "flag", "ratio", "tiny", "empty"],
            [
                "甲公司",
                12.0,
                13800138000.0,
                date(2024, 3, 5),
                datetime(2024, 3, 5, 14, 30),
                True,
                0.1 + 0.2,
                1e-05,
                None,
            ],
            [],
            ["乙", 7, "0591-1234", None, None, False, 1234.5, -3.25e-3, " "],
        ],
    )
    with open_source(path) as src:
        assert src.format == "xlsx"
        assert src.encoding is None
        assert src.headers == [
            "名称",
            "amount",
            "phone",
            "on",
            "at",
            "flag",
            "ratio",
            "tiny",
            "empty",
        ]
        rows, errors = drain(src)
        assert src.rows_read == 2
    assert errors == []
    assert rows == [
        (
            2,
            {
                "名称": "甲公司",
                "amount": "12",
                "phone": "13800138000",
                "on": "2024-03-05",
                "at": "2024-03-05",
                "flag": "true",
                "ratio": "0.3",
                "tiny": "0.00001",
                "empty": None,
            },
        ),
        (
            4,
            {
                "名称": "乙",
                "amount": "7",
                "phone": "0591-1234",
                "on": None,
                "at": None,
                "flag": "false",
                "ratio": "1234.5",
                "tiny": "-0.00325",
                "empty": None,
            },
        ),
    ]


def test_xlsx_same_content_as_csv(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "s.xlsx", [HEADER, *ROWS])
    with open_source(path) as src:
        rows, _ = drain(src)
    assert rows == EXPECTED


def test_xlsx_header_gap_names_column(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "g.xlsx", [["a", None, "c"], [1, 2, 3]])
    with pytest.raises(SourceError, match="header of column 2 is empty"):
        open_source(path)


def test_xlsx_blank_rows_and_long_rows(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A3"] = "name"  # header on row 3, after blank rows
    ws["B3"] = "code"
    ws["A4"] = "a"
    ws["A6"] = "b"
    ws["B6"] = 1
    ws["D6"] = "stray"
    ws["A8"] = "c"
    ws["E8"] = "   "
    other = wb.create_sheet("second")
    other["A1"] = "ignored"
    wb.save(tmp_path / "b.xlsx")
    with open_source(tmp_path / "b.xlsx") as src:
        assert src.headers == ["name", "code"]
        items = list(src)
        assert src.rows_read == 3
    assert items == [
        (4, {"name": "a", "code": None}),
        RowError(6, "row has 4 cells, header has 2"),
        (8, {"name": "c", "code": None}),
    ]


def test_xlsx_wrong_declared_dimension_loses_nothing(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "d.xlsx", [["a", "b"], *[[i, i * 2] for i in range(50)]])
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:B51"' in sheet
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": sheet.replace(b"A1:B51", b"A1:A2")})
    with open_source(path) as src:
        rows, _ = drain(src)
    assert len(rows) == 50
    assert rows[-1] == (51, {"a": "49", "b": "98"})


def test_xlsx_zip_bomb_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bomb.xlsx", [["a"], [1]])
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    padded = sheet.replace(b"</worksheet>", b" " * 8_000_000 + b"</worksheet>")
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": padded})
    with pytest.raises(SourceError, match=r"sheet1\.xml has a compression ratio of \d+:1"):
        open_source(path)


def test_xlsx_uncompressed_limits(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "u.xlsx", [["a"], *[[f"value {i}"] for i in range(2000)]])
    with pytest.raises(SourceError, match="over the limit of 10,000"):
        open_source(path, ReadLimits(max_xlsx_uncompressed_bytes=10_000))
    total = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    biggest = max(i.file_size for i in zipfile.ZipFile(path).infolist())
    with pytest.raises(SourceError, match="archive would inflate"):
        open_source(path, ReadLimits(max_xlsx_uncompressed_bytes=(biggest + total) // 2))


def test_xlsx_too_many_members(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(10_001):
            zf.writestr(f"x/{i}", b"")
    with pytest.raises(SourceError, match="too many parts"):
        open_source(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "not a zip"),
        (b"hello, world\n", "not a zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, r"old \.xls"),
    ],
)
def test_xlsx_not_a_zip(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "n.xlsx"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=match):
        open_source(path)


def test_xlsx_truncated(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [HEADER, *ROWS])
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(SourceError, match=r"t\.xlsx"):
        open_source(path)


def test_xlsx_zip_without_workbook(tmp_path: Path) -> None:
    path = tmp_path / "z.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(SourceError, match="cannot open the XLSX workbook"):
        open_source(path)


def test_xlsx_damaged_sheet_data(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "d.xlsx", [["a", "b"], *[[f"v{i}", i] for i in range(3000)]])
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    broken = sheet.replace(b"<v>1500</v>", b"<v>1500</x>")
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": broken})
    with (
        pytest.raises(SourceError, match=r"d\.xlsx: the XLSX file is damaged near row"),
        open_source(path) as src,
    ):
        drain(src)


def test_xlsx_entity_expansion_is_refused(tmp_path: Path) -> None:
    """defusedxml is installed, so openpyxl parses through it: XML entity bombs are refused."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
    path = write_xlsx(tmp_path / "lol.xlsx", [["a"], ["x"]])
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    body = sheet.split(b"?>", 1)[1] if sheet.startswith(b"<?xml") else sheet
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": doctype + body})
    with pytest.raises(SourceError, match=r"lol\.xlsx"), open_source(path) as src:
        drain(src)


def test_xlsx_stream_nonseekable_and_size(tmp_path: Path) -> None:
    data = write_xlsx(tmp_path / "s.xlsx", [HEADER, *ROWS]).read_bytes()
    with open_stream(NonSeekable(data), "s.xlsx", ReadLimits()) as src:  # type: ignore[arg-type]
        rows, _ = drain(src)
    assert rows == EXPECTED
    with open_stream(io.BytesIO(data), "s.xlsx", ReadLimits()) as src:
        assert drain(src)[0] == EXPECTED
    for stream in (NonSeekable(data), io.BytesIO(data)):
        with pytest.raises(SourceError, match="larger than the limit"):
            open_stream(stream, "s.xlsx", ReadLimits(max_bytes=len(data) - 1))  # type: ignore[arg-type]


def test_xlsx_row_limit(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", [["a"], [1], [2], [3]])
    with (
        open_source(path, ReadLimits(max_rows=2)) as src,
        pytest.raises(SourceError, match="row 4"),
    ):
        drain(src)


# --------------------------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------------------------


def test_jsonl(tmp_path: Path) -> None:
    lines = [
        '{"uscc": " 91350100M000100Y ", "name": "甲公司", "capital": 1.10, "n": 12, '
        '"listed": true}',
        "",
        '{"uscc": "2", "penalty_kinds": ["warning", "fine", null, 3], "note": null, "tiny": 1e-05}',
        "not json",
        "[1, 2]",
        '{"uscc": "3", "detail": {"a": 1}}',
        '{"uscc": "4", "kinds": [["nested"]]}',
        '{"uscc": "5", "big": 123456789012345678901234567890, "f": false, "e": []}',
        '{"uscc": "6", "x": NaN}',
        '{"uscc": "7", "kinds": ["a;b"]}',
        '{"uscc": "8", "": 1}',
        '{"uscc": null, "name": "  "}',
        '"just a string"',
    ]
    path = tmp_path / "j.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    with open_source(path) as src:
        assert src.format == "jsonl"
        assert src.encoding == "utf-8-sig"
        assert src.headers == ["uscc", "name", "capital", "n", "listed"]
        items = list(src)
        assert src.headers == [
            "uscc",
            "name",
            "capital",
            "n",
            "listed",
            "penalty_kinds",
            "note",
            "tiny",
            "big",
            "f",
            "e",
        ]
        assert src.rows_read == len(items) == 11
    assert items[0] == (
        1,
        {
            "uscc": "91350100M000100Y",
            "name": "甲公司",
            "capital": "1.10",
            "n": "12",
            "listed": "true",
        },
    )
    assert items[1] == (
        3,
        {
            "uscc": "2",
            "penalty_kinds": "warning;fine;3",
            "note": None,
            "tiny": "0.00001",
            "name": None,
            "capital": None,
            "n": None,
            "listed": None,
        },
    )
    assert isinstance(items[2], RowError)
    assert items[2].row_no == 4
    assert items[2].reason.startswith("invalid JSON: Expecting value at column 1")
    assert items[3] == RowError(5, "invalid JSON: a line must hold one object, not array")
    assert isinstance(items[4], RowError)
    assert items[4].row_no == 6
    assert "'detail' is a nested object" in items[4].reason
    assert isinstance(items[5], RowError)
    assert "'kinds' is an array holding an array" in items[5].reason
    row8 = items[6]
    assert not isinstance(row8, RowError)
    assert row8[0] == 8
    assert row8[1]["big"] == "123456789012345678901234567890"
    assert (row8[1]["f"], row8[1]["e"]) == ("false", None)
    assert isinstance(items[7], RowError)
    assert items[7].row_no == 9
    assert "NaN" in items[7].reason
    assert isinstance(items[8], RowError)
    assert "';'" in items[8].reason
    assert items[9] == RowError(11, "a key is empty")
    # line 12 is an all-empty object: skipped like a blank line
    assert items[10] == RowError(13, "invalid JSON: a line must hold one object, not string")


def test_jsonl_invalid_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(b'{"a": "x"}\n' + '{"a": "中"}\n'.encode("gbk") + b'{"a": "y"}\n')
    with open_source(path) as src:
        assert src.encoding == "utf-8"
        items = list(src)
    assert items[0] == (1, {"a": "x"})
    assert isinstance(items[1], RowError)
    assert "invalid UTF-8" in items[1].reason
    assert items[2] == (3, {"a": "y"})


def test_jsonl_long_line_and_long_value(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    huge = b'{"a": "' + b"x" * 1_100_000 + b'"}\n'
    path.write_bytes(b'{"a": "' + b"y" * 20 + b'"}\n' + huge + b'{"a": "ok"}\n')
    with open_source(path, ReadLimits(max_field_chars=10)) as src:
        items = list(src)
    assert items[0] == RowError(1, "'a' is longer than 10 characters")
    assert items[1] == RowError(2, "line is longer than 1,048,576 bytes")
    assert items[2] == (3, {"a": "ok"})


def test_jsonl_garbage_and_empty(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_bytes(b"")
    with pytest.raises(SourceError, match="empty"):
        open_source(path)
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(SourceError, match="NUL"):
        open_source(path)
    path.write_bytes('{"a": 1}\n'.encode("utf-16"))
    with pytest.raises(SourceError, match="UTF-16 is not part of the standard"):
        open_source(path)


def test_jsonl_row_limit_and_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 5)
    with (
        open_source(path, ReadLimits(max_rows=3)) as src,
        pytest.raises(SourceError, match="row 4"),
    ):
        drain(src)
    stream = NonSeekable(b'{"a": 1}\n' * 100_000)
    with (
        open_stream(stream, "s.jsonl", ReadLimits(max_bytes=500_000)) as src,  # type: ignore[arg-type]
        pytest.raises(SourceError, match="larger than the limit"),
    ):
        drain(src)


# --------------------------------------------------------------------------------------------
# property: any table round-trips through CSV
# --------------------------------------------------------------------------------------------

_ANY_CHAR = st.characters(exclude_categories=["Cs"], exclude_characters="\x00\ufeff")


def _gbk_alphabet() -> list[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | set("\r\n\t\u3000")
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("gbk"))
            except UnicodeDecodeError:
                continue
    return sorted(chars)


_GBK_CHAR = st.sampled_from(_gbk_alphabet())
_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


def _tables(
    alphabet: st.SearchStrategy[str],
) -> st.SearchStrategy[tuple[list[str], list[list[str]]]]:
    header = st.text(alphabet, min_size=1, max_size=8).map(str.strip).filter(bool)
    return st.lists(header, min_size=1, max_size=5, unique=True).flatmap(
        lambda hs: st.tuples(
            st.just(hs),
            st.lists(
                st.lists(st.text(alphabet, max_size=12), min_size=len(hs), max_size=len(hs)),
                max_size=6,
            ),
        )
    )


def _expected(headers: list[str], rows: list[list[str]]) -> list[dict[str, str | None]]:
    out = []
    for row in rows:
        cells = [c.strip() or None for c in row]
        if any(cells):
            out.append(dict(zip(headers, cells, strict=True)))
    return out


def _roundtrip(tmp_path: Path, table: tuple[list[str], list[list[str]]], encoding: str) -> None:
    headers, rows = table
    data = csv_text([headers, *rows]).encode(encoding)
    if encoding != "utf-8":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            # Inherent ambiguity: these bytes are valid UTF-8 too (only possible with very few
            # non-ASCII characters); the reader rightly prefers UTF-8.
            assume(data.isascii())
    path = tmp_path / f"rt-{encoding}.csv"
    path.write_bytes(data)
    with open_source(path) as src:
        assert src.headers == headers
        got = [item[1] for item in src if not isinstance(item, RowError)]
    assert got == _expected(headers, rows)


@settings(max_examples=100, **_SETTINGS)  # type: ignore[arg-type]
@given(table=_tables(_ANY_CHAR))
def test_roundtrip_utf8(tmp_path: Path, table: tuple[list[str], list[list[str]]]) -> None:
    _roundtrip(tmp_path, table, "utf-8")


@settings(max_examples=60, **_SETTINGS)  # type: ignore[arg-type]
@given(table=_tables(_ANY_CHAR))
def test_roundtrip_gb18030(tmp_path: Path, table: tuple[list[str], list[list[str]]]) -> None:
    _roundtrip(tmp_path, table, "gb18030")


@settings(max_examples=100, **_SETTINGS)  # type: ignore[arg-type]
@given(table=_tables(_GBK_CHAR))
def test_roundtrip_gbk(tmp_path: Path, table: tuple[list[str], list[list[str]]]) -> None:
    _roundtrip(tmp_path, table, "gbk")


def test_xlsx_leading_and_inner_blank_rows_keep_worksheet_numbers(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A5"] = "name"  # rows 1-4 blank
    ws["B5"] = "code"
    ws["A6"] = "a"
    ws["B6"] = 1
    ws["B7"] = "  "  # whitespace only: blank
    ws["A10"] = "b"  # rows 8-9 blank
    ws["A1000"] = "c"
    wb.save(tmp_path / "lead.xlsx")
    with open_source(tmp_path / "lead.xlsx") as src:
        assert src.headers == ["name", "code"]
        rows, errors = drain(src)
        assert src.rows_read == 3
    assert errors == []
    assert rows == [
        (6, {"name": "a", "code": "1"}),
        (10, {"name": "b", "code": None}),
        (1000, {"name": "c", "code": None}),
    ]


def test_xlsx_header_must_start_in_column_a(tmp_path: Path) -> None:
    # Pinned because some XLSX libraries (calamine) drop leading empty columns silently.
    path = write_xlsx(tmp_path / "b.xlsx", [[None, "name"], [None, "x"]])
    with pytest.raises(SourceError, match="header of column 1 is empty"):
        open_source(path)


def test_xlsx_far_apart_cells_are_read_in_bounded_memory(tmp_path: Path) -> None:
    """Two cells at A1 and XFD1048576 make a 5 KB file whose bounding box is 17 billion cells.

    A reader that densifies the sheet (python-calamine 0.9: ``Range::from_sparse``, calamine
    issue #693) aborts the whole process on it; the streaming reader must not care.
    """
    path = write_xlsx(tmp_path / "far.xlsx", [["a"], [1]])
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    far = b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>'
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", far)})
    assert path.stat().st_size < 10_000
    tracemalloc.start()
    try:
        with open_source(path) as src:
            items = list(src)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert items == [(2, {"a": "1"}), RowError(1048576, "row has 16384 cells, header has 1")]
    assert peak < 50_000_000
