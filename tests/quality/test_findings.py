"""The findings lifecycle on both stores, through the real ingest path: a scan opens, a
rescan opens nothing twice, a corrected resubmission closes as rectified, the regulator
waives with a reason, the rates move; the worklist export and the circular render."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from entcredit.quality.circular import build_circular, circular_pdf, circular_xlsx, parse_period
from entcredit.quality.findings import WaiveError, rates, send_open, waive
from entcredit.quality.models import QualityFinding
from entcredit.quality.service import export_worklist, rules_of, run_scan
from entcredit.settings import Settings
from tests.ingest.conftest import Loader
from tests.ingest.factories import (
    ENTERPRISE_HEADER,
    PENALTY_HEADER,
    enterprise_row,
    penalty_row,
    write_csv,
)

TAKEN = datetime(2024, 3, 25, tzinfo=UTC)


def _states(factory: sessionmaker[Session]) -> dict[tuple[str, str], str]:
    with factory() as s:
        return {(f.rule_code, f.subject): f.state for f in s.scalars(select(QualityFinding)).all()}


def _scan(engine: Engine, settings: Settings, as_of: date) -> tuple[int, int]:
    w = run_scan(engine, settings, as_of=as_of, taken_at=TAKEN).written
    return w.opened, w.rectified


def test_lifecycle(
    tmp_path: Path,
    load: Loader,
    engine: Engine,
    settings: Settings,
    factory: sessionmaker[Session],
) -> None:
    load(write_csv(tmp_path / "e.csv", ENTERPRISE_HEADER, [enterprise_row(i) for i in range(1, 6)]))
    rows = [
        penalty_row(1),
        penalty_row(2, subject_name="别的公司"),  # matches neither name: accuracy
        penalty_row(3, ent=9),  # not registered: linkage
    ]
    load(write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows), received_on=date(2024, 3, 5))
    late = [penalty_row(4)]  # produced 2024-03-01, received 13 working days later
    load(write_csv(tmp_path / "l.csv", PENALTY_HEADER, late), received_on=date(2024, 3, 20))

    assert _scan(engine, settings, date(2024, 3, 25)) == (3, 0)
    want = {
        ("ACC05", "DEPT_A/P000002"): "open",
        ("LNK01", "DEPT_A/P000003"): "open",
        ("TIM01", "DEPT_A/P000004"): "open",
    }
    assert _states(factory) == want
    assert _scan(engine, settings, date(2024, 3, 26)) == (0, 0)  # nothing opens twice
    assert _states(factory) == want

    with factory.begin() as s:
        assert send_open(s, date(2024, 3, 26), actor="system", dept_code="DEPT_A") == 3
    # The department corrects the name and the enterprise gets registered.
    load(
        write_csv(tmp_path / "p2.csv", PENALTY_HEADER, [penalty_row(2)]),
        received_on=date(2024, 3, 27),
    )
    load(write_csv(tmp_path / "e9.csv", ENTERPRISE_HEADER, [enterprise_row(9)]))
    assert _scan(engine, settings, date(2024, 3, 28)) == (0, 2)
    assert _states(factory) == {
        ("ACC05", "DEPT_A/P000002"): "rectified",
        ("LNK01", "DEPT_A/P000003"): "rectified",
        ("TIM01", "DEPT_A/P000004"): "sent",
    }
    with factory() as s:
        by_dim = {r.key: r for r in rates(s, "dimension")}
        assert by_dim["accuracy"].rate == 1.0 and by_dim["linkage"].rate == 1.0
        assert by_dim["timeliness"].rate == 0.0
        closed = s.scalars(select(QualityFinding).where(QualityFinding.rule_code == "ACC05")).one()
        assert closed.closed_on == date(2024, 3, 28) and closed.first_seen == date(2024, 3, 25)
        tim = s.scalars(select(QualityFinding).where(QualityFinding.rule_code == "TIM01")).one()
        tim_id = tim.id

    with factory.begin() as s:
        with pytest.raises(WaiveError):
            waive(s, tim_id, reason="  ", actor="user:admin", as_of=date(2024, 3, 29))
        waive(
            s,
            tim_id,
            reason="系统故障导致迟报，已说明",
            actor="user:admin",
            as_of=date(2024, 3, 29),
        )
    assert _scan(engine, settings, date(2024, 3, 30)) == (0, 0)
    assert _states(factory)[("TIM01", "DEPT_A/P000004")] == "waived"  # stays waived
    with factory() as s:
        assert {r.key: r.rate for r in rates(s, "dimension")}["timeliness"] is None
        assert [(r.key, r.total, r.rectified) for r in rates(s, "dept_code")] == [("DEPT_A", 3, 2)]


def test_worklist_export_and_circular(
    tmp_path: Path,
    load: Loader,
    engine: Engine,
    settings: Settings,
    factory: sessionmaker[Session],
) -> None:
    load(write_csv(tmp_path / "e.csv", ENTERPRISE_HEADER, [enterprise_row(1)]))
    rows = [penalty_row(1), penalty_row(2, ent=7), penalty_row(3, ent=8)]
    load(write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows), received_on=date(2024, 3, 20))
    run_scan(engine, settings, as_of=date(2024, 4, 2), taken_at=TAKEN)
    rules = rules_of(settings)
    with factory() as s:
        buf = BytesIO()
        assert export_worklist(s, buf, dept_code="DEPT_A", rules=rules, lang="zh") == 5
        other = BytesIO()
        assert export_worklist(s, other, dept_code="DEPT_B", rules=rules, lang="zh") == 0
        circular = build_circular(s, "2024-03", issued_on=date(2024, 4, 2), lang="zh")
    ws = load_workbook(BytesIO(buf.getvalue())).active
    assert ws is not None
    table = [[c.value for c in row] for row in ws.iter_rows()]
    header = table[0]
    reason = header.index("问题说明")
    assert {r[header.index("规则")] for r in table[1:]} == {"TIM01", "LNK01"}
    for r in table[1:]:
        assert r[reason].startswith(rules.rule(r[header.index("规则")]).title_zh)
    assert (circular.records, circular.late) == (3, 3)
    assert [d.key for d in circular.departments] == ["DEPT_A"]
    assert len(circular.overdue) == 3
    pdf = circular_pdf(circular, settings.pdf_font_path)
    assert pdf.startswith(b"%PDF")
    book = load_workbook(BytesIO(circular_xlsx(circular)))
    assert len(book.sheetnames) == 5
    assert parse_period("2024-Q2") == ("2024-04", "2024-06")
