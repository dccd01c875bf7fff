from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from entcredit.store.db import make_session_factory
from entcredit.store.models import Department


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on a migrated store (SQLite and PostgreSQL, from tests/conftest.py) whose
    work is rolled back at the end: services never commit."""
    session = make_session_factory(engine)()
    for code, name in (("440000SW", "广东省税务局"), ("440000HB", "广东省生态环境厅")):
        session.add(
            Department(
                dept_code=code,
                name=name,
                region_code="440000",
                level="province",
                is_market_regulator=False,
                content_hash="0" * 32,
                updated_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )
    session.flush()
    yield session
    session.rollback()
    session.close()
