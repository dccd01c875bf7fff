"""Small, explicit test data in the exchange standard."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from entcredit.core.idnum import make_resident_id
from entcredit.core.uscc import compute_org_check_char, make_uscc

ENTERPRISE_HEADER = [
    "uscc",
    "name",
    "entity_type",
    "legal_rep",
    "legal_rep_id",
    "established_on",
    "reg_authority",
    "region_code",
    "address",
    "status",
    "former_names",
]
PENALTY_HEADER = [
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

# The common columns every aggregated category starts with.
COMMON_HEADER = PENALTY_HEADER[:6]
LICENSE_HEADER = [
    *COMMON_HEADER,
    "decision_no",
    "license_name",
    "license_kind",
    "content",
    "valid_from",
]
ABNORMAL_HEADER = [*COMMON_HEADER, "action", "reason_code", "decision_no"]
INSPECTION_HEADER = [*COMMON_HEADER, "inspection_kind", "result_code"]
ROLE_HEADER = ["uscc", "person_name", "person_id", "role"]


def uscc(n: int) -> str:
    org = f"{n:08d}"
    return make_uscc(f"91440300{org}{compute_org_check_char(org)}")


def person_id(n: int) -> str:
    return make_resident_id(f"44030519800101{n % 1000:03d}")


def enterprise_row(n: int, **over: Any) -> dict[str, Any]:
    row = {
        "uscc": uscc(n),
        "name": f"深圳市测试{n}有限公司",
        "entity_type": "enterprise",
        "legal_rep": f"张{n}",
        "legal_rep_id": person_id(n),
        "established_on": "2015-03-02",
        "reg_authority": "深圳市市场监督管理局",
        "region_code": "440300",
        "address": f"深圳市南山区科技园{n}号",
        "status": "active",
        "former_names": "",
    }
    row.update(over)
    return row


def penalty_row(n: int, ent: int | None = None, **over: Any) -> dict[str, Any]:
    e = n if ent is None else ent
    row = {
        "dept_code": "DEPT_A",
        "source_id": f"P{n:06d}",
        "uscc": uscc(e),
        "subject_name": f"深圳市测试{e}有限公司",
        "produced_on": "2024-03-01",
        "authority": "深圳市市场监督管理局",
        "decision_no": f"深市监罚〔2024〕{n}号",
        "violation_type": "虚假宣传",
        "facts": "发布虚假广告",
        "basis": "《广告法》第五十五条",
        "penalty_kinds": "fine",
        "fine_amount": "1.5",
    }
    row.update(over)
    return row


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[dict[str, Any]],
    encoding: str = "utf-8",
    labels: dict[str, str] | None = None,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow([labels.get(h, h) for h in header] if labels else header)
        for r in rows:
            w.writerow(["" if r.get(h) is None else r.get(h) for h in header])
    return path


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[dict[str, Any]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(list(header))
    for r in rows:
        ws.append([r.get(h) or None for h in header])
    wb.save(path)
    return path
