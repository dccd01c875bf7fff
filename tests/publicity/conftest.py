"""Fixtures for the publicity rule tests."""

from __future__ import annotations

import pytest

from entcredit.catalog import load_catalog
from entcredit.catalog.model import Catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()
