"""Ingest benchmark (issue 2): end-to-end load of penalty and licence rows from CSV into
SQLite and PostgreSQL, beside the raw bulk-load rate of the same rows into the same store with
no validation (SQLite executemany, PostgreSQL COPY), and peak memory of a load by file size.

    .venv/bin/python benchmarks/bench_ingest.py                      # 1 M rows, both stores
    .venv/bin/python benchmarks/bench_ingest.py --rows 200000 --stores sqlite --memory-rows 0

Prints a table of rows/s and ratios and writes benchmarks/out/ingest.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from _stores import OUT, fresh_store
from entcredit.core.uscc import compute_org_check_char, make_uscc
from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path, loading_transaction
from entcredit.settings import Settings
from entcredit.store.bulk import RECORD_COLUMNS, bulk_store
from entcredit.store.db import make_engine, make_session_factory

ENTERPRISES = 100_000
PENALTY = [
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
    "domain",
]
LICENSE = [
    "dept_code",
    "source_id",
    "uscc",
    "subject_name",
    "produced_on",
    "authority",
    "decision_no",
    "license_name",
    "license_no",
    "license_kind",
    "content",
    "valid_from",
    "valid_to",
]
ENTERPRISE = [
    "uscc",
    "name",
    "entity_type",
    "legal_rep",
    "established_on",
    "reg_authority",
    "region_code",
    "address",
    "status",
]
CITIES = ["广州", "深圳", "佛山", "东莞", "珠海", "汕头", "中山", "惠州", "江门", "湛江"]
VIOLATIONS = [
    ("虚假宣传", "《中华人民共和国广告法》第五十五条"),
    ("无照经营", "《无证无照经营查处办法》第十三条"),
    ("销售过期食品", "《中华人民共和国食品安全法》第一百二十四条"),
    ("未按规定公示信息", "《企业信息公示暂行条例》第十八条"),
]
LICENCES = [
    "食品经营许可证",
    "药品经营许可证",
    "排污许可证",
    "建筑施工许可证",
    "道路运输经营许可证",
]


def uscc(n: int) -> str:
    org = f"{n:08d}"
    return make_uscc(f"91440300{org}{compute_org_check_char(org)}")


def name(n: int) -> str:
    return f"{CITIES[n % len(CITIES)]}市测试{n}贸易有限公司"


def write_data(
    folder: Path, rows: int, seed: int = 7, categories: tuple[str, ...] = ("penalty", "license")
) -> dict[str, Path]:
    """An enterprise register and files of ``rows`` rows split over ``categories``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = {"enterprise": folder / "enterprise.csv"}
    if not paths["enterprise"].exists():
        with paths["enterprise"].open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(ENTERPRISE)
            for n in range(1, ENTERPRISES + 1):
                w.writerow(
                    [
                        uscc(n),
                        name(n),
                        "enterprise",
                        f"张{n % 997}",
                        "2015-03-02",
                        "深圳市市场监督管理局",
                        "440300",
                        f"深圳市南山区科技路{n}号",
                        "active",
                    ]
                )
    base = date(2024, 1, 2)
    for cat, header in (("penalty", PENALTY), ("license", LICENSE)):
        if cat not in categories:
            continue
        path = paths[cat] = folder / f"{cat}_{rows // len(categories)}.csv"
        if path.exists():
            continue
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            for i in range(rows // len(categories)):
                e = rng.randrange(1, ENTERPRISES + 1)
                d = base + timedelta(days=rng.randrange(120))
                common = [
                    f"DEPT{i % 40:02d}",
                    f"{cat[0].upper()}{i:08d}",
                    uscc(e),
                    name(e),
                    d.isoformat(),
                    "深圳市市场监督管理局",
                ]
                if cat == "penalty":
                    v, basis = VIOLATIONS[i % len(VIOLATIONS)]
                    w.writerow(
                        [
                            *common,
                            f"深市监罚〔2024〕{i}号",
                            v,
                            f"当事人{v}，经查属实。",
                            basis,
                            "fine" if i % 3 else "warning;fine",
                            f"{rng.randrange(1, 500) / 10}",
                            "consumer",
                        ]
                    )
                else:
                    lic = LICENCES[i % len(LICENCES)]
                    w.writerow(
                        [
                            *common,
                            f"粤许〔2024〕{i}号",
                            lic,
                            f"JY{i:010d}",
                            "ordinary",
                            f"{lic}：准予许可",
                            d.isoformat(),
                            (d + timedelta(days=1825)).isoformat(),
                        ]
                    )
    return paths


def end_to_end(url: str, paths: dict[str, Path]) -> dict[str, Any]:
    settings = Settings(database_url=url, data_dir=OUT)
    factory = make_session_factory(make_engine(settings))
    ctx = IngestContext.from_settings(settings)
    received = date(2024, 6, 3)
    load_path(factory, ctx, paths["enterprise"], LoadOptions(received_on=received))  # untimed
    rows = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for cat in ("penalty", "license"):
        r = load_path(factory, ctx, paths[cat], LoadOptions(category=cat, received_on=received))
        assert r.rows_rejected == 0, r.rejected_by_reason
        rows += r.rows_read
    return {
        "rows": rows,
        "seconds": time.perf_counter() - wall,
        "cpu_seconds": time.process_time() - cpu,
    }


def raw_load(url: str, paths: dict[str, Path]) -> dict[str, Any]:
    """The same rows into the same table through the same driver fast path, with no parsing
    beyond csv, no validation, attribution, deadlines or history."""
    settings = Settings(database_url=url, data_dir=OUT)
    factory = make_session_factory(make_engine(settings))
    rows = 0
    wall = time.perf_counter()
    with loading_transaction(factory) as session:
        store = bulk_store(session)
        for cat, header in (("penalty", PENALTY), ("license", LICENSE)):
            with paths[cat].open(encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                chunk: list[list[Any]] = []
                for cells in reader:
                    rows += 1
                    fields = orjson.dumps(dict(zip(header[6:], cells[6:], strict=True))).decode()
                    chunk.append(
                        [
                            rows,
                            cat,
                            cells[0],
                            cells[1],
                            cells[2],
                            None,
                            None,
                            cells[3],
                            False,
                            cells[4],
                            cells[5],
                            fields,
                            "active",
                            1,
                            "0" * 32,
                            "2024-06-03",
                            cells[4],
                            True,
                            "2024-07-01",
                            False,
                            "2024-06-03",
                            0,
                            0,
                            "create",
                            rows,
                        ]
                    )
                    if len(chunk) == 5000:
                        store.insert("records", RECORD_COLUMNS, chunk)
                        chunk = []
                store.insert("records", RECORD_COLUMNS, chunk)
    return {"rows": rows, "seconds": time.perf_counter() - wall}


def peak_memory(path: Path, kind: str = "sqlite") -> float:
    """Peak RSS (MiB) of a CLI load of ``path``, summed over its process tree (the loader
    and its checking worker), sampled every 50 ms: streaming keeps it flat."""
    import psutil

    url = fresh_store(kind, "bench-mem")
    env = dict(os.environ, ENTCREDIT_DATABASE_URL=url, ENTCREDIT_DATA_DIR=str(OUT))
    cmd = [
        str(Path(sys.executable).parent / "entcredit"),
        "ingest",
        "load",
        str(path),
        "--category",
        "penalty",
        "--received-on",
        "2024-06-03",
        "--json",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    if proc.returncode != 0:
        raise SystemExit(f"load of {path} failed with status {proc.returncode}")
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--stores", default="sqlite,postgresql")
    ap.add_argument(
        "--memory-rows",
        default="1000000,5000000",
        help="penalty file sizes for the peak-memory runs (0 to skip)",
    )
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    data = OUT / "data"
    paths = write_data(data, args.rows)
    results: dict[str, Any] = {"rows": args.rows, "cpu_count": os.cpu_count(), "stores": {}}
    print(f"{'store':12} {'end-to-end rows/s':>18} {'raw rows/s':>12} {'ratio':>7}")
    for kind in [s for s in args.stores.split(",") if s]:
        e2e = end_to_end(fresh_store(kind, "bench-e2e"), paths)
        raw = raw_load(fresh_store(kind, "bench-raw"), paths)
        e_rate, r_rate = e2e["rows"] / e2e["seconds"], raw["rows"] / raw["seconds"]
        results["stores"][kind] = {
            "end_to_end": e2e,
            "raw": raw,
            "end_to_end_rows_per_s": e_rate,
            "raw_rows_per_s": r_rate,
            "ratio": e_rate / r_rate,
        }
        print(f"{kind:12} {e_rate:18,.0f} {r_rate:12,.0f} {e_rate / r_rate:7.2f}", flush=True)
    mem: dict[str, float] = {}
    for n in [int(x) for x in args.memory_rows.split(",") if int(x)]:
        p = write_data(data, n, categories=("penalty",))["penalty"]
        mem[str(n)] = peak_memory(p)
        print(f"peak RSS loading {n:,} rows: {mem[str(n)]:.0f} MiB", flush=True)
    results["peak_rss_mib"] = mem
    (OUT / "ingest.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
