"""Quality scan benchmark (issue 5): every rule over a Parquet snapshot of N records on DuckDB,
beside a plain DuckDB query that only counts rows per category over the same snapshot.

    .venv/bin/python benchmarks/bench_quality.py                    # 10 M records
    .venv/bin/python benchmarks/bench_quality.py --records 1000000  # a quick look

The snapshot is generated straight into Parquet with DuckDB (the store and ingest are not
involved): the snapshot's schema, a realistic category mix, valid USCCs, and a few per cent
of late, unlinked and misnamed records. The scan and the baseline each run in a fresh child
process, so the peak memory reported is theirs. Writes benchmarks/out/quality.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from entcredit.analytics.snapshot import arrow_type
from entcredit.catalog import load_catalog
from entcredit.core.uscc import compute_org_check_char, make_uscc
from entcredit.quality.rules import load_rules
from entcredit.quality.scan import SCAN_TABLES, scan_snapshot
from entcredit.store.registry import all_metadata

OUT = Path(__file__).parent / "out"
AS_OF = date(2024, 7, 1)
DEPARTMENTS = 120
# (category, share, fields JSON as an SQL expression of i)
CATEGORIES: list[tuple[str, int, str]] = [
    (
        "license",
        55,
        """'{"decision_no":"许〔2024〕' || i || '号","license_name":"食品经营许可证",'
        || '"license_kind":"ordinary","content":"食品销售","valid_from":"'
        || strftime(produced_on, '%Y-%m-%d') || '"}'""",
    ),
    (
        "penalty",
        8,
        """'{"decision_no":"罚〔2024〕' || i || '号","violation_type":"虚假宣传",'
        || '"facts":"发布虚假广告","basis":"《广告法》第五十五条","penalty_kinds":'
        || CASE WHEN i // 100 % 50 = 0 THEN '["fine","revoke_license"]' ELSE '["fine"]' END
        || ',"fine_amount":"1.5","heavier":'
        || CASE WHEN i // 100 % 50 = 0 THEN 'true' ELSE 'false' END
        || '}'""",
    ),
    (
        "inspection",
        15,
        """'{"inspection_kind":"random","result_code":"'
        || CASE WHEN i // 100 % 40 = 0 THEN '6' ELSE '1' END || '"}'""",
    ),
    (
        "abnormal_list",
        7,
        """'{"action":"list","reason_code":"'
        || CASE WHEN i // 100 % 3 = 0 THEN '4' ELSE '1' END
        || '","decision_no":"异' || i || '"}'""",
    ),
    ("annual_report", 12, """'{"year":2023,"filed_on":"2024-05-01","employees":5}'"""),
    ("address_signal", 3, """'{"signal":"mail_returned"}'"""),
]


def _write(folder: Path, name: str, rows: list[dict[str, Any]]) -> None:
    table = all_metadata().tables[name]
    schema = pa.schema([(c.name, arrow_type(c)) for c in table.columns])
    full = [{c.name: r.get(c.name) for c in table.columns} for r in rows]
    pq.write_table(pa.Table.from_pylist(full, schema=schema), folder / f"{name}.parquet")


