from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from entcredit.audit.cli import app
from entcredit.audit.service import append_event
from entcredit.settings import Settings
from entcredit.store.db import make_session_factory, unit_of_work


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTCREDIT_ENV", settings.env)
    monkeypatch.setenv("ENTCREDIT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ENTCREDIT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ENTCREDIT_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("ENTCREDIT_PII_HASH_KEY", settings.pii_hash_key.get_secret_value())


@pytest.mark.usefixtures("env")
def test_verify_ok_then_broken(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with unit_of_work(factory) as s:
        for i in range(3):
            append_event(s, actor="system", tag="test:event", subject_id=i)
    runner = CliRunner()
    ok = runner.invoke(app, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert "OK: 3 events" in ok.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'user:mallory' WHERE id = 2"))
    broken = runner.invoke(app, ["verify"])
    assert broken.exit_code == 1
    assert "BROKEN at event 2" in broken.output
