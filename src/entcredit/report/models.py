"""Tables of this feature (imported by ``store.registry.all_metadata``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from entcredit.audit.models import UTCDateTime
from entcredit.store.base import Base
from entcredit.store.models import BigId


class CreditReport(Base):
    """One issued PDF credit report: what ``/report/verify`` checks a code and a file against.

    The PDF itself is not kept (it can be large and is the holder's document); its SHA-256
    identifies it. ``code`` is an HMAC of ``report_no``, ``uscc`` and ``issued_at`` under the
    platform's secret key, so a row edited behind the platform's back no longer verifies.
    """

    __tablename__ = "credit_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Verification code without separators (16 base32 characters).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # Random per report, so two reports of one enterprise in the same second differ.
    report_no: Mapped[str] = mapped_column(String(32))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(300))
    lang: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    as_of: Mapped[date] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
