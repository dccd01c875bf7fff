"""Throughput and memory of the streaming readers (``entcredit.ingest.readers``).

    .venv/bin/python benchmarks/bench_readers.py [--rows 1000000] [--xlsx-rows 30000]

Prints rows/s for CSV UTF-8, CSV GBK, JSONL and XLSX (20 columns of realistic content), the
bare ``csv.reader`` parse rate on the same file as a ceiling, and the RSS growth while reading
the big CSV (sampled every 50,000 rows with psutil): streaming means it stays flat.

``XLSX calamine`` is a comparison line only: python-calamine loading the same (trusted) sheet
whole and converting the cells like the reader does. It is not on the ingest path: it
densifies the sheet in memory and aborts the process on a tiny far-apart-cells file (see
docs/ingest-formats.md).
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import psutil

from entcredit.ingest.readers import RowError, open_source

HEADER = [
    "source_id", "uscc", "subject_name", "produced_on", "authority", "op", "decision_no",
    "penalty_kinds", "amount", "legal_rep", "region_code", "address", "phone", "basis",
    "content", "status", "valid_until", "note", "dept_code", "industry_code",
]  # fmt: skip

NAMES = ["福州", "厦门", "泉州", "漳州", "莆田", "三明", "南平", "龙岩", "宁德"]
TRADES = ["贸易", "科技", "建材", "餐饮", "物流", "茶叶", "鞋业", "电子"]


def make_rows(n: int, seed: int = 7) -> Iterator[list[str]]:
    rnd = random.Random(seed)
    for i in range(n):
        city = rnd.choice(NAMES)
        yield [
            f"SRC{i:09d}",
            f"91350{rnd.randrange(10**12):012d}X",
            f"{city}市某某{rnd.choice(TRADES)}有限公司",
            f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            f"{city}市市场监督管理局",
            "upsert",
            f"闽{city}市监罚〔2024〕{i}号",
            "warning;fine" if i % 3 else "",
            f"{rnd.randint(1, 500)}.{rnd.randint(0, 99):02d}",
            "张三",
            f"3501{rnd.randint(0, 99):02d}",
            f"{city}市鼓楼区五四路{rnd.randint(1, 300)}号",
            f"1380013{rnd.randint(0, 9999):04d}",
            "《中华人民共和国行政处罚法》第二十八条",
            " 责令改正，罚款 ",
            "",
            "",
            "" if i % 7 else "有备注",
            "FJ-SAMR",
            f"F{rnd.randint(5100, 5199)}",
        ]


def write_csv(path: Path, n: int, encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(make_rows(n))


def write_jsonl(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in make_rows(n):
            obj: dict[str, object] = dict(zip(HEADER, row, strict=True))
            obj["penalty_kinds"] = row[7].split(";") if row[7] else []
            obj["amount"] = float(row[8])
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")


def write_xlsx(path: Path, n: int) -> None:
    # A normal workbook, like Excel's: shared strings and a <dimension> element. (Write-only
    # files lack <dimension>, and openpyxl then parses the whole sheet once more at load.)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for row in make_rows(n):
        ws.append(row)
    wb.save(path)


def bench(label: str, path: Path, sample_rss: bool = False) -> None:
    proc = psutil.Process()
    gc.collect()
    rss0 = proc.memory_info().rss
    peak = rss0
    rows = errors = 0
    t0 = time.perf_counter()
    with open_source(path) as src:
        for item in src:
            if isinstance(item, RowError):
                errors += 1
            rows += 1
            if sample_rss and rows % 50_000 == 0:
                peak = max(peak, proc.memory_info().rss)
        encoding = src.encoding
    dt = time.perf_counter() - t0
    size_mb = path.stat().st_size / 1e6
    line = (
        f"{label:<12} {rows:>9,} rows {size_mb:8.1f} MB {dt:7.2f} s "
        f"{rows / dt:>10,.0f} rows/s {size_mb / dt:7.1f} MB/s  encoding={encoding}"
    )
    if errors:
        line += f"  row errors={errors}"
    if sample_rss:
        line += f"  RSS growth {(peak - rss0) / 1e6:.1f} MB"
    print(line, flush=True)


def bench_parse_only(path: Path) -> None:
    t0 = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as f:
        n = sum(1 for _ in csv.reader(f)) - 1
    dt = time.perf_counter() - t0
    print(f"{'csv.reader':<12} {n:>9,} rows {'':>11} {dt:7.2f} s {n / dt:>10,.0f} rows/s"
          "  (bare parse, no dicts: the ceiling)", flush=True)  # fmt: skip


def bench_calamine(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    from entcredit.ingest.readers.xlsx import xlsx_cell

    proc = psutil.Process()
    gc.collect()
    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    rows = 0
    with path.open("rb") as f:
        wb = CalamineWorkbook.from_filelike(f)
    sheet = wb.get_sheet_by_index(0)
    rss1 = proc.memory_info().rss
    for values in sheet.iter_rows():
        cells = list(map(xlsx_cell, values))
        if any(cells):
            rows += 1
    wb.close()
    dt = time.perf_counter() - t0
    print(f"{'XLSX calamine':<12} {rows - 1:>9,} rows {'':>11} {dt:7.2f} s "
          f"{(rows - 1) / dt:>10,.0f} rows/s  (comparison only, not used: whole sheet loaded, "
          f"RSS +{(rss1 - rss0) / 1e6:.0f} MB)", flush=True)  # fmt: skip


def traced_peak(path: Path) -> int:
    tracemalloc.start()
    try:
        with open_source(path) as src:
            for _ in src:
                pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the UTF-8 CSV")
    ap.add_argument("--gbk-rows", type=int, default=300_000)
    ap.add_argument("--jsonl-rows", type=int, default=200_000)
    ap.add_argument("--xlsx-rows", type=int, default=30_000)
    args = ap.parse_args()
    print(f"Python {sys.version.split()[0]}; 20 columns", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        utf8, gbk, jsonl, xlsx = d / "u.csv", d / "g.csv", d / "j.jsonl", d / "x.xlsx"
        write_csv(utf8, args.rows, "utf-8")
        write_csv(gbk, args.gbk_rows, "gbk")
        write_jsonl(jsonl, args.jsonl_rows)
        write_xlsx(xlsx, args.xlsx_rows)
        bench_parse_only(utf8)
        bench("CSV UTF-8", utf8, sample_rss=True)
        bench("CSV GBK", gbk)
        bench("JSONL", jsonl)
        bench("XLSX", xlsx)
        bench_calamine(xlsx)
        small = d / "small.csv"
        write_csv(small, 100_000, "utf-8")
        print(
            f"tracemalloc peak: {traced_peak(small) / 1e6:.1f} MB for 100k rows, "
            f"{traced_peak(gbk) / 1e6:.1f} MB for {args.gbk_rows:,} GBK rows",
            flush=True,
        )


if __name__ == "__main__":
    main()
