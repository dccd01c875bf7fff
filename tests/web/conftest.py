from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from entcredit.identity.rules import Role
from entcredit.identity.service import create_user, issue_token
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work
from entcredit.store.models import Department
from entcredit.web.app import create_app

PASSWORD = "Correct-Horse-42"


def add_department(session: Session, code: str, name: str, *, regulator: bool = False) -> None:
    session.add(
        Department(
            dept_code=code,
            name=name,
            region_code="440000",
            level="province",
            is_market_regulator=regulator,
            content_hash="0" * 32,
            updated_at=datetime(2025, 1, 1, tzinfo=UTC),
        )
    )
    session.flush()


@dataclass
class World:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    token_a: str
    token_a_id: int
    token_b: str


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path, **overrides)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Seed:
    db_file: Path
    token_a: str
    token_a_id: int
    token_b: str


@pytest.fixture(scope="session")
def _seed(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> _Seed:
    """Seed a migrated SQLite store once (Argon2 hashing is deliberately slow); each test gets
    its own copy of the file."""
    data_dir = tmp_path_factory.mktemp("seed")
    shutil.copyfile(sqlite_template, data_dir / "entcredit.db")
    engine = make_engine(make_settings(data_dir))
    with unit_of_work(make_session_factory(engine)) as s:
        add_department(s, "440000SJ", "广东省市场监督管理局", regulator=True)
        add_department(s, "440000SW", "广东省税务局")
        add_department(s, "440000HB", "广东省生态环境厅")
        for username, role, dept in (
            ("admin", Role.regulator_admin, None),
            ("analyst", Role.regulator_analyst, None),
            ("taxclerk", Role.department_staff, "440000SW"),
            ("inspector", Role.inspector, None),
        ):
            create_user(
                s,
                username=username,
                password=PASSWORD,
                roles={role},
                dept_code=dept,
                actor="system",
                display_name=f"{username} 测试",
            )
        tok_a = issue_token(s, dept_code="440000SW", name="tax feed")
        tok_b = issue_token(s, dept_code="440000HB", name="env feed")
        seed = _Seed(data_dir / "entcredit.db", tok_a.plaintext, tok_a.id, tok_b.plaintext)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return seed


@pytest.fixture
def world(tmp_path: Path, _seed: _Seed) -> Iterator[World]:
    shutil.copyfile(_seed.db_file, tmp_path / "entcredit.db")
    settings = make_settings(tmp_path, max_upload_bytes=64 * 1024)
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    yield World(settings, engine, factory, _seed.token_a, _seed.token_a_id, _seed.token_b)
    engine.dispose()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, engine=world.engine)) as c:
        yield c


class LoginFn(Protocol):
    def __call__(self, client: TestClient, username: str, password: str = ...) -> str: ...


@pytest.fixture
def login() -> LoginFn:
    return _login


def _login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": match.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return session_csrf(client)


def session_csrf(client: TestClient) -> str:
    me = client.get("/me")
    assert me.status_code == 200
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', me.text)
    assert match
    return match.group(1)
