from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import cast

import pytest
from sqlalchemy import Engine, Table, delete, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from entcredit.audit import AuditTagError, append_event, verify_chain
from entcredit.audit.models import GENESIS_HASH, AuditEvent
from entcredit.store.db import make_session_factory, unit_of_work

T0 = datetime(2025, 6, 1, 8, 30, tzinfo=UTC)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def seed(factory: sessionmaker[Session], n: int = 5) -> list[int]:
    with unit_of_work(factory) as s:
        return [
            append_event(
                s,
                actor="dept:440000SW" if i % 2 else "user:alice",
                tag="batch:load",
                subject_id=i,
                details={"rows": i * 1000, "ratio": 0.25, "name": f"税务 第 {i} 批"},
                occurred_at=T0 + timedelta(minutes=i),
            ).id
            for i in range(n)
        ]


def report(factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    with unit_of_work(factory) as s:
        return verify_chain(s)


def test_chain_links_and_verifies(factory: sessionmaker[Session]) -> None:
    ids = seed(factory)
    with unit_of_work(factory) as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.id for e in events] == ids
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    r = report(factory)
    assert r.ok
    assert r.checked == 5
    assert r.first_bad_id is None
    assert r.head_hash == events[-1].hash
    assert events[2].details["name"] == "税务 第 2 批"
    assert events[2].occurred_at == T0 + timedelta(minutes=2)


def test_empty_chain_is_ok(factory: sessionmaker[Session]) -> None:
    r = report(factory)
    assert r.ok
    assert r.checked == 0
    assert r.head_hash == GENESIS_HASH


def test_edited_details_are_detected(factory: sessionmaker[Session], engine: Engine) -> None:
    ids = seed(factory)
    with engine.begin() as conn:
        conn.execute(
            update(AuditEvent.__table__)  # type: ignore[arg-type]
            .where(AuditEvent.__table__.c.id == ids[2])
            .values(details={"rows": 1, "ratio": 0.25, "name": "税务 第 2 批"})
        )
    r = report(factory)
    assert not r.ok
    assert r.first_bad_id == ids[2]
    assert r.checked == 3
    assert "edited" in (r.reason or "")


@pytest.mark.parametrize("column", ["actor", "tag", "subject_id"])
def test_edited_columns_are_detected(
    factory: sessionmaker[Session], engine: Engine, column: str
) -> None:
    ids = seed(factory)
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE audit_events SET {column} = 'x:y' WHERE id = :id"),
            {"id": ids[1]},
        )
    assert report(factory).first_bad_id == ids[1]


def test_edited_time_is_detected(factory: sessionmaker[Session], engine: Engine) -> None:
    ids = seed(factory)
    with unit_of_work(factory) as s:
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.id == ids[3])
            .values(occurred_at=T0 - timedelta(days=1))
        )
    assert report(factory).first_bad_id == ids[3]


def test_deleted_middle_event_is_detected(factory: sessionmaker[Session], engine: Engine) -> None:
    ids = seed(factory)
    with engine.begin() as conn:
        conn.execute(delete(AuditEvent.__table__).where(AuditEvent.__table__.c.id == ids[2]))  # type: ignore[arg-type]
    r = report(factory)
    assert not r.ok
    assert r.first_bad_id == ids[3]
    assert "deleted" in (r.reason or "")


def test_reordered_events_are_detected(factory: sessionmaker[Session], engine: Engine) -> None:
    ids = seed(factory)
    table = cast(Table, AuditEvent.__table__)
    cols = ["occurred_at", "actor", "tag", "subject_id", "details", "prev_hash", "hash"]
    # Swap the content of two events (ids keep their order), as a reordering would.
    with engine.begin() as conn:
        rows = {
            r.id: r._mapping
            for r in conn.execute(select(table).where(table.c.id.in_([ids[1], ids[3]])))
        }
        # prev_hash and hash are unique: park one row's values first.
        conn.execute(update(table).where(table.c.id == ids[1]).values(prev_hash="p", hash="h"))
        for target, source in ((ids[3], ids[1]), (ids[1], ids[3])):
            values = {c: rows[source][c] for c in cols}
            conn.execute(update(table).where(table.c.id == target).values(**values))
    r = report(factory)
    assert not r.ok
    assert r.first_bad_id == ids[1]


def test_a_fork_is_impossible(factory: sessionmaker[Session]) -> None:
    seed(factory, 2)
    with unit_of_work(factory) as s:
        head = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert head is not None
        fork_of = head.prev_hash
    fork = AuditEvent(
        occurred_at=T0,
        actor="system",
        tag="x:y",
        subject_id=None,
        details={},
        prev_hash=fork_of,
        hash="f" * 64,
    )
    with unit_of_work(factory) as s:
        s.add(fork)
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


def test_event_validation(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        for bad in ("batch", "Batch:Load", "batch:load:extra", "batch load", ":load"):
            with pytest.raises(AuditTagError):
                append_event(s, actor="system", tag=bad)
        with pytest.raises(ValueError, match="timezone-aware"):
            append_event(s, actor="system", tag="a:b", occurred_at=datetime(2025, 1, 1))
        with pytest.raises(ValueError, match="actor"):
            append_event(s, actor="", tag="a:b")
        with pytest.raises(TypeError):
            append_event(s, actor="system", tag="a:b", details={"when": object()})


def test_details_round_trip_exactly(factory: sessionmaker[Session]) -> None:
    east8 = timezone(timedelta(hours=8))
    with unit_of_work(factory) as s:
        e = append_event(
            s,
            actor="system",
            tag="quality:scan",
            subject_id=42,
            details={"b": [1, 2.5, 1e20, None, True], "a": {"中文": "值"}, "t": (1, 2)},
            occurred_at=datetime(2025, 1, 1, 8, 0, 0, 123456, tzinfo=east8),
        )
        assert e.subject_id == "42"
        assert e.details["t"] == [1, 2]
    assert report(factory).ok


def test_concurrent_appends_keep_one_chain(engine: Engine) -> None:
    # Writers begin IMMEDIATE on SQLite (as the web app does for unsafe requests).
    factory = make_session_factory(engine.execution_options(sqlite_begin="IMMEDIATE"))
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                with unit_of_work(factory) as s:
                    # A read first: the lock must still serialise the head read and insert.
                    s.execute(select(AuditEvent.id).limit(1)).all()
                    append_event(s, actor=f"user:w{n}", tag="test:append", subject_id=i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    r = report(factory)
    assert r.ok
    assert r.checked == 60


def test_appends_never_fork_even_from_stale_read_snapshots(
    factory: sessionmaker[Session],
) -> None:
    """DEFERRED transactions that read first may fail under contention, but never fork."""

    def worker(n: int) -> None:
        for i in range(10):
            try:
                with unit_of_work(factory) as s:
                    s.execute(select(AuditEvent.id).limit(1)).all()
                    append_event(s, actor=f"user:w{n}", tag="test:append", subject_id=i)
            except (OperationalError, IntegrityError):
                pass

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert report(factory).ok


def test_no_update_or_delete_api() -> None:
    import entcredit.audit.service as service

    names = {n for n in dir(service) if not n.startswith("_")}
    assert not {n for n in names if "update" in n or "delete" in n or "remove" in n}
