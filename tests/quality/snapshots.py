"""Small hand-made Parquet snapshots in the shape ``analytics.snapshot`` writes (the schema
comes from the models, as there), so each rule can be tried on a record built for it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from entcredit.analytics.snapshot import arrow_type
from entcredit.core.uscc import compute_org_check_char, make_uscc
from entcredit.quality.scan import SCAN_TABLES
from entcredit.store.registry import all_metadata

AS_OF = date(2024, 6, 15)


def uscc(n: int) -> str:
    org = f"{n:08d}"
    return make_uscc(f"91440300{org}{compute_org_check_char(org)}")


PENALTY = {
    "decision_no": "罚〔2024〕1号",
    "violation_type": "虚假宣传",
    "facts": "发布虚假广告",
    "basis": "《广告法》第五十五条",
    "penalty_kinds": ["fine"],
    "fine_amount": "1.5",
    "heavier": False,
}


def record(n: int, **over: Any) -> dict[str, Any]:
    """An active, clean penalty record about enterprise ``n``; ``fields`` merge into the
    penalty's own fields unless ``category`` changes."""
    fields = over.pop("fields", {})
    row: dict[str, Any] = {
        "id": n,
        "category": "penalty",
        "dept_code": "D1",
        "source_id": f"S{n:05d}",
        "uscc": uscc(n),
        "enterprise_id": n,
        "subject_name": f"测试{n}有限公司",
        "name_mismatch": False,
        "produced_on": date(2024, 3, 1),
        "authority": "某局",
        "status": "active",
        "version": 1,
        "content_hash": "0" * 32,
        "received_on": date(2024, 3, 4),
        "aggregate_due": date(2024, 3, 12),
        "aggregated_on_time": True,
        "publish_due": date(2024, 4, 1),
        "deadline_provisional": False,
        "published_on": date(2024, 3, 4),
        "first_batch_id": 1,
        "last_batch_id": 1,
        "last_op": "create",
        "last_row_no": 1,
    }
    row.update(over)
    base = PENALTY | {"decision_no": f"罚〔2024〕{n}号"} if row["category"] == "penalty" else {}
    row["fields"] = base | fields
    return row


def enterprise(n: int, **over: Any) -> dict[str, Any]:
    row = {
        "id": n,
        "uscc": uscc(n),
        "name": f"测试{n}有限公司",
        "entity_type": "enterprise",
        "legal_rep": "张三",
        "established_on": date(2015, 1, 1),
        "reg_authority": "某局",
        "region_code": "440300",
        "address": "某地",
        "status": "active",
        "content_hash": "0" * 32,
        "version": 1,
        "updated_at": datetime(2024, 1, 1, tzinfo=UTC),
    }
    row.update(over)
    return row


def department(
    code: str, *, region: str = "440000", level: str = "province", amr: bool = False
) -> dict[str, Any]:
    return {
        "id": abs(hash(code)) % 100_000,
        "dept_code": code,
        "name": code,
        "region_code": region,
        "level": level,
        "is_market_regulator": amr,
        "content_hash": "0" * 32,
        "version": 1,
        "updated_at": datetime(2024, 1, 1, tzinfo=UTC),
    }


def write_snapshot(folder: Path, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    metadata = all_metadata()
    for name in SCAN_TABLES:
        table = metadata.tables[name]
        schema = pa.schema([(c.name, arrow_type(c)) for c in table.columns])
        rows = [
            {
                c.name: orjson.dumps(r[c.name]).decode()
                if c.name in ("fields", "summary") and c.name in r
                else r.get(c.name)
                for c in table.columns
            }
            for r in tables.get(name, ())
        ]
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / f"{name}.parquet")
    return folder
