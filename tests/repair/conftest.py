"""A small store for the credit repair tests, on SQLite and PostgreSQL, loaded through the real
ingest path: five enterprises (one deregistered, one on each list), penalties of two
departments at different ages and kinds, and reviewers of both departments.

Dates are relative to the web app's own day (``web.deps.china_today``): the pages read the
real clock.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from entcredit.identity.rules import Role
from entcredit.identity.service import create_user
from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.lists.models import ListEntry
from entcredit.publicity.rules import add_months
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work
from entcredit.store.models import Record
from entcredit.web.app import create_app
from entcredit.web.deps import china_today
from tests.conftest import PG_ADMIN_URL, fresh_store
from tests.ingest.factories import (
    ABNORMAL_HEADER,
    ENTERPRISE_HEADER,
    PENALTY_HEADER,
    enterprise_row,
    penalty_row,
    person_id,
    uscc,
    write_csv,
)
from tests.web.conftest import PASSWORD, add_department

DEPT_A = "DEPT_A"  # the market regulator: most penalties, the abnormal listing
DEPT_B = "DEPT_B"
SERIOUS_NO = "深市监严〔2025〕1号"


@dataclass
class RepairWorld:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    today: date
    penalty: dict[str, int]  # name -> record id
    abnormal_entry: int  # list_entries.id of enterprise 4's abnormal listing
    serious_entry: int  # enterprise 5's serious-list entry, listed 14 months ago

    def decision_no(self, name: str) -> str:
        with self.factory() as s:
            rec = s.get(Record, self.penalty[name])
            assert rec is not None
            return str(rec.fields["decision_no"])


def _penalty(n: int, ent: int, dept: str, received: date, **over: str) -> dict[str, str]:
    row = penalty_row(
        n,
        ent,
        dept_code=dept,
        produced_on=(received - timedelta(days=10)).isoformat(),
        fine_amount="10",  # above the low-fine threshold: 3 years of publicity
        **{"domain": "", **over},
    )
    return {k: str(v) for k, v in row.items()}


def seed(settings: Settings, where: Path) -> RepairWorld:
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    day = china_today()
    base = IngestContext.from_settings(settings)
    noon = datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)
    ctx = IngestContext(
        settings=settings, catalog=base.catalog, calendar=base.calendar, now=lambda: noon
    )

    def load(name: str, header: list[str], rows: list[dict[str, str]], received: date) -> None:
        path = write_csv(where / f"{name}.csv", header, rows)
        report = load_path(factory, ctx, path, LoadOptions(received_on=received))
        assert report.rows_rejected == 0, (name, report)

    with unit_of_work(factory) as s:
        add_department(s, DEPT_A, "深圳市市场监督管理局", regulator=True)
        add_department(s, DEPT_B, "深圳市药品监督管理局")
        for username, role, dept in (
            ("officer_a", Role.department_staff, DEPT_A),
            ("officer_b", Role.department_staff, DEPT_B),
            ("admin", Role.regulator_admin, None),
        ):
            create_user(s, username=username, password=PASSWORD, roles={role}, dept_code=dept)
    old = add_months(day, -8)
    ents = [
        enterprise_row(1),
        enterprise_row(2),
        enterprise_row(3, status="deregistered"),
        enterprise_row(4),
        enterprise_row(5),
    ]
    load("enterprise", ENTERPRISE_HEADER, ents, old - timedelta(days=30))
    load(
        "penalty-old",
        [*PENALTY_HEADER, "domain"],
        [
            _penalty(1, 1, DEPT_A, old, violation_type="虚假宣传"),
            _penalty(2, 1, DEPT_A, old, violation_type="食品安全", domain="food"),
            _penalty(
                3, 1, DEPT_A, old, violation_type="无证经营", penalty_kinds="fine;suspend_business"
            ),
            _penalty(4, 2, DEPT_A, old, violation_type="虚假宣传"),
            _penalty(5, 1, DEPT_B, old, violation_type="药品违法"),
            _penalty(7, 4, DEPT_A, old, violation_type="虚假宣传"),
        ],
        old,
    )
    young = add_months(day, -2)
    load(
        "penalty-young",
        PENALTY_HEADER,
        [_penalty(6, 1, DEPT_A, young, violation_type="价格违法")],
        young,
    )
    listing = {
        "dept_code": DEPT_A,
        "source_id": "AB1",
        "uscc": uscc(4),
        "subject_name": "深圳市测试4有限公司",
        "produced_on": (young - timedelta(days=5)).isoformat(),
        "authority": "深圳市市场监督管理局",
        "action": "list",
        "reason_code": "1",
        "decision_no": "深市监异〔2026〕1号",
    }
    load("abnormal", ABNORMAL_HEADER, [listing], young)
    listed = add_months(day, -14)
    serious = {
        **listing,
        "source_id": "SE1",
        "uscc": uscc(5),
        "subject_name": "深圳市测试5有限公司",
        "produced_on": listed.isoformat(),
        "article": "5",
        "decision_no": SERIOUS_NO,
    }
    load("serious", [*ABNORMAL_HEADER[:7], "article", "decision_no"], [serious], listed)
    names = {
        "P000001": "ok",
        "P000002": "food",
        "P000003": "forbidden",
        "P000004": "other_ent",
        "P000005": "dept_b",
        "P000006": "young",
        "P000007": "listed_ent",
    }
    with factory() as s:
        ids = {
            names[src]: rid
            for src, rid in s.execute(
                select(Record.source_id, Record.id).where(Record.category == "penalty")
            )
        }
        entry: dict[str, int] = {}
        for code, entry_id in s.execute(select(ListEntry.uscc, ListEntry.id)):
            entry[code] = entry_id
    return RepairWorld(settings, engine, factory, day, ids, entry[uscc(4)], entry[uscc(5)])


def repair_settings(url: str, data_dir: Path, env: str = "development") -> Settings:
    # env=development by default: the test client speaks plain HTTP, so cookies must not be
    # Secure.
    return Settings(
        env=env,
        database_url=url,
        data_dir=data_dir,
        secret_key="t" * 40,
        pii_hash_key="p" * 40,
        login_max_failures=3,
    )


@dataclass(frozen=True)
class _Seeded:
    url: str  # SQLite file URL, or the PostgreSQL database to use as a template
    penalty: dict[str, int]
    abnormal_entry: int
    serious_entry: int


SeedFn = Callable[[str], _Seeded]


@pytest.fixture(scope="session")
def _seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeedFn]:
    """Seed each dialect once per session (Argon2 and the loads are slow); every test works
    on its own copy (a file copy, or CREATE DATABASE ... TEMPLATE)."""
    made: dict[str, _Seeded] = {}

    def get(kind: str) -> _Seeded:
        if kind not in made:
            where = tmp_path_factory.mktemp(f"repair-{kind}")
            with fresh_store(request, kind, where) as url:
                if kind == "postgresql":
                    # Kept after fresh_store drops its database: the template of the copies.
                    url = _pg_copy(url)
                world = seed(repair_settings(url, where), where)
                world.engine.dispose()
                made[kind] = _Seeded(url, world.penalty, world.abnormal_entry, world.serious_entry)
        return made[kind]

    yield get
    if "postgresql" in made:
        _pg_drop(made["postgresql"].url)


def _pg_copy(template_url: str) -> str:
    base, template = template_url.rsplit("/", 1)
    name = f"entcredit_repair_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return f"{base}/{name}"


def _pg_drop(url: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def rworld(db_kind: str, tmp_path: Path, _seeded: SeedFn) -> Iterator[RepairWorld]:
    seeded = _seeded(db_kind)
    if db_kind == "sqlite":
        dest = tmp_path / "entcredit.db"
        shutil.copy(seeded.url.removeprefix("sqlite:///"), dest)
        url = f"sqlite:///{dest}"
    else:
        url = _pg_copy(seeded.url)
    settings = repair_settings(url, tmp_path)
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    yield RepairWorld(
        settings,
        engine,
        factory,
        china_today(),
        seeded.penalty,
        seeded.abnormal_entry,
        seeded.serious_entry,
    )
    engine.dispose()
    if db_kind != "sqlite":
        _pg_drop(url)


@pytest.fixture
def rclient(rworld: RepairWorld) -> Iterator[TestClient]:
    with TestClient(create_app(rworld.settings, engine=rworld.engine)) as c:
        yield c


def _token(html: str, pattern: str) -> str:
    match = re.search(pattern, html)
    assert match, html[:2000]
    return match.group(1)


def enterprise_login(
    client: TestClient, n: int, *, name: str | None = None, id_number: str | None = None
) -> int:
    """Sign in as test enterprise ``n``; returns the response status."""
    page = client.get("/self-service/login")
    assert page.status_code == 200
    csrf = _token(page.text, r'name="csrf_token" value="([^"]+)"')
    response = client.post(
        "/self-service/login",
        data={
            "uscc": uscc(n),
            "legal_rep": name if name is not None else f"张{n}",
            "legal_rep_id": id_number if id_number is not None else person_id(n),
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    return int(response.status_code)


def enterprise_csrf(client: TestClient) -> str:
    home = client.get("/self-service")
    assert home.status_code == 200
    return _token(home.text, r'<meta name="csrf-token" content="([^"]+)">')


def apply_form(kind: str, target: int, csrf: str, **over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": csrf,
        "kind": kind,
        "target": str(target),
        "reason": "已全部履行处罚决定",
        "corrective_actions": "已缴清罚款并完成整改",
        "obligations_fulfilled": "true",
        "harm_remedied": "true",
        "pledge": "true",
    }
    data.update(over)
    return data


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
