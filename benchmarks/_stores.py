"""Stores the benchmarks make: a migrated SQLite file in benchmarks/out, or a PostgreSQL
database of the same name on the local server (``ENTCREDIT_BENCH_PG``: its admin URL)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

from entcredit.settings import Settings
from entcredit.store.db import make_engine
from entcredit.store.migrate import upgrade

OUT = Path(__file__).parent / "out"
PG_ADMIN = os.environ.get(
    "ENTCREDIT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def store_url(kind: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{OUT / f'{name}.db'}"
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name.replace("-", "_")


def fresh_store(kind: str, name: str, settings: Callable[[str], Settings] | None = None) -> str:
    """Drop the store ``name`` if it exists, create it empty and migrate it; its URL."""
    url = store_url(kind, name)
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{OUT / f'{name}.db'}{suffix}").unlink(missing_ok=True)
    else:
        db = name.replace("-", "_")
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            c.execute(text(f"CREATE DATABASE {db}"))
        admin.dispose()
    made = settings(url) if settings else Settings(database_url=url, data_dir=OUT)
    upgrade(make_engine(made))
    return url
