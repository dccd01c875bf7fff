"""A small store for the list services, built through the real ingest path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.report import BatchReport
from entcredit.ingest.service import load_path
from entcredit.lists.models import ListEntry
from entcredit.lists.store import ListsContext
from entcredit.settings import Settings
from entcredit.store.db import make_session_factory
from tests.ingest.factories import enterprise_row, uscc, write_csv

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
CITY, COUNTY, PROVINCE = "AMR440300", "AMR440305", "AMR440000"
DEPTS = [
    {"dept_code": PROVINCE, "name": "广东省市场监督管理局", "region_code": "440000",
     "level": "province", "is_market_regulator": "true"},
    {"dept_code": CITY, "name": "深圳市市场监督管理局", "region_code": "440300",
     "level": "city", "is_market_regulator": "true"},
    {"dept_code": COUNTY, "name": "深圳市南山区市场监督管理局", "region_code": "440305",
     "level": "county", "is_market_regulator": "true"},
]  # fmt: skip
ABN_HEADER = ["source_id", "uscc", "subject_name", "produced_on", "authority", "action",
              "reason_code", "decision_no"]  # fmt: skip
SER_HEADER = ["source_id", "uscc", "subject_name", "produced_on", "authority", "action",
              "article", "decision_no", "penalty_decision_no", "expires_on"]  # fmt: skip


def individual_uscc(n: int) -> str:
    from entcredit.core.uscc import compute_org_check_char, make_uscc

    org = f"{n:08d}"
    return make_uscc(f"92440300{org}{compute_org_check_char(org)}")


@dataclass
class World:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    ingest: IngestContext
    ctx: ListsContext
    tmp: Path
    _n: int = 0

    def load(
        self,
        category: str,
        header: Sequence[str],
        rows: Sequence[dict[str, Any]],
        *,
        dept: str | None = CITY,
        received_on: date | None = None,
        progress: Callable[[int], None] | None = None,
        chunk_rows: int = 5000,
    ) -> BatchReport:
        self._n += 1
        path = write_csv(self.tmp / f"{self._n:03d}_{category}.csv", header, rows)
        options = LoadOptions(
            category=category,
            dept_code=dept,
            received_on=received_on,
            submitted_by="test",
            chunk_rows=chunk_rows,
        )
        return load_path(self.factory, self.ingest, path, options, progress)

    def enterprises(self, rows: Sequence[dict[str, Any]]) -> None:
        self.load("enterprise", list(rows[0]), rows, dept=None)

    def entries(self, session: Session, subject: str) -> list[ListEntry]:
        return list(
            session.scalars(
                select(ListEntry).where(ListEntry.uscc == subject).order_by(ListEntry.id)
            )
        )


def make_world(settings: Settings, engine: Engine, tmp: Path) -> World:
    base = IngestContext.from_settings(settings)
    ingest = IngestContext(settings, base.catalog, base.calendar, now=lambda: NOW)
    w = World(
        settings,
        engine,
        make_session_factory(engine),
        ingest,
        ListsContext.from_settings(settings, ingest),
        tmp,
    )
    w.load("department", list(DEPTS[0]), DEPTS, dept=None)
    return w


def ent(n: int, **over: Any) -> dict[str, Any]:
    row = enterprise_row(n, reg_authority="深圳市市场监督管理局", **over)
    row.setdefault("status_on", "")
    return row


def abn(sid: str, n: int | str, on: str, action: str, reason: str, no: str = "") -> dict[str, Any]:
    subject = uscc(n) if isinstance(n, int) else n
    return {
        "source_id": sid,
        "uscc": subject,
        "subject_name": f"深圳市测试{n}有限公司",
        "produced_on": on,
        "authority": "深圳市市场监督管理局",
        "action": action,
        "reason_code": reason,
        "decision_no": no or f"深市监异〔{sid}〕",
    }


def ser(sid: str, n: int, on: str, action: str, **over: Any) -> dict[str, Any]:
    row = {
        "source_id": sid,
        "uscc": uscc(n),
        "subject_name": f"深圳市测试{n}有限公司",
        "produced_on": on,
        "authority": "深圳市市场监督管理局",
        "action": action,
        "decision_no": f"深市监严〔{sid}〕",
    }
    row.update(over)
    return row
