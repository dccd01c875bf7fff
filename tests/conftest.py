"""Shared fixtures: a migrated store on SQLite and on a real PostgreSQL.

PostgreSQL tests run against the local server. Under CI=true they must run: an unreachable
server is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from entcredit.settings import Settings
from entcredit.store.db import make_engine
from entcredit.store.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "ENTCREDIT_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_available() -> bool:
    try:
        eng = create_engine(PG_ADMIN_URL)
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def _require_pg() -> None:
    if not pg_available():
        if IN_CI:
            pytest.fail(
                f"PostgreSQL is required under CI=true and is not reachable at {PG_ADMIN_URL}"
            )
        pytest.skip("PostgreSQL not reachable (runs under CI=true)")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    settings = Settings(
        env="test",
        database_url=f"sqlite:///{path}",
        data_dir=path.parent,
        secret_key="t" * 40,
        pii_hash_key="p" * 40,
    )
    engine = make_engine(settings)
    upgrade(engine)
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database used as CREATE DATABASE ... TEMPLATE."""
    _require_pg()
    name = f"entcredit_tpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    eng = create_engine(url)
    upgrade(eng)
    eng.dispose()
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_settings(url: str, data_dir: Path, **overrides: object) -> Settings:
    return Settings(
        env="test",
        database_url=url,
        data_dir=data_dir,
        secret_key="t" * 40,
        pii_hash_key="p" * 40,
        **overrides,
    )  # type: ignore[arg-type]


@contextmanager
def fresh_store(request: pytest.FixtureRequest, kind: str, where: Path) -> Iterator[str]:
    """A fresh, migrated, empty store of ``kind``; yields its URL and drops it afterwards."""
    if kind == "sqlite":
        tpl: Path = request.getfixturevalue("sqlite_template")
        dest = where / f"store-{uuid.uuid4().hex[:6]}.db"
        shutil.copy(tpl, dest)
        yield f"sqlite:///{dest}"
        return
    tpl_name: str = request.getfixturevalue("pg_template")
    name = f"entcredit_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tpl_name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, db_kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty store per test, on each dialect."""
    with fresh_store(request, db_kind, tmp_path) as url:
        yield url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings)
    yield eng
    eng.dispose()
