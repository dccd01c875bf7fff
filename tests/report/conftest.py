from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from entcredit.settings import Settings
from entcredit.store.db import make_session_factory
from tests.browser.dataset import Dataset, load_dataset


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def dataset(settings: Settings, factory: sessionmaker[Session], tmp_path: Path) -> Dataset:
    return load_dataset(settings, factory, tmp_path)
