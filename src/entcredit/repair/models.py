"""Tables of enterprise self-service and credit repair (imported by ``store.registry``).

``enterprise_sessions`` are server-side sessions of enterprises signed in with USCC, legal
representative's name and ID number (only the SHA-256 of the cookie secret is kept, as for
staff). ``repair_applications`` is one credit repair application and its review;
``repair_evidence`` lists its uploaded files: the bytes live on disk, content-addressed by
SHA-256 under ``<data_dir>/repair-evidence`` (see ``repair.service.store_evidence``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from entcredit.audit.models import UTCDateTime
from entcredit.store.base import Base
from entcredit.store.models import BigId


class EnterpriseSession(Base):
    __tablename__ = "enterprise_sessions"
    __table_args__ = (Index("ix_enterprise_sessions_enterprise_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class RepairApplication(Base):
    __tablename__ = "repair_applications"
    __table_args__ = (
        Index("ix_repair_applications_enterprise_id", "enterprise_id"),
        # The review queue: a department's open applications.
        Index("ix_repair_applications_dept_state", "dept_code", "state"),
        Index("ix_repair_applications_record_id", "record_id"),
        Index("ix_repair_applications_list_entry_id", "list_entry_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # abnormal | serious | penalty
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    uscc: Mapped[str] = mapped_column(String(18))
    # The target: a penalty record, or a list entry.
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    dept_code: Mapped[str] = mapped_column(String(64))  # the owning department reviews
    state: Mapped[str] = mapped_column(String(16))  # submitted | accepted | approved | refused
    reason: Mapped[str] = mapped_column(Text)
    corrective_actions: Mapped[str] = mapped_column(Text)
    obligations_fulfilled: Mapped[bool] = mapped_column(Boolean)
    harm_remedied: Mapped[bool] = mapped_column(Boolean)
    pledge_version: Mapped[str] = mapped_column(String(32))  # the 守信承诺书 text accepted
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    submitted_on: Mapped[date] = mapped_column(Date)
    accept_due: Mapped[date] = mapped_column(Date)
    decide_due: Mapped[date | None] = mapped_column(Date)  # set on acceptance
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_no: Mapped[str | None] = mapped_column(String(200))
    decision_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)


class RepairEvidence(Base):
    __tablename__ = "repair_evidence"
    __table_args__ = (Index("ix_repair_evidence_application_id", "application_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("repair_applications.id"))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
