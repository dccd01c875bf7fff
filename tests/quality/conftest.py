# The ingest fixtures (a migrated store per dialect, and a loader through the normal path)
# and the web fixtures (a seeded SQLite store, a client, sign-in).
from tests.ingest.conftest import ctx, factory, load
from tests.web.conftest import _seed, client, login, world

__all__ = ["_seed", "client", "ctx", "factory", "load", "login", "world"]
