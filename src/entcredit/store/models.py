"""The system of record: register, aggregated records with full history, ingest batches.

Records are never overwritten or deleted: a correction or withdrawal adds a row to
``record_versions`` and moves the current state in ``records``. The ingest pipeline writes
these tables through the bulk paths in ``store.bulk`` (executemany / COPY), never row by row
through the ORM; the ORM classes serve reads, small writes and migrations.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from entcredit.store.base import Base

# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JsonType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY, so BIGINT ids are INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Department(Base):
    """A data-providing department (归集部门)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dept_code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    level: Mapped[str] = mapped_column(String(16))
    is_market_regulator: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Enterprise(Base):
    """A business entity of the register (市场主体), keyed by its USCC."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    reg_no: Mapped[str | None] = mapped_column(String(15), index=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    legal_rep: Mapped[str] = mapped_column(String(200))
    legal_rep_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    legal_rep_id_masked: Mapped[str | None] = mapped_column(String(40))
    reg_capital: Mapped[Any | None] = mapped_column(Numeric(20, 6))
    established_on: Mapped[date] = mapped_column(Date)
    reg_authority: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(String(500))
    industry_code: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    status_on: Mapped[date | None] = mapped_column(Date)
    is_listed: Mapped[bool | None] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))
    last_batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EnterpriseFormerName(Base):
    __tablename__ = "enterprise_former_names"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    name: Mapped[str] = mapped_column(String(300), index=True)


class Person(Base):
    """A natural person, known by a keyed hash of the ID number; only a masked form is kept."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_masked: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), index=True)


class PersonRole(Base):
    """Key personnel (主要人员). Keyed by (uscc, person, role); linked to the enterprise once
    the enterprise is registered."""

    __tablename__ = "person_roles"
    __table_args__ = (UniqueConstraint("uscc", "person_id", "role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    last_batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))


class RegisterVersion(Base):
    """History of the reference categories (enterprise, person_role, department): every
    accepted change, as validated, with PII already reduced to hash and mask."""

    __tablename__ = "register_versions"
    __table_args__ = (Index("ix_register_versions_key", "category", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[Any] = mapped_column(JsonType)
    content_hash: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"))
    row_no: Mapped[int] = mapped_column(Integer)


class Record(Base):
    """Current version of an aggregated record (涉企信息), keyed by (dept_code, source_id).

    Indexes serve the transactional paths only (attribution, the enterprise page, the unlinked
    queue); batch analytics reads a Parquet snapshot instead, so every index here is paid for
    on every one of hundreds of millions of inserts.
    """

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("dept_code", "source_id"),
        Index("ix_records_enterprise_category", "enterprise_id", "category"),
        # Small: only records still waiting for their enterprise to be registered.
        Index(
            "ix_records_unlinked_uscc",
            "uscc",
            sqlite_where=text("enterprise_id IS NULL"),
            postgresql_where=text("enterprise_id IS NULL"),
        ),
        Index(
            "ix_records_unpublished",
            "received_on",
            sqlite_where=text("published_on IS NULL"),
            postgresql_where=text("published_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    dept_code: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(128))
    uscc: Mapped[str | None] = mapped_column(String(18))
    reg_no: Mapped[str | None] = mapped_column(String(15))
    # NULL while the subject is not (yet) registered: the unlinked queue.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    subject_name: Mapped[str] = mapped_column(String(300))
    # The subject name matches neither the registered nor a former name.
    name_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    produced_on: Mapped[date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(200))
    fields: Mapped[Any] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16))  # active | withdrawn
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(32))
    received_on: Mapped[date] = mapped_column(Date)
    aggregate_due: Mapped[date | None] = mapped_column(Date)
    aggregated_on_time: Mapped[bool | None] = mapped_column(Boolean)
    publish_due: Mapped[date] = mapped_column(Date)
    # A deadline walked through a year the working-day calendar does not cover yet.
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    published_on: Mapped[date | None] = mapped_column(Date)
    # Provenance of the current version (batch ids are bookkeeping written only by the
    # pipeline: no foreign key, which would cost a lookup per inserted row).
    first_batch_id: Mapped[int] = mapped_column(BigInteger)
    last_batch_id: Mapped[int] = mapped_column(BigInteger)
    last_op: Mapped[str] = mapped_column(String(16))  # create | correct | withdraw
    last_row_no: Mapped[int] = mapped_column(Integer)


class RecordVersion(Base):
    """Superseded versions of aggregated records, append-only. The full history of a record
    is these rows plus its current row in ``records``: a first load writes each record once,
    and a correction moves the old current row here."""

    __tablename__ = "record_versions"

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    op: Mapped[str] = mapped_column(String(16))  # create | correct | withdraw
    batch_id: Mapped[int] = mapped_column(BigInteger)
    row_no: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(32))
    uscc: Mapped[str | None] = mapped_column(String(18))
    subject_name: Mapped[str] = mapped_column(String(300))
    produced_on: Mapped[date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(200))
    fields: Mapped[Any] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16))


class IngestBatch(Base):
    """One load of one file or JSON batch. ``outcomes`` holds every row's outcome (one byte a
    row, zlib-compressed: see ``ingest.rules.Outcome``), so the fate of each row is kept
    without a table row per accepted row."""

    __tablename__ = "ingest_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    dept_code: Mapped[str | None] = mapped_column(String(64), index=True)
    source_name: Mapped[str] = mapped_column(String(500))
    source_format: Mapped[str] = mapped_column(String(16))
    source_encoding: Mapped[str | None] = mapped_column(String(32))
    source_sha256: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[str] = mapped_column(String(200))
    received_on: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_corrected: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_unlinked: Mapped[int] = mapped_column(Integer, default=0)
    rows_late: Mapped[int] = mapped_column(Integer, default=0)
    rows_warned: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[Any] = mapped_column(JsonType)
    outcomes: Mapped[bytes] = mapped_column(LargeBinary)


class IngestRowIssue(Base):
    """A rejected row's reasons, or an accepted row's warnings: file, row, field, reason."""

    __tablename__ = "ingest_row_issues"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))  # error | warning
    reason: Mapped[str] = mapped_column(Text)
    # The row as received (PII masked), so a rejected row can be fixed and resent.
    raw: Mapped[Any | None] = mapped_column(JsonType)


class IngestExtraColumns(Base):
    """Cells of columns the standard does not know, kept aside per row, never dropped."""

    __tablename__ = "ingest_extra_columns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    record_key: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[Any] = mapped_column(JsonType)
