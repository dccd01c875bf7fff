"""Tables of this feature (imported by ``store.registry.all_metadata``)."""

from __future__ import annotations
