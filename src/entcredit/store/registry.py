"""Import every module that declares tables, so ``Base.metadata`` is complete (migrations,
tests and tools call this instead of relying on import side effects elsewhere)."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from entcredit.store.base import Base

MODEL_MODULES: tuple[str, ...] = (
    "entcredit.audit.models",
    "entcredit.identity.models",
    "entcredit.store.models",
    "entcredit.lists.models",
    "entcredit.publicity.models",
    "entcredit.search.models",
    "entcredit.portal.models",
    "entcredit.report.models",
    "entcredit.credit.models",
    "entcredit.repair.models",
    "entcredit.quality.models",
)


def all_metadata() -> MetaData:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata
