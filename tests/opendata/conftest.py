"""One small province per dialect, loaded through the real ingest path, shared by the package.

Planted on purpose: a full resident ID number in free text and as legal representatives' ID
numbers (nothing may show it in full), formula payloads in names and facts (CSV must
neutralise them), and records the public must not see: withdrawn, warning-only, unpublished.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.conftest import fresh_store, make_settings
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

from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.search.service import rebuild_index
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work
from entcredit.web.app import create_app
from entcredit.web.deps import today

NOW = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
AS_OF = date(2024, 3, 20)
ENTERPRISES = 12
# Enterprise 1 carries many penalties, to page through.
MANY = 1
MANY_PENALTIES = 7
PLANTED_ID = person_id(777)  # pasted in full into a penalty's facts
# Leading tabs and CRs are trimmed at ingest; the writer's own tests cover them.
FORMULAS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "＝1")


LISTINGS = 5


def _abnormal(i: int, ent: int, action: str, reason: str) -> dict[str, object]:
    return {
        "dept_code": "DEPT_A",
        "source_id": f"A{i:04d}",
        "uscc": uscc(ent),
        "subject_name": f"深圳市测试{ent}有限公司",
        "produced_on": f"2024-03-0{1 + i % 4}",
        "authority": "深圳市市场监督管理局",
        "action": action,
        "reason_code": reason,
        "decision_no": f"深市监异〔2024〕{i}号",
    }


@dataclass(frozen=True)
class Province:
    kind: str
    settings: Settings
    engine: Engine
    visible_penalties: frozenset[str]  # decision numbers the public must see
    hidden_penalties: frozenset[str]  # withdrawn, warning-only, unpublished
    full_ids: frozenset[str]  # ID numbers that must never appear in full


def _load(ctx: IngestContext, engine: Engine, path: Path, **opts: object) -> None:
    options = LoadOptions(received_on=NOW.date(), **opts)  # type: ignore[arg-type]
    report = load_path(make_session_factory(engine), ctx, path, options)
    assert report.rows_rejected == 0, report


def _build(kind: str, where: Path, url: str) -> Province:
    settings = make_settings(url, where)
    engine = make_engine(settings)
    base = IngestContext.from_settings(settings)
    ctx = IngestContext(settings, base.catalog, base.calendar, now=lambda: NOW)
    scheduled = IngestContext(
        settings.model_copy(update={"publish_mode": "scheduled"}),
        base.catalog,
        base.calendar,
        now=lambda: NOW,
    )
    ents = [enterprise_row(n) for n in range(1, ENTERPRISES + 1)]
    ents[1]["name"] = FORMULAS[0] + "有限公司"
    _load(ctx, engine, write_csv(where / "enterprise.csv", ENTERPRISE_HEADER, ents))

    pen: list[dict[str, object]] = []
    n = 0
    for _ in range(MANY_PENALTIES):
        n += 1
        pen.append(penalty_row(n, MANY))
    for e in range(2, ENTERPRISES + 1):
        n += 1
        pen.append(penalty_row(n, e))
    for i, formula in enumerate(FORMULAS):
        pen[i]["facts"] = formula + " 虚假宣传"
    pen[-1]["facts"] = f"当事人身份证号{PLANTED_ID}，发布虚假广告"
    warning = penalty_row(n + 1, 3, penalty_kinds="warning", fine_amount="")
    withdrawn = penalty_row(n + 2, 4)
    _load(ctx, engine, write_csv(where / "penalty.csv", PENALTY_HEADER, [*pen, warning, withdrawn]))
    header = [*PENALTY_HEADER, "op"]
    _load(
        ctx,
        engine,
        write_csv(where / "withdraw.csv", header, [dict(withdrawn, op="withdraw")]),
        category="penalty",
    )
    unpublished = penalty_row(n + 3, 5)
    _load(
        scheduled,
        engine,
        write_csv(where / "later.csv", PENALTY_HEADER, [unpublished]),
    )
    listings = [_abnormal(i, e, "list", "1") for i, e in enumerate(range(6, 6 + LISTINGS))]
    # The removal ends listing reason 1 (the annual report was filed since).
    removal = _abnormal(LISTINGS, 6, "remove", "1")
    _load(ctx, engine, write_csv(where / "abnormal.csv", ABNORMAL_HEADER, listings))
    _load(ctx, engine, write_csv(where / "removal.csv", ABNORMAL_HEADER, [removal]))
    with unit_of_work(make_session_factory(engine)) as session:
        rebuild_index(session)
    hidden = {str(r["decision_no"]) for r in (warning, withdrawn, unpublished)}
    return Province(
        kind=kind,
        settings=settings,
        engine=engine,
        visible_penalties=frozenset(str(r["decision_no"]) for r in pen),
        hidden_penalties=frozenset(hidden),
        full_ids=frozenset({PLANTED_ID, *(str(e["legal_rep_id"]) for e in ents)}),
    )


@pytest.fixture(
    scope="package", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def province(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Province]:
    kind = str(request.param)
    where = tmp_path_factory.mktemp(f"opendata-{kind}")
    with fresh_store(request, kind, where) as url:
        prov = _build(kind, where, url)
        try:
            yield prov
        finally:
            prov.engine.dispose()


AppFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(province: Province) -> Iterator[AppFactory]:
    """A client of a fresh app (fresh rate-limit budgets) over the module's store;
    keyword arguments override settings."""
    clients: list[TestClient] = []

    def _make(**overrides: object) -> TestClient:
        settings = province.settings.model_copy(update=overrides)
        app: FastAPI = create_app(settings, engine=province.engine)
        app.dependency_overrides[today] = lambda: AS_OF
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client: AppFactory) -> TestClient:
    return make_client(ratelimit_enabled=False)


def many_uscc() -> str:
    return uscc(MANY)
