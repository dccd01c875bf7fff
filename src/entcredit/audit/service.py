"""Append-only, hash-chained audit log.

Each event's hash covers the previous event's hash and a canonical JSON form of the event, so
editing, deleting or reordering any event breaks the chain from that point on. There is no
update or delete function on purpose.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from entcredit.audit.models import GENESIS_HASH, AuditEvent, utcnow

# Key of the transaction-scoped advisory lock that serialises appends on PostgreSQL
# ("entcredit audit" folded into a signed 64-bit integer; any constant works if it is unique).
AUDIT_ADVISORY_LOCK_KEY = 0x454E_5443_4144_0001

_TAG_RE = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")


class AuditTagError(ValueError):
    """A tag that is not ``subject:action`` in lower snake case."""


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None
    # Hash of the last event: record it outside the database (a signed report, a ticket) to
    # detect truncation of the tail, which a chain alone cannot see.
    head_hash: str
    reason: str | None = None


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _event_payload(
    *, occurred_at: datetime, actor: str, tag: str, subject_id: str | None, details: Any
) -> str:
    return canonical_json(
        {
            "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "tag": tag,
            "subject_id": subject_id,
            "details": details,
        }
    )


def compute_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _event_hash(event: AuditEvent) -> str:
    payload = _event_payload(
        occurred_at=event.occurred_at,
        actor=event.actor,
        tag=event.tag,
        subject_id=event.subject_id,
        details=event.details,
    )
    return compute_hash(event.prev_hash, payload)


def _lock_chain(session: Session) -> None:
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_ADVISORY_LOCK_KEY})
    elif dialect == "sqlite":
        # SQLite has one writer at a time. store.db begins every transaction itself
        # (DEFERRED, or IMMEDIATE for writers that ask), so a transaction is normally open
        # here: if it holds the write lock, the head read below is serialised; if it is
        # still a read snapshot and another writer committed meanwhile, the INSERT fails
        # with SQLITE_BUSY rather than forking the chain (and prev_hash is unique anyway).
        # Writers should begin IMMEDIATE (the web app does for unsafe methods). Without
        # that hook (a bare engine in legacy pysqlite mode) take the write lock ourselves.
        dbapi_conn = conn.connection.dbapi_connection
        if dbapi_conn is not None and not getattr(dbapi_conn, "in_transaction", True):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def append_event(
    session: Session,
    *,
    actor: str,
    tag: str,
    subject_id: str | int | None = None,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain (flushed, not committed: the caller's unit of work commits).

    ``tag`` is ``subject:action`` (``batch:load``, ``token:issue``); ``actor`` is
    ``user:<username>``, ``dept:<dept_code>`` or ``system``; ``details`` must be JSON data.
    """
    if not _TAG_RE.match(tag):
        raise AuditTagError(f"audit tag {tag!r} is not 'subject:action' in lower snake case")
    if not actor:
        raise ValueError("audit actor must not be empty")
    when = occurred_at if occurred_at is not None else utcnow()
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("audit occurred_at must be timezone-aware")
    when = when.astimezone(UTC)
    # Round-trip through canonical JSON so what is stored is exactly what was hashed
    # (tuples become lists, keys become strings, non-JSON values fail here, not at commit).
    stored_details: dict[str, Any] = json.loads(canonical_json(details or {}))
    subject = None if subject_id is None else str(subject_id)

    _lock_chain(session)
    prev_hash = (
        session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
        or GENESIS_HASH
    )
    payload = _event_payload(
        occurred_at=when, actor=actor, tag=tag, subject_id=subject, details=stored_details
    )
    event = AuditEvent(
        occurred_at=when,
        actor=actor,
        tag=tag,
        subject_id=subject,
        details=stored_details,
        prev_hash=prev_hash,
        hash=compute_hash(prev_hash, payload),
    )
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session, *, batch_size: int = 1000) -> ChainReport:
    """Walk the whole chain in id order and recompute every link."""
    expected_prev = GENESIS_HASH
    checked = 0
    stmt = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch_size)
    for event in session.scalars(stmt):
        checked += 1
        if event.prev_hash != expected_prev:
            return ChainReport(
                ok=False,
                checked=checked,
                first_bad_id=event.id,
                head_hash=expected_prev,
                reason="prev_hash does not match the preceding event "
                "(an event was deleted, inserted or reordered)",
            )
        if _event_hash(event) != event.hash:
            return ChainReport(
                ok=False,
                checked=checked,
                first_bad_id=event.id,
                head_hash=expected_prev,
                reason="hash does not match the event's content (the event was edited)",
            )
        expected_prev = event.hash
    return ChainReport(ok=True, checked=checked, first_bad_id=None, head_hash=expected_prev)


def actor_for_user(username: str) -> str:
    return f"user:{username}"


def actor_for_department(dept_code: str) -> str:
    return f"dept:{dept_code}"


SYSTEM_ACTOR = "system"
