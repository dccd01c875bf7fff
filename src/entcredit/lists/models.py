"""The lists in the store: one row per list entry (its current state) and its event history.

``state`` and ``data`` are the pure machine's entry (``lists.abnormal.AbnormalEntry`` /
``lists.serious.SeriousEntry``) as stored: ``data`` is the whole entry serialised, the other
columns copy what the portal, the credit check and the daily job query by. Every change goes
through the machine (``lists.service``), never by writing these columns directly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from entcredit.audit.models import UTCDateTime
from entcredit.store.base import Base
from entcredit.store.models import BigId, JsonType, Record

# The daily job proposes reason 4 from inspection results 6 (cannot be reached): a partial
# index keeps that scan to those few records. The query repeats the predicate word for word
# (``INSPECTION_UNREACHABLE``) so both databases use it.
INSPECTION_UNREACHABLE = {
    "sqlite": "category = 'inspection' AND json_extract(fields, '$.result_code') = '6'",
    "postgresql": "category = 'inspection' AND (fields ->> 'result_code') = '6'",
}
Index(
    "ix_records_inspection_unreachable",
    Record.produced_on,
    sqlite_where=text(INSPECTION_UNREACHABLE["sqlite"]),
    postgresql_where=text(INSPECTION_UNREACHABLE["postgresql"]),
)


class ListEntry(Base):
    __tablename__ = "list_entries"
    __table_args__ = (
        Index("ix_list_entries_uscc_kind", "uscc", "list_kind"),
        Index("ix_list_entries_enterprise_kind", "enterprise_id", "list_kind"),
        Index("ix_list_entries_due", "next_due_on"),
        Index("ix_list_entries_job_due", "job_due_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The machine's entry_id: unique, stable, used in events and applications.
    entry_key: Mapped[str] = mapped_column(String(200), unique=True)
    list_kind: Mapped[str] = mapped_column(String(16))  # abnormal | serious
    uscc: Mapped[str] = mapped_column(String(18))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    state: Mapped[str] = mapped_column(String(32))
    # True while the entry has legal effect (listed / marked; objection or removal pending).
    in_force: Mapped[bool] = mapped_column(Boolean, default=False)
    reason_code: Mapped[str | None] = mapped_column(String(32))  # abnormal reason / article
    decision_no: Mapped[str | None] = mapped_column(String(200))
    authority: Mapped[str | None] = mapped_column(String(200))
    dept_code: Mapped[str | None] = mapped_column(String(64))  # owning (deciding) department
    listed_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # Removed early by credit repair: nothing of the entry stays public (rules.md §4-5).
    repaired: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_on: Mapped[date | None] = mapped_column(Date)
    next_due_on: Mapped[date | None] = mapped_column(Date)
    next_due_what: Mapped[str | None] = mapped_column(String(64))
    # The next day the daily job must look at the entry (a time-driven change, or a staff
    # deadline to report overdue); NULL: nothing time-driven is left. Lets the job select only
    # the entries that can change instead of scanning every open entry.
    job_due_on: Mapped[date | None] = mapped_column(Date)
    # The published records of the listing and of the removal (category abnormal_list /
    # serious_list), whichever way they came: loaded from a department or decided here.
    listing_record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    removal_record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    data: Mapped[Any] = mapped_column(JsonType)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class ListEvent(Base):
    """Append-only: every event applied to an entry, with who and the resulting state."""

    __tablename__ = "list_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    on: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(200))
    state_after: Mapped[str] = mapped_column(String(32))
    details: Mapped[Any] = mapped_column(JsonType)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
