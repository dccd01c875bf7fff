"""Search tests load the register through the real ingest path (tests/ingest fixtures)."""

from __future__ import annotations

from tests.ingest.conftest import ctx, factory, load

__all__ = ["ctx", "factory", "load"]
