"""Early stops of a record's publicity decided by credit repair (rules.md §5).

Read by every public consumer through ``RecordView.repaired_on``; written only when a repair
application is approved (``entcredit.repair``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from entcredit.audit.models import UTCDateTime
from entcredit.store.base import Base


class PublicityStop(Base):
    __tablename__ = "publicity_stops"

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), primary_key=True)
    stopped_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
