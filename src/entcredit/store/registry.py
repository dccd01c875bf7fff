"""Import every module that declares tables, so ``Base.metadata`` is complete (migrations,
tests and tools call this instead of relying on import side effects elsewhere)."""

from __future__ import annotations

from sqlalchemy import MetaData

from entcredit.store.base import Base


def all_metadata() -> MetaData:
    import entcredit.audit.models
    import entcredit.identity.models
    import entcredit.store.models  # noqa: F401

    return Base.metadata
