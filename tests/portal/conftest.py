"""A small province loaded through the real ingest path, with one record for each way a record
stays out of public view, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.lists.models import ListEntry
from entcredit.publicity.models import PublicityStop
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work
from entcredit.store.models import Enterprise, Record
from entcredit.web.app import create_app
from entcredit.web.deps import today
from tests.conftest import fresh_store, make_settings
from tests.ingest.factories import (
    ABNORMAL_HEADER,
    ENTERPRISE_HEADER,
    INSPECTION_HEADER,
    LICENSE_HEADER,
    PENALTY_HEADER,
    enterprise_row,
    penalty_row,
    person_id,
    uscc,
    write_csv,
)

AS_OF = date(2024, 7, 1)
RECEIVED = date(2024, 3, 5)
NOW = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
SCRIPT_NAME = "<script>alert(1)</script>有限公司"
# A full ID number typed into a penalty's facts: public pages must show it masked.
ID_IN_FACTS = person_id(77)
N_LICENCES = 25


@dataclass(frozen=True)
class Province:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    e1: int  # 深圳 enterprise with every kind of record
    e2: int  # 广州 individual business whose name is a script payload
    # decision numbers of records that must never show, by why
    hidden: dict[str, str]
    full_ids: tuple[str, ...]  # full ID numbers loaded; no page may show one


def _ctx(settings: Settings) -> IngestContext:
    base = IngestContext.from_settings(settings)
    return IngestContext(
        settings=settings, catalog=base.catalog, calendar=base.calendar, now=lambda: NOW
    )


def _list_row(n: int, ent: int, action: str, reason: str, **over: Any) -> dict[str, Any]:
    row = {
        "dept_code": "AMR440300",
        "source_id": f"A{n:04d}",
        "uscc": uscc(ent),
        "subject_name": f"深圳市测试{ent}有限公司",
        "produced_on": "2024-03-01",
        "authority": "深圳市市场监督管理局",
        "action": action,
        "reason_code": reason,
        "decision_no": f"深市监异〔2024〕{n}号",
    }
    row.update(over)
    return row


def build_province(settings: Settings, engine: Engine, tmp: Path) -> Province:
    factory = make_session_factory(engine)
    ctx = _ctx(settings)
    scheduled = _ctx(settings.model_copy(update={"publish_mode": "scheduled"}))

    def load(name: str, header: list[str], rows: list[dict[str, Any]], **opts: Any) -> None:
        c = opts.pop("ctx", ctx)
        report = load_path(
            factory,
            c,
            write_csv(tmp / name, header, rows),
            LoadOptions(received_on=opts.pop("received_on", RECEIVED), **opts),
        )
        assert report.rows_rejected == 0, report

    load(
        "departments.csv",
        ["dept_code", "name", "region_code", "level", "is_market_regulator"],
        [
            {
                "dept_code": "AMR440300",
                "name": "深圳市市场监督管理局",
                "region_code": "440300",
                "level": "city",
                "is_market_regulator": "true",
            },
            {
                "dept_code": "AMR440100",
                "name": "广州市市场监督管理局",
                "region_code": "440100",
                "level": "city",
                "is_market_regulator": "true",
            },
        ],
        category="department",
    )
    load(
        "enterprises.csv",
        ENTERPRISE_HEADER,
        [
            enterprise_row(1, former_names="深圳市旧名1有限公司"),
            enterprise_row(
                2,
                name=SCRIPT_NAME,
                entity_type="individual",
                region_code="440106",
                reg_authority="广州市天河区市场监督管理局",
            ),
        ],
    )
    load(
        "roles.csv",
        ["uscc", "person_name", "person_id", "role"],
        [
            {
                "uscc": uscc(1),
                "person_name": "张一",
                "person_id": person_id(1),
                "role": "legal_rep",
            },
            {"uscc": uscc(1), "person_name": "李二", "person_id": person_id(2), "role": "director"},
        ],
    )
    pen = {"dept_code": "AMR440300"}
    load(
        "penalties.csv",
        PENALTY_HEADER,
        [
            penalty_row(1, ent=1, fine_amount="10", facts=f"当事人身份证号{ID_IN_FACTS}", **pen),
            penalty_row(2, ent=1, penalty_kinds="warning", fine_amount="", **pen),
            penalty_row(3, ent=1, fine_amount="0.1", **pen),  # 3 months: ended by AS_OF
            penalty_row(4, ent=1, fine_amount="10", **pen),  # withdrawn below
            penalty_row(6, ent=1, fine_amount="10", **pen),  # publicity stopped below
        ],
    )
    load(
        "withdraw.csv",
        [*PENALTY_HEADER, "op"],
        [penalty_row(4, ent=1, fine_amount="10", op="withdraw", **pen)],
    )
    load(
        "unpublished.csv",
        PENALTY_HEADER,
        [penalty_row(5, ent=1, fine_amount="10", **pen)],
        ctx=scheduled,
    )
    load(
        "licences.csv",
        LICENSE_HEADER,
        [
            {
                "dept_code": "AMR440300",
                "source_id": f"L{n:04d}",
                "uscc": uscc(1),
                "subject_name": "深圳市测试1有限公司",
                "produced_on": f"2024-02-{n:02d}",
                "authority": "深圳市市场监督管理局",
                "decision_no": f"深市监许〔2024〕{n}号",
                "license_name": "食品经营许可证",
                "license_kind": "ordinary",
                "content": "预包装食品销售",
                "valid_from": f"2024-02-{n:02d}",
            }
            for n in range(1, N_LICENCES + 1)
        ],
    )
    load(
        "abnormal.csv",
        ABNORMAL_HEADER,
        [
            _list_row(1, 1, "list", "4"),
            _list_row(2, 1, "list", "1"),  # repaired below
            _list_row(3, 1, "remove", "1", produced_on="2024-04-01"),
        ],
    )
    load(
        "marked.csv",
        ABNORMAL_HEADER,
        [
            _list_row(
                4,
                2,
                "mark",
                "4",
                dept_code="AMR440100",
                subject_name=SCRIPT_NAME,
                authority="广州市天河区市场监督管理局",
                decision_no="穗天市监异〔2024〕4号",
            )
        ],
        received_on=date(2024, 4, 10),
    )
    load(
        "serious.csv",
        [
            "dept_code",
            "source_id",
            "uscc",
            "subject_name",
            "produced_on",
            "authority",
            "action",
            "article",
            "decision_no",
        ],
        [
            {
                "dept_code": "AMR440300",
                "source_id": "S0001",
                "uscc": uscc(1),
                "subject_name": "深圳市测试1有限公司",
                "produced_on": "2024-03-01",
                "authority": "深圳市市场监督管理局",
                "action": "list",
                "article": "5",
                "decision_no": "深市监严〔2024〕1号",
            }
        ],
    )
    load(
        "inspection.csv",
        INSPECTION_HEADER,
        [
            {
                "dept_code": "AMR440300",
                "source_id": "I0001",
                "uscc": uscc(1),
                "subject_name": "深圳市测试1有限公司",
                "produced_on": "2024-03-01",
                "authority": "深圳市市场监督管理局",
                "inspection_kind": "random",
                "result_code": "1",
            }
        ],
    )
    with unit_of_work(factory) as s:
        ids = dict(s.execute(select(Record.source_id, Record.id)).all())
        e1 = s.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(1)))
        e2 = s.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(2)))
        assert e1 is not None and e2 is not None
        at = datetime(2024, 6, 1, tzinfo=UTC)
        s.add(
            PublicityStop(
                record_id=ids["P000006"],
                stopped_on=date(2024, 6, 1),
                reason="credit_repair",
                decided_by="user:tester",
                recorded_at=at,
            )
        )

        # Loading list decisions may already have made their entries (issue 4): adjust
        # those, add the missing ones. A0002 was listed and removed early by credit repair
        # (A0003): neither stays public.
        def entry(record: str, kind: str, ent: int) -> ListEntry:
            found = s.scalar(select(ListEntry).where(ListEntry.listing_record_id == ids[record]))
            if found is None:
                found = ListEntry(
                    entry_key=f"test:{record}",
                    list_kind=kind,
                    uscc=uscc(1 if ent == e1 else 2),
                    enterprise_id=ent,
                    state="listed",
                    in_force=True,
                    listed_on=date(2024, 3, 1),
                    listing_record_id=ids[record],
                    data={},
                    updated_at=at,
                )
                s.add(found)
            return found

        repaired = entry("A0002", "abnormal", e1)
        repaired.state, repaired.in_force, repaired.repaired = "removed", False, True
        repaired.ended_on, repaired.removal_record_id = date(2024, 4, 1), ids["A0003"]
        for record, kind, ent in (
            ("A0001", "abnormal", e1),
            ("S0001", "serious", e1),
            ("A0004", "abnormal", e2),
        ):
            assert entry(record, kind, ent).in_force
    hidden = {
        "warning_only": "深市监罚〔2024〕2号",
        "period_ended": "深市监罚〔2024〕3号",
        "withdrawn": "深市监罚〔2024〕4号",
        "unpublished": "深市监罚〔2024〕5号",
        "publicity_stop": "深市监罚〔2024〕6号",
        "repaired_listing": "深市监异〔2024〕2号",
        "repaired_removal": "深市监异〔2024〕3号",
    }
    return Province(
        settings, engine, factory, e1, e2, hidden, (person_id(1), person_id(2), ID_IN_FACTS)
    )


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def province(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Province]:
    """Built once per dialect: the tests only read it (the search index aside)."""
    tmp = tmp_path_factory.mktemp(f"province-{request.param}")
    with fresh_store(request, request.param, tmp) as url:
        settings = make_settings(url, tmp)
        engine = make_engine(settings)
        try:
            yield build_province(settings, engine, tmp)
        finally:
            engine.dispose()


@pytest.fixture
def client(province: Province) -> Iterator[TestClient]:
    app = create_app(province.settings, engine=province.engine)
    app.dependency_overrides[today] = lambda: AS_OF
    with TestClient(app) as c:
        yield c
