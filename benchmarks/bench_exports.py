"""Open-data export benchmark (issue 3): rows/s and peak Python memory of the CSV and JSONL
exports of the penalty category, at two store sizes, on SQLite and PostgreSQL. Constant memory
means the peak does not grow with the number of rows (it is bounded by two read batches of
the portal service: pick sizes past one batch, 5,000 rows).

Speed and memory are measured in separate passes: tracemalloc slows Python code several
times over, so a traced pass would understate the rate. The 1-minute load average is printed
beside each rate (the machine may be shared).

    .venv/bin/python benchmarks/bench_exports.py                        # 10k and 40k rows
    .venv/bin/python benchmarks/bench_exports.py --rows 100000 --stores postgresql

Rows are loaded through the real ingest path. Prints a table and writes
benchmarks/out/exports.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from entcredit.core.uscc import compute_org_check_char, make_uscc
from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.opendata.exports import FORMATS, Format, export_chunks, record_categories
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory
from entcredit.store.migrate import upgrade

OUT = Path(__file__).parent / "out"
PG_ADMIN = os.environ.get(
    "ENTCREDIT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
AS_OF = date(2024, 3, 20)
HEADER = [
    "dept_code",
    "source_id",
    "uscc",
    "subject_name",
    "produced_on",
    "authority",
    "decision_no",
    "violation_type",
    "facts",
    "basis",
    "penalty_kinds",
    "fine_amount",
]


def write_penalties(path: Path, start: int, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for n in range(start, start + rows):
            org = f"{n % 50_000:08d}"
            w.writerow(
                [
                    "DEPT_A",
                    f"P{n:09d}",
                    make_uscc(f"91440300{org}{compute_org_check_char(org)}"),
                    f"深圳市测试{n % 50_000}有限公司",
                    "2024-03-01",
                    "深圳市市场监督管理局",
                    f"深市监罚〔2024〕{n}号",
                    "虚假宣传",
                    "=发布虚假广告，当事人身份证号440305198001010012"
                    if n % 97 == 0
                    else "虚假宣传",
                    "《广告法》第五十五条",
                    "fine",
                    "1.5",
                ]
            )


@contextmanager
def store(kind: str, where: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{where / 'exports.db'}"
        return
    name = f"entcredit_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def export_size(factory: Any, fmt: Format) -> int:
    category = next(c for c in record_categories() if c.name == "penalty")
    return sum(len(chunk) for chunk in export_chunks(factory, category, AS_OF, fmt))


def measure(factory: Any, fmt: Format) -> dict[str, float]:
    began, cpu = time.perf_counter(), time.process_time()
    size = export_size(factory, fmt)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    load = os.getloadavg()[0]
    tracemalloc.start()
    export_size(factory, fmt)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "bytes": size,
        "peak_mib": peak / 2**20,
        "load_1min": load,
    }


def run(kind: str, sizes: list[int]) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as url:
        settings = Settings(database_url=url, data_dir=Path(tmp))
        engine = make_engine(settings)
        upgrade(engine)
        base = IngestContext.from_settings(settings)
        ctx = IngestContext(settings, base.catalog, base.calendar, now=lambda: NOW)
        factory = make_session_factory(engine)
        loaded = 0
        for target in sizes:
            path = Path(tmp) / f"p{target}.csv"
            write_penalties(path, loaded, target - loaded)
            load_path(factory, ctx, path, LoadOptions(received_on=NOW.date()))
            loaded = target
            for fmt in FORMATS:
                m = measure(factory, fmt)
                results.append({"store": kind, "rows": target, "format": fmt, **m})
                print(
                    f"{kind:10} {target:>8,} {fmt:5} {target / m['seconds']:>10,.0f} rows/s "
                    f"({target / m['cpu_seconds']:>7,.0f}/CPU-s) "
                    f"{m['bytes'] / 2**20:>6.1f} MiB out  peak {m['peak_mib']:5.1f} MiB  "
                    f"load {m['load_1min']:.1f}"
                )
        engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="smaller size; larger is 4x")
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    sizes = [args.rows, 4 * args.rows]
    results = []
    for kind in args.stores.split(","):
        results.extend(run(kind, sizes))
    for kind in args.stores.split(","):
        for fmt in FORMATS:
            small, large = (
                r["peak_mib"] for r in results if r["store"] == kind and r["format"] == fmt
            )
            print(f"{kind} {fmt}: peak memory ratio 4x rows / 1x rows = {large / small:.2f}")
    OUT.mkdir(exist_ok=True)
    (OUT / "exports.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
