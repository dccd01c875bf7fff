"""A small province for the credit check, loaded through the real ingest path (register,
key personnel, restriction records with a person's ID number), plus list entries written as
the list service stores them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from entcredit.credit.measures import MeasureCatalogue, load_measures
from entcredit.credit.service import CheckCall, check_subjects
from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.lists.models import ListEntry
from entcredit.settings import Settings
from entcredit.store.db import make_session_factory, unit_of_work
from tests.ingest.factories import ENTERPRISE_HEADER, enterprise_row, person_id, uscc, write_csv

AS_OF = date(2026, 3, 5)
NOW = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
RESTRICTION_HEADER = [
    "dept_code", "source_id", "uscc", "subject_name", "produced_on", "authority",
    "measure_code", "subject_person_id", "basis", "start_on", "end_on",
]  # fmt: skip


@dataclass(frozen=True)
class Province:
    """Who is who in the small province (see ``province``)."""

    serious: str = uscc(1)  # on the serious list; legal rep: person A
    abnormal: str = uscc(2)  # on the abnormal list
    serious2: str = uscc(3)  # on the serious list; person A is a director
    clean: str = uscc(4)  # no list; person A is its manager; restriction record (loan)
    revoked: str = uscc(5)  # licence revoked 2023-03-06; legal rep: person B
    unknown: str = uscc(99)  # not registered
    person_a: str = person_id(101)
    person_b: str = person_id(102)
    person_c: str = person_id(103)  # director of the revoked enterprise
    person_d: str = person_id(104)  # restricted by a department's record (procurement)
    person_e: str = person_id(105)  # nobody


P = Province()
REVOKED_ON = date(2023, 3, 6)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def catalogue() -> MeasureCatalogue:
    return load_measures()


@pytest.fixture
def ctx(settings: Settings) -> IngestContext:
    base = IngestContext.from_settings(settings)
    return IngestContext(
        settings=settings, catalog=base.catalog, calendar=base.calendar, now=lambda: NOW
    )


def add_entry(
    session: Session,
    key: str,
    kind: str,
    code: str,
    listed_on: date,
    *,
    expires_on: date | None = None,
    ended_on: date | None = None,
    in_force: bool = True,
    repaired: bool = False,
    reason_code: str | None = None,
) -> None:
    session.add(
        ListEntry(
            entry_key=key,
            list_kind=kind,
            uscc=code,
            state="listed" if in_force else "removed",
            in_force=in_force,
            reason_code=reason_code,
            decision_no=f"粤市监{key}号",
            authority="广东省市场监督管理局",
            dept_code="DEPT_A",
            listed_on=listed_on,
            ended_on=ended_on,
            repaired=repaired,
            expires_on=expires_on,
            data={},
            updated_at=NOW,
        )
    )
    session.flush()


@pytest.fixture
def province(
    tmp_path: Path, factory: sessionmaker[Session], ctx: IngestContext
) -> sessionmaker[Session]:
    def load(path: Path, **opts: Any) -> None:
        report = load_path(factory, ctx, path, LoadOptions(received_on=AS_OF, **opts))
        assert report.rows_rejected == 0, report

    ents = [
        enterprise_row(1, legal_rep_id=P.person_a),
        *(enterprise_row(n) for n in (2, 3, 4)),
        enterprise_row(5, legal_rep_id=P.person_b, status="revoked", status_on="2023-03-06"),
    ]
    load(write_csv(tmp_path / "e.csv", [*ENTERPRISE_HEADER, "status_on"], ents))
    roles = [
        {"uscc": P.serious2, "person_name": "甲", "person_id": P.person_a, "role": "director"},
        {"uscc": P.clean, "person_name": "甲", "person_id": P.person_a, "role": "manager"},
        {"uscc": P.revoked, "person_name": "丙", "person_id": P.person_c, "role": "director"},
    ]
    load(write_csv(tmp_path / "r.csv", ["uscc", "person_name", "person_id", "role"], roles))
    restrictions = [
        {
            "dept_code": "DEPT_T", "source_id": "R1", "uscc": P.clean,
            "subject_name": "深圳市测试4有限公司", "produced_on": "2025-12-20",
            "authority": "国家税务总局深圳市税务局", "measure_code": "DR02",
            "basis": "《重大税收违法失信主体信息公布管理办法》", "start_on": "2026-01-01",
            "end_on": "2026-06-30",
        },
        {
            "dept_code": "DEPT_T", "source_id": "R2", "uscc": "", "subject_name": "丁",
            "produced_on": "2026-01-20", "authority": "深圳市财政局", "measure_code": "DR01",
            "subject_person_id": P.person_d, "basis": "《政府采购法》第二十二条",
            "start_on": "2026-02-01", "end_on": "",
        },
    ]  # fmt: skip
    load(write_csv(tmp_path / "x.csv", RESTRICTION_HEADER, restrictions))
    with unit_of_work(factory) as s:
        add_entry(s, "S1", "serious", P.serious, date(2025, 1, 10), expires_on=date(2028, 1, 10))
        add_entry(s, "A1", "abnormal", P.abnormal, date(2025, 7, 15), reason_code="1")
        add_entry(s, "S2", "serious", P.serious2, date(2025, 6, 1), expires_on=date(2028, 6, 1))
    return factory


def run_check(
    factory: sessionmaker[Session],
    settings: Settings,
    subjects: Sequence[str],
    action: str,
    as_of: date = AS_OF,
    **kw: Any,
) -> CheckCall:
    with unit_of_work(factory) as s:
        return check_subjects(
            s,
            subjects,
            action,
            as_of=as_of,
            asked_by="user:test",
            pii_key=settings.pii_hash_key.get_secret_value().encode(),
            catalogue=load_measures(),
            now=NOW,
            **kw,
        )
