"""``entcredit credit``: measures, an operator's check, and the statistic from the log."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from entcredit.credit.cli import app
from entcredit.credit.service import gather_facts, parse_subject
from entcredit.settings import Settings
from entcredit.store.bulk import bulk_store
from entcredit.store.db import unit_of_work
from tests.credit.conftest import AS_OF, P
from tests.ingest.factories import person_id, uscc


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTCREDIT_ENV", settings.env)
    monkeypatch.setenv("ENTCREDIT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ENTCREDIT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ENTCREDIT_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("ENTCREDIT_PII_HASH_KEY", settings.pii_hash_key.get_secret_value())


@pytest.mark.usefixtures("env")
def test_check_then_stats(province: sessionmaker[Session]) -> None:
    runner = CliRunner()
    assert "CL178" in runner.invoke(app, ["measures"]).output
    args = ["check", P.serious, P.person_a, "--action", "listed_company_officer"]
    out = runner.invoke(app, [*args, "--as-of", AS_OF.isoformat()])
    assert out.exit_code == 0, out.output
    results = json.loads(out.output)["results"]
    assert [r["restricted"] for r in results] == [False, True]
    assert P.person_a not in out.output
    assert runner.invoke(app, ["check", P.serious, "--action", "lending"]).exit_code == 2
    stats = runner.invoke(app, ["stats", "--json"])
    assert json.loads(stats.output) == [{"measure": "SL06", "times_restricted": 1, "subjects": 1}]


# Counts statements with SQLite's trace hook (the SQL is the same on both): SQLite only.
@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_a_fixed_number_of_queries_whatever_the_batch(
    province: sessionmaker[Session], settings: Settings, db_kind: str
) -> None:
    key = settings.pii_hash_key.get_secret_value().encode()

    def statements(n: int) -> int:
        subjects = [parse_subject(x, key) for i in range(n) for x in (uscc(i), person_id(i))]
        seen: list[str] = []
        with unit_of_work(province) as s:
            store = bulk_store(s)
            raw: Any = s.connection().connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            raw.set_trace_callback(seen.append)
            try:
                facts = gather_facts(store, subjects)
            finally:
                raw.set_trace_callback(None)
        assert len(facts) == 2 * n
        return len(seen)

    assert statements(3) == statements(2000) <= 6
