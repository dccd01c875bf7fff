from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from entcredit.synth import GenerationSummary, generate

START = date(2021, 1, 1)
END = date(2024, 6, 30)


def make(
    out: Path, scale: float, seed: int = 20240630, messiness: float = 1.0
) -> GenerationSummary:
    return generate(out, scale=scale, seed=seed, start=START, end=END, messiness=messiness)


@pytest.fixture(scope="session")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small messy province shared by the read-only tests."""
    out = tmp_path_factory.mktemp("messy")
    make(out, 0.0005)
    return out


@pytest.fixture(scope="session")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A province big enough for the calibration proportions."""
    out = tmp_path_factory.mktemp("calibrated")
    make(out, 0.002)
    return out


@pytest.fixture(scope="session")
def messy_rows(
    messy: Path,
) -> list[tuple[dict[str, Any], int, dict[str, str | None], dict[str, Any], list[Any]]]:
    """Every row of the messy province through the catalogue, once for all tests."""
    from tests.synth.test_generator import _validated

    return list(_validated(messy))
