from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.report import BatchReport
from entcredit.ingest.service import load_path
from entcredit.settings import Settings
from entcredit.store.db import make_session_factory

NOW = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def ctx(settings: Settings) -> IngestContext:
    base = IngestContext.from_settings(settings)
    return IngestContext(
        settings=settings, catalog=base.catalog, calendar=base.calendar, now=lambda: NOW
    )


Loader = Callable[..., BatchReport]


@pytest.fixture
def load(factory: sessionmaker[Session], ctx: IngestContext) -> Loader:
    def _load(path: Path, received_on: date | None = None, **opts: object) -> BatchReport:
        options = LoadOptions(received_on=received_on, **opts)  # type: ignore[arg-type]
        return load_path(factory, ctx, path, options)

    return _load
