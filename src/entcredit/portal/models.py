"""Indexes the public read paths need on tables other features own (imported by
``store.registry.all_metadata``; created by migration ``0004_portal``)."""

from __future__ import annotations

from sqlalchemy import Index, text

from entcredit.lists.models import ListEntry
from entcredit.store.models import Record

# Notices (newest first) and bulk exports (oldest first) walk one category by publication.
Index("ix_records_public", Record.category, Record.published_on, Record.id)

# A record's repair through its list entry (``portal.service._repaired_on``): only repaired
# entries, so the index stays small.
Index(
    "ix_list_entries_repaired_listing",
    ListEntry.listing_record_id,
    sqlite_where=text("repaired = 1"),
    postgresql_where=text("repaired"),
)
Index(
    "ix_list_entries_repaired_removal",
    ListEntry.removal_record_id,
    sqlite_where=text("repaired = 1"),
    postgresql_where=text("repaired"),
)
