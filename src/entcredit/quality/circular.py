"""The circular (情况通报) for a period: rankings of departments and cities by timeliness and
quality, late records and open findings, worded as a government notice; rendered as HTML (a
template), PDF (fpdf2 with an embedded CJK font subset) and XLSX."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

import xlsxwriter
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from entcredit.quality.models import OPEN_STATES, QualityFinding, QualityVolume
from entcredit.report.pdf import find_font
from entcredit.web.i18n import Lang, translator

# Rows of each long list shown on the page and in the PDF; the XLSX holds them all.
SHOWN_ROWS = 50
# The CJK font has no bold face: headings stand out by their shading.
_HEAD = FontFace(emphasis=None, fill_color=(225, 225, 225))


class PeriodError(ValueError):
    pass


def parse_period(text: str) -> tuple[str, str]:
    """``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` -> (first month, last month) as ``YYYY-MM``."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})", text):
        return f"{m[1]}-01", f"{m[1]}-12"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text, re.IGNORECASE):
        q = int(m[2])
        return f"{m[1]}-{3 * q - 2:02d}", f"{m[1]}-{3 * q:02d}"
    if (m := re.fullmatch(r"(\d{4})-(\d{2})", text)) and 1 <= int(m[2]) <= 12:
        return text, text
    raise PeriodError(text)


@dataclass(frozen=True)
class Ranked:
    key: str
    records: int
    late: int
    problems: int  # findings of the other five dimensions
    rectified: int
    findings: int

    @property
    def timely(self) -> float:
        return 1.0 if self.records == 0 else 1 - self.late / self.records

    @property
    def quality(self) -> float:
        return 1.0 if self.records == 0 else max(0.0, 1 - self.problems / self.records)


@dataclass(frozen=True)
class Circular:
    period: str
    issued_on: date
    lang: Lang
    records: int
    late: int
    findings: int
    rectified: int
    departments: tuple[Ranked, ...]
    cities: tuple[Ranked, ...]
    # (department, subject, detail) of open timeliness findings; (rule, department, subject,
    # detail) of the other open findings.
    overdue: tuple[tuple[str, str, str], ...]
    open_findings: tuple[tuple[str, str, str, str], ...]

    def text(self, key: str) -> str:
        t = translator(self.lang)
        return t(key).format(
            period=self.period,
            records=self.records,
            late=self.late,
            timely=pct(1 - self.late / self.records if self.records else 1.0),
            findings=self.findings,
            rectified=self.rectified,
            rate=pct(self.rectified / self.findings if self.findings else 1.0),
        )

    def rank_rows(self, which: tuple[Ranked, ...]) -> list[list[str]]:
        return [
            [str(i), r.key, str(r.records), str(r.late), pct(r.timely), pct(r.quality)]
            for i, r in enumerate(which, start=1)
        ]

    def rank_header(self, first: str) -> list[str]:
        t = translator(self.lang)
        keys = ("quality_records", "quality_late", "quality_timely_rate", "quality_quality_rate")
        return [t("quality_rank"), t(first), *(t(k) for k in keys)]


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ranked(session: Session, group: str, first: str, last: str) -> tuple[Ranked, ...]:
    vcol = getattr(QualityVolume, group)
    fcol = getattr(QualityFinding, group)
    vol = {
        k: (int(n or 0), int(late or 0))
        for k, n, late in session.execute(
            select(vcol, func.sum(QualityVolume.records), func.sum(QualityVolume.late))
            .where(QualityVolume.period.between(first, last))
            .group_by(vcol)
        )
    }
    fnd: dict[str, tuple[int, int, int]] = {}
    for k, n, problems, rect in session.execute(
        select(
            fcol,
            func.count(),
            func.count().filter(
                QualityFinding.dimension != "timeliness",
                QualityFinding.state.in_(OPEN_STATES),
                QualityFinding.record_id.is_not(None),
            ),
            func.count().filter(QualityFinding.state == "rectified"),
        )
        .where(QualityFinding.period.between(first, last))
        .group_by(fcol)
    ):
        fnd[str(k)] = (int(n), int(problems), int(rect))
    rows = [
        Ranked(
            k,
            *vol.get(k, (0, 0)),
            fnd.get(k, (0, 0, 0))[1],
            fnd.get(k, (0, 0, 0))[2],
            fnd.get(k, (0, 0, 0))[0],
        )
        for k in sorted(set(vol) | set(fnd))
    ]
    rows.sort(key=lambda r: (-r.timely, -r.quality, r.key))
    return tuple(rows)


def build_circular(session: Session, period: str, *, issued_on: date, lang: Lang) -> Circular:
    first, last = parse_period(period)
    in_period = QualityFinding.period.between(first, last)
    depts = _ranked(session, "dept_code", first, last)
    overdue = session.execute(
        select(QualityFinding.dept_code, QualityFinding.subject, QualityFinding.detail)
        .where(in_period, QualityFinding.rule_code == "TIM01")
        .where(QualityFinding.state.in_(OPEN_STATES))
        .order_by(QualityFinding.dept_code, QualityFinding.subject)
    ).all()
    open_rows = session.execute(
        select(
            QualityFinding.rule_code,
            QualityFinding.dept_code,
            QualityFinding.subject,
            QualityFinding.detail,
        )
        .where(in_period, QualityFinding.rule_code != "TIM01")
        .where(QualityFinding.state.in_(OPEN_STATES))
        .order_by(QualityFinding.rule_code, QualityFinding.subject)
    ).all()
    return Circular(
        period=period,
        issued_on=issued_on,
        lang=lang,
        records=sum(d.records for d in depts),
        late=sum(d.late for d in depts),
        findings=sum(d.findings for d in depts),
        rectified=sum(d.rectified for d in depts),
        departments=depts,
        cities=_ranked(session, "city", first, last),
        overdue=tuple((d or "", s, x) for d, s, x in overdue),
        open_findings=tuple((r, d or "", s, x) for r, d, s, x in open_rows),
    )


def circular_xlsx(c: Circular) -> bytes:
    t = translator(c.lang)
    buf = BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet(t("quality_circular"))
    lines = [
        c.text("quality_circular_title"),
        c.text("quality_circular_to"),
        c.text("quality_circular_intro"),
        c.text("quality_circular_summary"),
        c.text("quality_circular_demand_text"),
        t("quality_circular_issuer"),
        c.issued_on.isoformat(),
    ]
    for i, line in enumerate(lines):
        ws.write(i, 0, line, bold if i == 0 else None)
    sheets = (
        ("quality_by_dept_code", c.rank_header("quality_department"), c.rank_rows(c.departments)),
        ("quality_by_city", c.rank_header("quality_city"), c.rank_rows(c.cities)),
        (
            "quality_circular_overdue",
            [t("quality_department"), t("quality_subject"), t("quality_detail")],
            [list(r) for r in c.overdue],
        ),
        (
            "quality_circular_open",
            [t("quality_rule"), t("quality_department"), t("quality_subject"), t("quality_detail")],
            [list(r) for r in c.open_findings],
        ),
    )
    for n, (key, header, rows) in enumerate(sheets, start=1):
        s = wb.add_worksheet(f"{n} {t(key)}"[:31])
        s.write_row(0, 0, header, bold)
        for i, row in enumerate(rows, start=1):
            s.write_row(i, 0, row)
    wb.close()
    return buf.getvalue()


def circular_pdf(c: Circular, font_path: Path | None = None) -> bytes:
    """``font_path``: settings.pdf_font_path (None: the first Debian CJK font present)."""
    t = translator(c.lang)
    font = find_font(font_path)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("cjk", fname=str(font.path), collection_font_number=font.number)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(
        0, 9, c.text("quality_circular_title"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(3)
    pdf.set_font("cjk", size=11)

    def para(text: str, size: int = 11) -> None:
        pdf.set_font("cjk", size=size)
        pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(header: list[str], rows: list[list[str]]) -> None:
        pdf.set_font("cjk", size=8)
        shown = rows[:SHOWN_ROWS]
        with pdf.table(text_align="LEFT", line_height=4.5, headings_style=_HEAD) as tbl:
            tbl.row(header)
            for r in shown:
                tbl.row([x[:60] for x in r])
        if len(rows) > SHOWN_ROWS:
            para(t("quality_more_rows").format(n=len(rows) - SHOWN_ROWS), 9)
        pdf.ln(2)

    para(c.text("quality_circular_to"))
    para(c.text("quality_circular_intro"))
    para(c.text("quality_circular_overall"), 12)
    para(c.text("quality_circular_summary"))
    para(c.text("quality_circular_rank_depts"), 12)
    table(c.rank_header("quality_department"), c.rank_rows(c.departments))
    para(c.text("quality_circular_rank_cities"), 12)
    table(c.rank_header("quality_city"), c.rank_rows(c.cities))
    para(c.text("quality_circular_overdue"), 12)
    table(
        [t("quality_department"), t("quality_subject"), t("quality_detail")],
        [list(r) for r in c.overdue],
    )
    para(c.text("quality_circular_open"), 12)
    table(
        [t("quality_rule"), t("quality_department"), t("quality_subject"), t("quality_detail")],
        [list(r) for r in c.open_findings],
    )
    para(c.text("quality_circular_demand"), 12)
    para(c.text("quality_circular_demand_text"))
    pdf.ln(6)
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 6, t("quality_circular_issuer"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 6, c.issued_on.isoformat(), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
