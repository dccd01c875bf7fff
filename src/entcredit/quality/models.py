"""Tables of this feature (imported by ``store.registry.all_metadata``).

One row per finding: a rule's verdict on one subject (a record, a key-personnel row, or a
department's category in a period). A rescan updates the same row, so nothing opens twice;
what a rescan no longer finds is closed as rectified.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from entcredit.store.base import Base
from entcredit.store.models import BigId

# open -> sent -> rectified | waived (regulator, with a reason); open -> rectified too.
FINDING_STATES = ("open", "sent", "rectified", "waived")
OPEN_STATES = ("open", "sent")


class QualityFinding(Base):
    __tablename__ = "quality_findings"
    __table_args__ = (
        UniqueConstraint("rule_code", "subject"),
        Index("ix_quality_findings_dept_state", "dept_code", "state"),
        Index("ix_quality_findings_state", "state"),
        Index("ix_quality_findings_period", "period"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(16))
    # "dept/source_id", "person_role/<id>" or "dept/category/period".
    subject: Mapped[str] = mapped_column(String(300))
    dimension: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(8))
    dept_code: Mapped[str | None] = mapped_column(String(64))
    city: Mapped[str] = mapped_column(String(6))  # region code of the department's city
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM the problem belongs to
    category: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))
    first_seen: Mapped[date] = mapped_column(Date)
    last_seen: Mapped[date] = mapped_column(Date)
    sent_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    waive_reason: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(200))


class QualityVolume(Base):
    """Records per department and month as of the last scan: the denominators of the
    circular's rankings (replaced whole by each scan; small: departments x months)."""

    __tablename__ = "quality_volumes"

    dept_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    city: Mapped[str] = mapped_column(String(6))
    records: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)  # not aggregated within the deadline
