"""The quality jobs and queries: snapshot -> scan -> write-back, worklists and their export.
Services take a session and never commit; the CLI command or request that opened the unit of
work commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from entcredit.analytics.snapshot import export_snapshot
from entcredit.catalog import load_catalog
from entcredit.quality.findings import WriteSummary, write_findings
from entcredit.quality.models import QualityFinding, QualityVolume
from entcredit.quality.rules import RULES_FILE, RuleSet, load_rules
from entcredit.quality.scan import Runner, ScanResult, scan_snapshot
from entcredit.settings import Settings
from entcredit.store.bulk import bulk_store
from entcredit.store.db import make_session_factory, unit_of_work
from entcredit.store.models import Record


def rules_of(settings: Settings) -> RuleSet:
    return load_rules(settings.quality_rules_file or RULES_FILE)


@dataclass(frozen=True)
class ScanRun:
    snapshot: Path
    result: ScanResult
    written: WriteSummary


def write_volumes(session: Session, volumes: Any) -> None:
    session.execute(delete(QualityVolume))
    rows = [
        (v["dept_code"], v["period"], v["city"] or "000000", v["records"], v["late"])
        for v in volumes.to_pylist()
    ]
    bulk_store(session).insert(
        QualityVolume.__tablename__, ("dept_code", "period", "city", "records", "late"), rows
    )


def run_scan(
    engine: Engine,
    settings: Settings,
    *,
    as_of: date,
    taken_at: datetime,
    runner: Runner | None = None,
) -> ScanRun:
    """Snapshot the store, scan it, write the findings back in one transaction."""
    folder = settings.data_dir / "snapshot"
    export_snapshot(engine, folder, taken_at=taken_at)
    rules = rules_of(settings)
    result = scan_snapshot(folder, load_catalog(), rules, as_of, runner)
    with unit_of_work(make_session_factory(engine), write_lock=True) as session:
        written = write_findings(session, result.findings, rules, as_of)
        write_volumes(session, result.volumes)
    return ScanRun(folder, result, written)


@dataclass(frozen=True)
class WorkItem:
    finding: QualityFinding
    source_id: str | None
    uscc: str | None
    subject_name: str | None
    produced_on: date | None


def worklist(
    session: Session,
    *,
    dept_code: str | None,
    states: Sequence[str] = ("open", "sent"),
    limit: int | None = 200,
    offset: int = 0,
) -> list[WorkItem]:
    """Findings of one department (or all), worst first, with the record they are about."""
    q = (
        select(
            QualityFinding, Record.source_id, Record.uscc, Record.subject_name, Record.produced_on
        )
        .outerjoin(Record, Record.id == QualityFinding.record_id)
        .where(QualityFinding.state.in_(list(states)))
        .order_by(QualityFinding.severity, QualityFinding.rule_code, QualityFinding.subject)
        .offset(offset)
    )
    if dept_code is not None:
        q = q.where(QualityFinding.dept_code == dept_code)
    if limit is not None:
        q = q.limit(limit)
    return [WorkItem(*row) for row in session.execute(q)]


def count_open(session: Session, dept_code: str | None) -> int:
    q = select(func.count()).where(QualityFinding.state.in_(("open", "sent")))
    if dept_code is not None:
        q = q.where(QualityFinding.dept_code == dept_code)
    return int(session.scalar(q) or 0)


EXPORT_HEADERS = {
    "zh": [
        "问题编号",
        "规则",
        "维度",
        "严重程度",
        "类别",
        "源记录标识",
        "统一社会信用代码",
        "主体名称",
        "信息产生日期",
        "问题说明",
        "详情",
        "依据",
        "状态",
        "首次发现",
    ],
    "en": [
        "Finding",
        "Rule",
        "Dimension",
        "Severity",
        "Category",
        "Source ID",
        "USCC",
        "Subject name",
        "Produced on",
        "Reason",
        "Detail",
        "Basis",
        "State",
        "First seen",
    ],
}


def export_worklist(
    session: Session, out: IO[bytes], *, dept_code: str | None, rules: RuleSet, lang: str
) -> int:
    """The department's problem records as XLSX with the reason beside each (streamed rows:
    xlsxwriter's constant-memory mode)."""
    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
    ws = wb.add_worksheet("问题清单" if lang == "zh" else "Findings")
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, EXPORT_HEADERS["en" if lang == "en" else "zh"], bold)
    n, offset, page = 0, 0, 5000
    while True:
        items = worklist(session, dept_code=dept_code, limit=page, offset=offset)
        for it in items:
            f = it.finding
            r = rules.rule(f.rule_code)
            title, explain = (
                (r.title_en, r.explain_en) if lang == "en" else (r.title_zh, r.explain_zh)
            )
            n += 1
            ws.write_row(
                n,
                0,
                [
                    f.id,
                    f.rule_code,
                    f.dimension,
                    f.severity,
                    f.category or "",
                    it.source_id or f.subject,
                    it.uscc or "",
                    it.subject_name or "",
                    it.produced_on.isoformat() if it.produced_on else "",
                    f"{title}：{explain}",
                    f.detail,
                    r.basis,
                    f.state,
                    f.first_seen.isoformat(),
                ],
            )
        if len(items) < page:
            break
        offset += page
    wb.close()
    return n