def generate(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    n_ent = max(1000, n // 10)
    org = [f"{i:08d}" for i in range(1, n_ent + 1)]
    usccs = [make_uscc(f"91440300{o}{compute_org_check_char(o)}") for o in org]
    ents = pa.table(
        {
            "id": pa.array(range(1, n_ent + 1), pa.int64()),
            "uscc": usccs,
            "name": [f"企业{i}有限公司" for i in range(1, n_ent + 1)],
        }
    )
    db = duckdb.connect()
    db.register("ents_in", ents)
    meta = all_metadata().tables["enterprises"]
    cols = []
    for c in meta.columns:
        if c.name in ("id", "uscc", "name"):
            cols.append(c.name)
        elif c.name == "status":
            cols.append("'active' AS status")
        elif c.name == "established_on":
            cols.append("DATE '2010-01-01' AS established_on")
        elif c.name in ("entity_type", "legal_rep", "reg_authority", "address", "content_hash"):
            cols.append(f"'x' AS {c.name}")
        elif c.name == "region_code":
            cols.append("'440300' AS region_code")
        else:
            cols.append(f"NULL AS {c.name}")
    db.execute(
        f"COPY (SELECT {', '.join(cols)} FROM ents_in) TO '{folder / 'enterprises.parquet'}'"
        " (FORMAT parquet, COMPRESSION zstd)"
    )
    edges, acc = [], 0
    for _, share, _ in CATEGORIES:
        acc += share
        edges.append(acc)
    pick = (
        "CASE "
        + " ".join(
            f"WHEN i % {acc} < {edge} THEN '{cat}'"
            for (cat, _, _), edge in zip(CATEGORIES, edges, strict=True)
        )
        + " END"
    )
    fields = (
        "CASE "
        + " ".join(f"WHEN category = '{cat}' THEN {expr}" for cat, _, expr in CATEGORIES)
        + " END"
    )
    db.execute(f"""
    COPY (
      WITH base AS (
        SELECT i, {pick} AS category,
          -- one entity's records fall on different days: no accidental twins
          DATE '2023-01-02' + CAST((i % {n_ent} * 13 + i // {n_ent}) % 540 AS INTEGER)
            AS produced_on,
          CAST(i * 7919 % {n_ent} + 1 AS BIGINT) AS ent
        FROM range({n}) t(i)),
      r AS (
        SELECT b.*, e.uscc, e.name FROM base b JOIN ents_in e ON e.id = b.ent)
      SELECT i + 1 AS id, category, 'D' || lpad(CAST(i % {DEPARTMENTS} AS VARCHAR), 3, '0')
          AS dept_code, 'S' || i AS source_id, uscc, NULL AS reg_no,
        CASE WHEN i % 100 = 7 THEN NULL ELSE ent END AS enterprise_id,
        CASE WHEN i % 100 = 13 THEN '某某公司' ELSE name END AS subject_name,
        i % 100 = 13 AS name_mismatch, produced_on, '某局' AS authority,
        {fields} AS fields, 'active' AS status, 1 AS version, 'h' AS content_hash,
        produced_on + CASE WHEN i % 100 = 21 THEN 30 ELSE 2 END AS received_on,
        produced_on + 9 AS aggregate_due,
        CASE WHEN category = 'annual_report' THEN NULL ELSE i % 100 <> 21 END
          AS aggregated_on_time,
        produced_on + 40 AS publish_due, false AS deadline_provisional,
        produced_on + CASE WHEN i % 100 = 21 THEN 30 ELSE 2 END AS published_on,
        1 AS first_batch_id, 1 AS last_batch_id, 'create' AS last_op, 1 AS last_row_no
      FROM r ORDER BY i
    ) TO '{folder / "records.parquet"}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)
    """)
    _write(
        folder,
        "departments",
        [
            {
                "id": d,
                "dept_code": f"D{d:03d}",
                "name": f"部门{d}",
                "region_code": f"44{(d % 20) + 1:02d}00",
                "level": "city" if d % 3 == 0 else "province",
                "is_market_regulator": d % 3 == 0,
            }
            for d in range(DEPARTMENTS)
        ],
    )
    _write(folder, "person_roles", [])
    _write(folder, "ingest_batches", [{"id": 1, "dept_code": "D000", "received_on": AS_OF}])
    assert all((folder / f"{t}.parquet").exists() for t in SCAN_TABLES)


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across
    the exec that starts a spawned child)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _baseline(folder: Path, q: Any) -> None:
    began = time.perf_counter()
    records = folder / "records.parquet"
    db = duckdb.connect()
    rows = db.sql(f"SELECT category, count(*) FROM read_parquet('{records}') GROUP BY 1").fetchall()
    seconds = time.perf_counter() - began
    # For scale: the least any rule over the records' own fields costs, one JSON read a row.
    began = time.perf_counter()
    db.sql(
        f"SELECT count(*) FROM read_parquet('{records}')"
        " WHERE json_extract_string(fields, '$.decision_no') IS NOT NULL"
    ).fetchall()
    json_seconds = time.perf_counter() - began
    q.put(
        {
            "seconds": seconds,
            "json_seconds": json_seconds,
            "categories": len(rows),
            "peak_rss_mb": _peak_mb(),
        }
    )


def _scan(folder: Path, q: Any) -> None:
    began = time.perf_counter()
    result = scan_snapshot(folder, load_catalog(), load_rules(), AS_OF)
    seconds = time.perf_counter() - began
    by_rule: dict[str, int] = {}
    for r in result.findings.column("rule").to_pylist():
        by_rule[r] = by_rule.get(r, 0) + 1
    q.put(
        {
            "seconds": seconds,
            "findings": result.findings.num_rows,
            "by_rule": by_rule,
            "peak_rss_mb": _peak_mb(),
        }
    )


def _child(target: Any, folder: Path) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(folder, q))
    p.start()
    p.join()
    if p.exitcode != 0:
        raise SystemExit(f"{target.__name__} failed (exit code {p.exitcode})")
    out: dict[str, Any] = q.get()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--folder", type=Path, default=None, help="snapshot folder (reused)")
    args = ap.parse_args()
    folder = args.folder or OUT / f"quality-snapshot-{args.records}"
    if not (folder / "records.parquet").exists():
        began = time.perf_counter()
        generate(folder, args.records)
        print(f"generated {args.records:,} records in {time.perf_counter() - began:.1f} s")
    base = _child(_baseline, folder)
    scan = _child(_scan, folder)
    ratio = scan["seconds"] / base["seconds"]
    size = (folder / "records.parquet").stat().st_size / 2**20
    print(f"records            {args.records:>14,}  ({size:,.0f} MB Parquet)")
    print(f"baseline count     {base['seconds']:>14.2f} s  peak {base['peak_rss_mb']:,.0f} MB")
    print(f"one JSON field read {base['json_seconds']:>13.2f} s  (the floor of any field rule)")
    print(f"full quality scan  {scan['seconds']:>14.2f} s  peak {scan['peak_rss_mb']:,.0f} MB")
    print(f"findings           {scan['findings']:>14,}  {scan['by_rule']}")
    print(f"ratio scan/count   {ratio:>14.1f}  (goal <= 5; scan goal < 60 s)")
    OUT.mkdir(exist_ok=True)
    (OUT / "quality.json").write_text(
        json.dumps(
            {"records": args.records, "baseline": base, "scan": scan, "ratio": ratio}, indent=1
        )
    )


if __name__ == "__main__":
    main()
