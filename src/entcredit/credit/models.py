"""The credit check's log: one row per call, one per subject checked, one per hit.

Written in bulk by ``credit.service`` (executemany / COPY); read for the statistic of times
restricted per measure and by departments for their own calls. Persons are logged by the
keyed hash and the masked form of their ID number, never the number.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from entcredit.audit.models import UTCDateTime
from entcredit.store.base import Base
from entcredit.store.models import BigId, Record

# The credit check finds a subject's restriction records by USCC, and a person's by the hash
# ingest keeps beside the masked ID number in ``fields``. Partial: only the restriction
# category of the records table is indexed, so the indexes stay small.
_RESTRICTION = text("category = 'restriction'")
PERSON_HASH = Record.fields["subject_person_id_hash"].as_string()
Index(
    "ix_records_restriction_uscc",
    Record.uscc,
    sqlite_where=_RESTRICTION,
    postgresql_where=_RESTRICTION,
)
Index(
    "ix_records_restriction_person",
    PERSON_HASH,
    sqlite_where=_RESTRICTION,
    postgresql_where=_RESTRICTION,
)


class CreditCheckCall(Base):
    __tablename__ = "credit_check_calls"
    __table_args__ = (
        Index("ix_credit_check_calls_asked_at", "asked_at"),
        Index("ix_credit_check_calls_dept_asked_at", "dept_code", "asked_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    asked_by: Mapped[str] = mapped_column(String(200))  # audit actor: user:<name>, dept:<code>
    dept_code: Mapped[str | None] = mapped_column(String(64))  # the asker's department
    channel: Mapped[str] = mapped_column(String(16))  # api | page | cli
    action: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    subjects: Mapped[int] = mapped_column(Integer)
    restricted: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)


class CreditCheckSubject(Base):
    __tablename__ = "credit_check_subjects"

    call_id: Mapped[int] = mapped_column(ForeignKey("credit_check_calls.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # position in the call
    subject_kind: Mapped[str | None] = mapped_column(String(16))  # enterprise | person
    subject_key: Mapped[str | None] = mapped_column(String(64))  # USCC or ID-number hash
    label: Mapped[str | None] = mapped_column(String(40))  # USCC or masked ID number
    restricted: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(String(32))


class CreditCheckHit(Base):
    __tablename__ = "credit_check_hits"
    __table_args__ = (Index("ix_credit_check_hits_call", "call_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("credit_check_calls.id"))
    seq: Mapped[int] = mapped_column(Integer)
    measure_code: Mapped[str] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(16))  # list_entry | restriction | revocation
    ref: Mapped[str] = mapped_column(String(200))
    via_uscc: Mapped[str | None] = mapped_column(String(18))
    until: Mapped[date | None] = mapped_column(Date)
