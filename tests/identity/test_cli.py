from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from entcredit.audit.models import AuditEvent
from entcredit.identity.cli import app
from entcredit.identity.service import resolve_token
from entcredit.settings import Settings
from entcredit.store.db import make_session_factory, unit_of_work
from entcredit.store.models import Department


@pytest.fixture
def cli_env(settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("ENTCREDIT_ENV", settings.env)
    monkeypatch.setenv("ENTCREDIT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ENTCREDIT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ENTCREDIT_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("ENTCREDIT_PII_HASH_KEY", settings.pii_hash_key.get_secret_value())
    with unit_of_work(make_session_factory(engine)) as s:
        s.add(
            Department(
                dept_code="440000SW",
                name="广东省税务局",
                region_code="440000",
                level="province",
                is_market_regulator=False,
                content_hash="0" * 32,
                updated_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )
    return engine


def test_users_and_tokens_commands(cli_env: Engine) -> None:
    runner = CliRunner()
    created = runner.invoke(
        app,
        [
            "users", "create", "--username", "taxclerk", "--role", "department_staff",
            "--dept-code", "440000SW", "--password-stdin",
        ],
        input="Correct-Horse-42\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "created user taxclerk" in created.output

    weak = runner.invoke(
        app,
        ["users", "create", "--username", "bob", "--role", "inspector", "--password-stdin"],
        input="short\n",
    )
    assert weak.exit_code == 2
    assert "at least 12 characters" in weak.output

    no_dept = runner.invoke(
        app,
        [
            "users", "create", "--username", "bob", "--role", "department_staff",
            "--password-stdin",
        ],
        input="Correct-Horse-42\n",
    )  # fmt: skip
    assert no_dept.exit_code == 2
    assert "department" in no_dept.output

    listed = runner.invoke(app, ["users", "list"])
    assert "taxclerk\tdepartment_staff\tactive" in listed.output

    issued = runner.invoke(app, ["tokens", "issue", "--dept-code", "440000SW", "--name", "feed"])
    assert issued.exit_code == 0, issued.output
    plaintext = issued.stdout.strip().splitlines()[-1]
    assert plaintext.startswith("ect_")
    factory = make_session_factory(cli_env)
    with unit_of_work(factory) as s:
        principal = resolve_token(s, plaintext)
        assert principal is not None
        assert principal.dept_code == "440000SW"

    tokens = runner.invoke(app, ["tokens", "list"])
    assert plaintext not in tokens.output
    assert "active" in tokens.output
    token_id = tokens.output.split("\t")[0]
    revoked = runner.invoke(app, ["tokens", "revoke", token_id])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in runner.invoke(app, ["tokens", "list"]).output
    assert runner.invoke(app, ["tokens", "revoke", "999"]).exit_code == 2

    disabled = runner.invoke(app, ["users", "disable", "taxclerk"])
    assert disabled.exit_code == 0
    with unit_of_work(factory) as s:
        assert resolve_token(s, plaintext) is None
        tags = list(s.scalars(select(AuditEvent.tag).order_by(AuditEvent.id)))
    assert tags == ["user:create", "token:issue", "token:revoke", "user:disable"]
