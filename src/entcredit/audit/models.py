"""The audit log table and the portable UTC timestamp type it (and identity) store times in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from entcredit.store.base import Base

# SQLite has no BIGINT autoincrement; PostgreSQL gets a real bigint identity.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zone type, so we store naive UTC and
    attach UTC on the way out. Naive datetimes are refused on the way in: a naive value is a
    bug (local time sneaking in), not something to guess about.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC datetimes")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One append-only event. ``hash = sha256(prev_hash + canonical JSON of the event)``.

    ``prev_hash`` is unique: two events can never claim the same predecessor, so the chain
    cannot fork even if two writers raced past the lock.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_tag_occurred_at", "tag", "occurred_at"),
        Index("ix_audit_events_subject_id", "subject_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    tag: Mapped[str] = mapped_column(String(100), nullable=False)
    subject_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.tag} {self.subject_id!r} by {self.actor}>"


__all__ = ["GENESIS_HASH", "AuditEvent", "BigIntPK", "UTCDateTime", "utcnow"]
