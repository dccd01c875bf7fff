"""``entcredit quality`` as an operator runs it: a real process, a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cli.test_cli import env_for, run
from tests.ingest.factories import PENALTY_HEADER, penalty_row, write_csv


# The store paths are tested on both dialects in test_findings; here, the commands.
@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_scan_send_and_circular(tmp_path: Path, db_url: str) -> None:
    env = env_for(tmp_path, db_url)
    rows = [penalty_row(1), penalty_row(2)]  # their enterprises are not registered
    csv = write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows)
    run(["ingest", "load", str(csv), "--received-on", "2024-03-20"], env)
    scan = run(["quality", "scan", "--as-of", "2024-03-25"], env)
    assert "linkage" in scan.stdout and "opened 4" in scan.stdout  # 2 unlinked, 2 late
    again = run(["quality", "scan", "--as-of", "2024-03-26"], env)
    assert "opened 0, reopened 0, rectified 0" in again.stdout
    assert "sent 4 findings" in run(["quality", "send", "--as-of", "2024-03-26"], env).stdout
    assert "TIM01" in run(["quality", "rules"], env).stdout
    run(["quality", "circular", "2024-03", "--out", str(tmp_path / "c")], env)
    assert (tmp_path / "c" / "circular-2024-03.pdf").read_bytes().startswith(b"%PDF")
    book = load_workbook(tmp_path / "c" / "circular-2024-03.xlsx")
    assert "1 按部门" in book.sheetnames
