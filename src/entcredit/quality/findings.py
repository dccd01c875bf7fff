"""Findings in the store: bulk write-back of a scan, the lifecycle (send, waive) and the
rectification rates. Set-based SQL throughout: a scan's findings go to a temporary table by
the driver's fast path and are merged with three statements, whatever their number."""

# ruff: noqa: S608 -- fixed identifiers only; values always go as parameters.

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import pyarrow as pa
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from entcredit.audit.service import append_event
from entcredit.quality.models import OPEN_STATES, QualityFinding
from entcredit.quality.rules import DIMENSIONS, RuleSet
from entcredit.store.bulk import bulk_store

STAGE = "quality_scan_stage"
_STAGE_COLUMNS = (
    "rule_code",
    "subject",
    "dimension",
    "severity",
    "dept_code",
    "city",
    "period",
    "category",
    "record_id",
    "detail",
)
_COPY = ("dimension", "severity", "dept_code", "city", "period", "category", "record_id", "detail")
RateKey = Literal["dimension", "dept_code", "city", "period", "rule_code"]


@dataclass(frozen=True)
class WriteSummary:
    found: dict[str, int]  # by dimension, this scan
    opened: int
    reopened: int
    rectified: int
    open_after: dict[str, int]  # by dimension, open or sent after the write


def _stage_rows(findings: pa.Table, rules: RuleSet) -> list[tuple[Any, ...]]:
    meta = {r.code: (r.dimension, r.severity) for r in rules.rules}
    out: list[tuple[Any, ...]] = []
    for f in findings.to_pylist():
        dim, sev = meta[f["rule"]]
        out.append(
            (
                f["rule"],
                f["subject"],
                dim,
                sev,
                f["dept_code"],
                f["city"] or "000000",
                f["period"] or "",
                f["category"],
                f["record_id"],
                f["detail"] or "",
            )
        )
    return out


def write_findings(
    session: Session, findings: pa.Table, rules: RuleSet, as_of: date
) -> WriteSummary:
    """Merge a full scan into ``quality_findings``: new subjects open, known ones are seen
    again (a rectified one reopens, a waived one stays waived), open ones the scan no longer
    finds are rectified. Running it twice with the same findings changes nothing but dates."""
    bulk = bulk_store(session)
    ph = bulk.ph
    bulk.execute(
        f"CREATE TEMP TABLE {STAGE} (rule_code VARCHAR(16), subject VARCHAR(300),"
        " dimension VARCHAR(24), severity VARCHAR(8), dept_code VARCHAR(64), city VARCHAR(6),"
        " period VARCHAR(7), category VARCHAR(32), record_id BIGINT, detail TEXT)"
    )
    try:
        rows = _stage_rows(findings, rules)
        bulk.insert(STAGE, _STAGE_COLUMNS, rows)
        bulk.execute(f"CREATE INDEX ix_{STAGE} ON {STAGE} (rule_code, subject)")
        match = f"s.rule_code = {QualityFinding.__tablename__}.rule_code AND s.subject = "
        match += f"{QualityFinding.__tablename__}.subject"
        reopened = bulk.execute(
            f"SELECT count(*) FROM quality_findings JOIN {STAGE} s ON {match}"
            " WHERE quality_findings.state = 'rectified'"
        )[0][0]
        sets = ", ".join(f"{c} = s.{c}" for c in _COPY)
        bulk.execute(
            f"UPDATE quality_findings SET {sets}, last_seen = {ph},"
            " state = CASE WHEN state = 'rectified' THEN 'open' ELSE state END,"
            " closed_on = CASE WHEN state = 'rectified' THEN NULL ELSE closed_on END,"
            " closed_by = CASE WHEN state = 'rectified' THEN NULL ELSE closed_by END"
            f" FROM {STAGE} s WHERE {match}",
            [as_of],
        )
        cols = ", ".join(_STAGE_COLUMNS)
        before = session.scalar(select(func.count()).select_from(QualityFinding)) or 0
        bulk.execute(
            f"INSERT INTO quality_findings ({cols}, state, first_seen, last_seen)"
            f" SELECT {', '.join('s.' + c for c in _STAGE_COLUMNS)}, 'open', {ph}, {ph}"
            f" FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM quality_findings f"
            " WHERE f.rule_code = s.rule_code AND f.subject = s.subject)",
            [as_of, as_of],
        )
        opened = (session.scalar(select(func.count()).select_from(QualityFinding)) or 0) - before
        rectified = bulk.execute(
            f"SELECT count(*) FROM quality_findings WHERE state IN ('open', 'sent')"
            f" AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE {match})"
        )[0][0]
        bulk.execute(
            f"UPDATE quality_findings SET state = 'rectified', closed_on = {ph},"
            " closed_by = 'scan' WHERE state IN ('open', 'sent')"
            f" AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE {match})",
            [as_of],
        )
    finally:
        bulk.execute(f"DROP TABLE {STAGE}")
    found: dict[str, int] = dict.fromkeys(DIMENSIONS, 0)
    for r in rows:
        found[r[2]] += 1
    return WriteSummary(found, opened, int(reopened), int(rectified), open_counts(session))


