"""The operator's command, driven as an operator would: real processes, real files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ingest.factories import PENALTY_HEADER, penalty_row, write_csv

ENTCREDIT = str(Path(sys.executable).parent / "entcredit")


def env_for(tmp_path: Path, url: str | None = None) -> dict[str, str]:
    env = dict(os.environ, ENTCREDIT_DATA_DIR=str(tmp_path / "data"))
    if url:
        env["ENTCREDIT_DATABASE_URL"] = url
    env.pop("ENTCREDIT_ENV", None)
    return env


def run(
    args: list[str], env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([ENTCREDIT, *args], env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_load_reports_json_and_refuses_bad_files(tmp_path: Path, db_url: str) -> None:
    env = env_for(tmp_path, db_url)
    good = write_csv(tmp_path / "p.csv", PENALTY_HEADER, [penalty_row(1), penalty_row(2, facts="")])
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a zip")
    proc = run(["ingest", "load", str(good), str(bad), "--json"], env, check=False)
    assert proc.returncode == 1  # one file refused
    reports = json.loads(proc.stdout)
    assert [(r["rows_read"], r["rows_new"], r["rows_rejected"]) for r in reports] == [(2, 1, 1)]
    assert "broken.xlsx" in proc.stderr and "nothing stored" in proc.stderr
    strict = run(["ingest", "load", str(good), "--strict", "--json"], env, check=False)
    assert strict.returncode == 2  # rows rejected (again: the same file, nothing new stored)
    out = tmp_path / "issues.csv"
    run(["ingest", "report", str(reports[0]["batch_id"]), "--out", str(out)], env)
    assert ",3,facts,error," in out.read_text("utf-8-sig")


def test_calendar_status_warns_about_next_year(tmp_path: Path) -> None:
    proc = run(["calendar", "status", "--as-of", "2026-11-30"], env_for(tmp_path))
    assert "2027" in proc.stderr
    cal = tmp_path / "data" / "calendar.yaml"
    cal.parent.mkdir(parents=True, exist_ok=True)
    cal.write_text("years:\n  2027:\n    holidays: [2027-01-01]\n", "utf-8")
    proc = run(["calendar", "status", "--as-of", "2026-11-30"], env_for(tmp_path))
    assert "2004-2027" in proc.stderr.replace("\n", "")


def test_production_refuses_default_secrets(tmp_path: Path) -> None:
    env = dict(env_for(tmp_path), ENTCREDIT_ENV="production")
    proc = run(["db", "upgrade"], env, check=False)
    assert proc.returncode != 0
    assert "ENTCREDIT_SECRET_KEY" in proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_demo_sets_up_a_province_and_serves_it(tmp_path: Path) -> None:
    """README command 1 without the blocking server, then the server itself."""
    env = env_for(tmp_path)
    run(["demo", "--scale", "0.0002", "--no-serve"], env)
    creds = json.loads((tmp_path / "data" / "admin-credentials.json").read_text())
    assert creds["username"] == "admin"
    batches = run(["ingest", "batches", "--limit", "500"], env).stdout
    assert "enterprise" in batches and "penalty" in batches
    # Running it again loads nothing twice.
    run(["demo", "--scale", "0.0002", "--no-serve"], env)
    port = _free_port()
    server = subprocess.Popen(
        [ENTCREDIT, "serve"],
        env=dict(env, ENTCREDIT_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not answer /healthz")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert "企业信用信息" in r.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=20)
