# The ingest fixtures (a migrated store per dialect, and a loader through the normal path).
from tests.ingest.conftest import ctx, factory, load

__all__ = ["ctx", "factory", "load"]