def open_counts(session: Session) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(DIMENSIONS, 0)
    q = (
        select(QualityFinding.dimension, func.count())
        .where(QualityFinding.state.in_(OPEN_STATES))
        .group_by(QualityFinding.dimension)
    )
    for dim, n in session.execute(q):
        counts[dim] = n
    return counts


def send_open(session: Session, as_of: date, *, actor: str, dept_code: str | None = None) -> int:
    """Send the open findings (of one department, or all) to their departments."""
    q = update(QualityFinding).where(QualityFinding.state == "open")
    if dept_code is not None:
        q = q.where(QualityFinding.dept_code == dept_code)
    n = session.execute(q.values(state="sent", sent_on=as_of)).rowcount  # type: ignore[attr-defined]
    append_event(
        session, actor=actor, tag="quality:send", details={"dept": dept_code, "findings": n}
    )
    return int(n)


class WaiveError(ValueError):
    pass


def waive(
    session: Session, finding_id: int, *, reason: str, actor: str, as_of: date
) -> QualityFinding:
    """The regulator accepts a finding as no problem (with a reason); it stays waived."""
    reason = reason.strip()
    if not reason:
        raise WaiveError("a reason is required")
    f = session.get(QualityFinding, finding_id)
    if f is None:
        raise WaiveError("no such finding")
    if f.state not in OPEN_STATES:
        raise WaiveError(f"finding is {f.state}")
    f.state, f.waive_reason, f.closed_on, f.closed_by = "waived", reason, as_of, actor
    append_event(
        session,
        actor=actor,
        tag="quality:waive",
        subject_id=str(f.id),
        details={"rule": f.rule_code, "subject": f.subject, "reason": reason},
    )
    return f


@dataclass(frozen=True)
class Rate:
    key: str
    total: int
    rectified: int
    waived: int
    still_open: int

    @property
    def rate(self) -> float | None:
        """Rectified share of the findings that were problems (waived ones were not)."""
        base = self.total - self.waived
        return None if base == 0 else self.rectified / base


def rates(
    session: Session,
    by: RateKey,
    *,
    periods: tuple[str, str] | None = None,
    dept_codes: Sequence[str] | None = None,
) -> list[Rate]:
    """Rectification rates grouped by ``by``, over findings whose period is in ``periods``."""
    col = getattr(QualityFinding, by)
    q = select(
        col,
        func.count(),
        func.count().filter(QualityFinding.state == "rectified"),
        func.count().filter(QualityFinding.state == "waived"),
    ).group_by(col)
    if periods is not None:
        q = q.where(QualityFinding.period.between(*periods))
    if dept_codes is not None:
        q = q.where(QualityFinding.dept_code.in_(list(dept_codes)))
    return [
        Rate(str(k or ""), n, r, w, n - r - w) for k, n, r, w in session.execute(q.order_by(col))
    ]
