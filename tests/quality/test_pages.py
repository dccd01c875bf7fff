"""The worklist, waiving, rates and circular pages: a department sees only its own
findings, regulators see and waive all; the downloads are what they say."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.quality.models import QualityFinding
from entcredit.quality.service import run_scan
from tests.ingest.factories import PENALTY_HEADER, penalty_row, write_csv
from tests.web.conftest import LoginFn, World


def _seed_findings(world: World, tmp_path: Path) -> None:
    ctx = IngestContext.from_settings(world.settings)
    for dept, first in (("440000SW", 1), ("440000HB", 50)):
        rows = [penalty_row(n, dept_code=dept) for n in range(first, first + 3)]
        load_path(
            world.factory,
            ctx,
            write_csv(tmp_path / f"{dept}.csv", PENALTY_HEADER, rows),
            LoadOptions(dept_code=dept, received_on=date(2024, 3, 5), submitted_by="t"),
        )
    run_scan(world.engine, world.settings, as_of=date(2024, 3, 25), taken_at=datetime.now(UTC))


def test_department_sees_only_its_own(
    world: World, client: TestClient, login: LoginFn, tmp_path: Path
) -> None:
    _seed_findings(world, tmp_path)
    assert client.get("/quality/worklist").status_code == 401
    login(client, "taxclerk")
    page = client.get("/quality/worklist")
    assert page.status_code == 200
    assert "440000SW/P000001" in page.text and "440000HB" not in page.text
    assert client.get("/quality/worklist?dept=440000HB").status_code == 403
    xlsx = client.get("/quality/worklist.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(BytesIO(xlsx.content)).active
    assert ws is not None
    subjects = {row[5].value for row in ws.iter_rows(min_row=2)}
    records = {x for x in subjects if not x.startswith("440000SW/")}
    assert records == {"P000001", "P000002", "P000003"}  # unlinked: their USCC is unregistered
    # and the department's reporting gaps (penalties in the three months before March)
    assert subjects - records == {
        f"440000SW/penalty/{m}" for m in ("2023-12", "2024-01", "2024-02")
    }
    assert client.get("/quality/rates").status_code == 403
    with world.factory() as s:
        fid = s.scalars(select(QualityFinding.id)).first()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf
    refused = client.post(
        f"/quality/findings/{fid}/waive", data={"reason": "x", "csrf_token": csrf.group(1)}
    )
    assert refused.status_code == 403


def test_regulator_sees_all_waives_and_reads_the_circular(
    world: World, client: TestClient, login: LoginFn, tmp_path: Path
) -> None:
    _seed_findings(world, tmp_path)
    csrf = login(client, "analyst")
    page = client.get("/quality/worklist")
    assert "440000SW/P000001" in page.text and "440000HB/P000050" in page.text
    with world.factory() as s:
        fid = s.scalars(
            select(QualityFinding.id).where(QualityFinding.subject == "440000HB/P000050")
        ).one()
    no_reason = client.post(
        f"/quality/findings/{fid}/waive", data={"reason": "", "csrf_token": csrf}
    )
    assert no_reason.status_code == 422
    done = client.post(
        f"/quality/findings/{fid}/waive",
        data={"reason": "重复检查，已核实", "csrf_token": csrf, "back": "/quality/worklist"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with world.factory() as s:
        f = s.get(QualityFinding, fid)
        assert f is not None and f.state == "waived" and f.waive_reason == "重复检查，已核实"
    rates = client.get("/quality/rates?period=2024-Q1")
    assert rates.status_code == 200 and "440000HB" in rates.text
    assert client.get("/quality/rates?period=2024-13").status_code == 422
    html = client.get("/quality/circular?period=2024-03")
    assert html.status_code == 200
    assert "涉企信息归集公示数据质量情况的通报" in html.text and "440000SW" in html.text
    en = client.get("/quality/circular?period=2024-03&lang=en")
    assert "Circular on the quality" in en.text
    pdf = client.get("/quality/circular.pdf?period=2024-03")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get("/quality/circular.xlsx?period=2024-03")
    assert xlsx.status_code == 200
    assert len(load_workbook(BytesIO(xlsx.content)).sheetnames) == 5
