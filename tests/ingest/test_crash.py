"""A batch is atomic: SIGKILL in the middle leaves the store exactly as it was, and loading
again gives the same final state as an uninterrupted run. Real processes, real stores."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from entcredit.store.registry import all_metadata
from tests.conftest import fresh_store
from tests.ingest.factories import PENALTY_HEADER, penalty_row

ROWS = 120_000
ENTREDIT = Path(sys.executable).parent / "entcredit"


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of its rows in primary-key order."""
    eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    out: dict[str, tuple[int, str]] = {}
    with eng.connect() as c:
        for name, table in sorted(all_metadata().tables.items()):
            order = ", ".join(col.name for col in table.primary_key.columns)
            h = hashlib.sha256()
            n = 0
            for row in c.execute(text(f"SELECT * FROM {name} ORDER BY {order}")):
                h.update(repr(tuple(row)).encode())
                n += 1
            out[name] = (n, h.hexdigest())
    eng.dispose()
    return out


def content(url: str) -> list[tuple[object, ...]]:
    """What must be equal between a crashed-and-resumed store and an uninterrupted one
    (ids, batch numbers and timestamps legitimately differ)."""
    eng: Engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with eng.connect() as c:
        rows = c.execute(
            text(
                "SELECT r.dept_code, r.source_id, r.version, r.status, r.content_hash, r.uscc,"
                " r.produced_on, r.received_on, r.publish_due, r.published_on,"
                " (SELECT COUNT(*) FROM record_versions v WHERE v.record_id = r.id)"
                " FROM records r ORDER BY r.dept_code, r.source_id"
            )
        ).all()
    eng.dispose()
    return [tuple(str(x) for x in r) for r in rows]


def run_load(url: str, data_dir: Path, path: Path, *, kill_after_rows: int | None = None) -> int:
    env = dict(
        os.environ,
        ENTCREDIT_DATABASE_URL=url,
        ENTCREDIT_DATA_DIR=str(data_dir),
        ENTCREDIT_ENV="test",
        ENTCREDIT_SECRET_KEY="s" * 40,
        ENTCREDIT_PII_HASH_KEY="p" * 40,
    )
    cmd = [str(ENTREDIT), "ingest", "load", str(path), "--received-on", "2024-03-05"]
    proc = subprocess.Popen(
        cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert proc.stderr is not None
    if kill_after_rows is None:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        return proc.returncode
    deadline = time.monotonic() + 300
    for line in proc.stderr:
        if line.startswith("progress:") and int(line.split()[2]) >= kill_after_rows:
            proc.send_signal(signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "no progress line seen"
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the load finished before it could be killed"
    return proc.returncode


def wait_for_backends_to_end(url: str) -> None:
    """PostgreSQL aborts a dead client's transaction when it notices the closed socket."""
    if not url.startswith("postgresql"):
        return
    eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with eng.connect() as c:
        for _ in range(100):
            n = c.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid()"
                )
            ).scalar()
            if not n:
                break
            time.sleep(0.1)
    eng.dispose()


@pytest.mark.slow
def test_kill_mid_batch_leaves_store_unchanged_and_resume_matches(
    request: pytest.FixtureRequest, db_kind: str, tmp_path: Path
) -> None:
    small = tmp_path / "0_small.csv"
    big = tmp_path / "1_big.csv"
    with small.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(PENALTY_HEADER)
        for i in range(1, 101):
            r = penalty_row(i)
            w.writerow([r[h] for h in PENALTY_HEADER])
    with big.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(PENALTY_HEADER)
        for i in range(1, ROWS + 1):
            # Overlaps the small batch (corrections) and adds new records.
            r = penalty_row(i, ent=i % 5000, fine_amount=str(i % 7 + 1))
            w.writerow([r[h] for h in PENALTY_HEADER])

    with (
        fresh_store(request, db_kind, tmp_path) as crashed,
        fresh_store(request, db_kind, tmp_path) as clean,
    ):
        run_load(crashed, tmp_path, small)
        before = fingerprint(crashed)
        run_load(crashed, tmp_path, big, kill_after_rows=40_000)
        wait_for_backends_to_end(crashed)
        assert fingerprint(crashed) == before
        run_load(crashed, tmp_path, big)

        run_load(clean, tmp_path, small)
        run_load(clean, tmp_path, big)
        assert content(crashed) == content(clean)
        assert len(content(clean)) == ROWS
