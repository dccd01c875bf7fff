"""A small deterministic province for the browser and report tests, loaded through the real
ingest path (files in the exchange standard, ``ingest.service.load_path``).

Dates are relative to ``today`` so that the records are public on the day the tests run
(the web app reads the real clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.settings import Settings
from tests.ingest.factories import (
    ENTERPRISE_HEADER,
    LICENSE_HEADER,
    PENALTY_HEADER,
    ROLE_HEADER,
    enterprise_row,
    penalty_row,
    person_id,
    uscc,
    write_csv,
)

# Two names share the fragment 星河; one carries markup that must show as text.
STAR = "广州市星河科技有限公司"
STAR_FORMER = "广州市星河电子有限公司"
STAR_TRADE = "广州市星河贸易有限公司"
CLOUD = "深圳市云帆物流有限公司"
PAYLOAD = "<script>alert('xss')</script><img src=x onerror=alert(1)>测试有限公司"
FRAGMENT = "星河"


@dataclass(frozen=True)
class Dataset:
    today: date
    star: str  # USCC of STAR: licences, penalties (visible and not), former name, personnel
    star_trade: str
    cloud: str
    payload: str
    # A full resident ID number planted in a public free-text field and as a person's ID.
    planted_id: str
    visible_penalty_nos: tuple[str, ...]
    hidden_penalty_nos: tuple[str, ...]  # warning only; withdrawn
    license_nos: tuple[str, ...]


def load_dataset(settings: Settings, factory: sessionmaker[Session], where: Path) -> Dataset:
    today = datetime.now(UTC).date()
    return load_dataset_on(settings, factory, where, today)


def load_dataset_on(
    settings: Settings, factory: sessionmaker[Session], where: Path, today: date
) -> Dataset:
    base = IngestContext.from_settings(settings)
    noon = datetime(today.year, today.month, today.day, 4, 0, tzinfo=UTC)
    ctx = IngestContext(
        settings=settings, catalog=base.catalog, calendar=base.calendar, now=lambda: noon
    )
    received = today - timedelta(days=30)
    produced = (today - timedelta(days=40)).isoformat()

    def load(path: Path) -> None:
        report = load_path(factory, ctx, path, LoadOptions(received_on=received))
        assert report.rows_rejected == 0, (path.name, report)

    planted = person_id(99)
    enterprises = [
        enterprise_row(1, name=STAR, former_names=STAR_FORMER, legal_rep="张星河"),
        enterprise_row(2, name=STAR_TRADE),
        enterprise_row(3, name=CLOUD),
        enterprise_row(4, name=PAYLOAD),
    ]
    load(write_csv(where / "enterprise.csv", ENTERPRISE_HEADER, enterprises))
    roles = [
        {"uscc": uscc(1), "person_name": "张星河", "person_id": person_id(1), "role": "legal_rep"},
        {"uscc": uscc(1), "person_name": "李监事", "person_id": planted, "role": "supervisor"},
    ]
    load(write_csv(where / "person_role.csv", ROLE_HEADER, roles))

    visible = ("穗市监罚〔2024〕101号", "穗市监罚〔2024〕102号")
    hidden = ("穗市监罚〔2024〕103号", "穗市监罚〔2024〕104号")
    common = {"produced_on": produced, "subject_name": STAR}
    penalties = [
        penalty_row(101, 1, decision_no=visible[0], facts=f"负责人身份证号{planted}", **common),
        penalty_row(102, 1, decision_no=visible[1], fine_amount="20", **common),
        penalty_row(103, 1, decision_no=hidden[0], penalty_kinds="warning", **common),
        penalty_row(104, 1, decision_no=hidden[1], **common),
        penalty_row(105, 2, subject_name=STAR_TRADE, produced_on=produced),
        penalty_row(106, 4, subject_name=PAYLOAD, produced_on=produced),
    ]
    load(write_csv(where / "penalty.csv", PENALTY_HEADER, penalties))
    withdraw = [{**penalties[3], "op": "withdraw"}]
    load(write_csv(where / "penalty-withdraw.csv", [*PENALTY_HEADER, "op"], withdraw))

    licences = ("粤食许〔2024〕201号", "粤食许〔2024〕202号")
    licence_rows = [
        {
            "dept_code": "DEPT_A",
            "source_id": f"L{i}",
            "uscc": uscc(1),
            "subject_name": STAR,
            "produced_on": produced,
            "authority": "广州市市场监督管理局",
            "decision_no": no,
            "license_name": "食品经营许可证",
            "license_kind": "ordinary",
            "content": "预包装食品销售",
            "valid_from": produced,
        }
        for i, no in enumerate(licences)
    ]
    load(write_csv(where / "license.csv", LICENSE_HEADER, licence_rows))
    return Dataset(
        today=today,
        star=uscc(1),
        star_trade=uscc(2),
        cloud=uscc(3),
        payload=uscc(4),
        planted_id=planted,
        visible_penalty_nos=visible,
        hidden_penalty_nos=hidden,
        license_nos=licences,
    )
