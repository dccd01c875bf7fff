"""Rendering of the credit report PDF (fpdf2) with an embedded subset of a CJK font.

Nothing here reads the database or the clock: ``render_pdf`` turns a ``ReportDocument``
(already filtered by the publicity rules, already worded) into bytes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from fontTools import ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace, SubsetMap, TTFFont

# (path, font number inside a collection): Debian's packages, Simplified Chinese first.
# scripts/setup installs the first one (fonts-wqy-microhei).
FONT_CANDIDATES: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    # Noto Sans CJK collections: font 2 is the Simplified Chinese face.
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
)
_FAMILY = "cjk"
_GREY = (90, 90, 90)


class FontNotFoundError(RuntimeError):
    """No usable CJK font: the report cannot be rendered."""


@dataclass(frozen=True, slots=True)
class CjkFont:
    path: Path
    number: int = 0


def find_font(configured: Path | None) -> CjkFont:
    """``configured`` (settings.pdf_font_path) or the first Debian CJK font present."""
    if configured is not None:
        if not configured.is_file():
            raise FontNotFoundError(f"ENTCREDIT_PDF_FONT_PATH={configured} is not a font file")
        return CjkFont(configured)
    for path, number in FONT_CANDIDATES:
        if path.is_file():
            return CjkFont(path, number)
    raise FontNotFoundError(
        "no CJK font for PDF reports: install Debian's fonts-wqy-microhei (scripts/setup does "
        "so when run as root) or set ENTCREDIT_PDF_FONT_PATH to a TrueType/TTC font with "
        "Simplified Chinese glyphs; looked for " + ", ".join(str(p) for p, _ in FONT_CANDIDATES)
    )


@cache
def _parsed_font(font: CjkFont) -> tuple[TTFFont, bytes]:
    pdf = FPDF()
    pdf.add_font(_FAMILY, fname=str(font.path), collection_font_number=font.number)
    parsed = pdf.fonts[_FAMILY]
    assert isinstance(parsed, TTFFont)
    return parsed, font.path.read_bytes()


def _attach_font(pdf: FPDF, font: CjkFont) -> None:
    """Give ``pdf`` the CJK font without parsing it again.

    ``add_font`` walks the whole cmap and metrics (about 0.25 s for wqy-microhei); that part
    is read-only and shared here. Each document gets fresh copies of what it changes: the
    fontTools object (subsetting at output trims it in place), the subset map and counters.
    """
    parsed, data = _parsed_font(font)
    ttf = copy.copy(parsed)
    ttf.ttfont = ttLib.TTFont(
        BytesIO(data), fontNumber=font.number, lazy=True, recalcTimestamp=False
    )
    ttf.subset = SubsetMap(ttf)
    ttf.missing_glyphs = []
    ttf.biggest_size_pt = 0
    ttf.i = len(pdf.fonts) + 1
    pdf.fonts[_FAMILY] = ttf


@dataclass(frozen=True, slots=True)
class Section:
    """One public section: a table of its records, capped, with a note when capped."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty_text: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReportDocument:
    title: str
    enterprise_name: str
    # Label-value lines under the title (code, platform, time of issue, ...).
    cover: tuple[tuple[str, str], ...]
    notice: str
    registration_title: str
    registration: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    # Footer of every page: "{page}" / "{pages}" placeholders, and the verification line.
    page_label: str
    code_line: str
    end_text: str
    # BCP 47 language of the text (the PDF's /Lang, read by screen readers).
    lang: str = "zh-CN"


class _ReportPdf(FPDF):
    def __init__(self, doc: ReportDocument) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._doc = doc

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(_FAMILY, size=8)
        self.set_text_color(*_GREY)
        self.cell(0, 4, self._doc.code_line, align="L")
        label = self._doc.page_label.format(page=self.page_no(), pages="{nb}")
        self.cell(0, 4, label, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(_FAMILY, size=12)
    pdf.set_fill_color(230, 236, 245)
    pdf.cell(0, 8, text, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font(_FAMILY, size=9)


def _width(text: str) -> int:
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _column_weights(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> list[int]:
    """Relative column widths from the widest value of each column (headings may wrap),
    bounded so that a long free text wraps instead of squeezing the others."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(header or ())
    heads = header if header is not None else [""] * len(columns)
    return [
        max(8, min(36, max([min(_width(h), 12), *(_width(v) for v in column)])))
        for h, column in zip(heads, columns, strict=True)
    ]


def _table(pdf: FPDF, header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> None:
    lines = [header, *rows] if header is not None else list(rows)
    with pdf.table(
        col_widths=_column_weights(header, rows),
        text_align="LEFT",
        wrapmode=WrapMode.WORD,
        line_height=5,
        first_row_as_headings=header is not None,
        # The bundled CJK font has no bold face: headings are told apart by their fill.
        headings_style=FontFace(fill_color=(242, 242, 242)),
        padding=1,
    ) as table:
        for line in lines:
            row = table.row()
            for value in line:
                row.cell(value)


def render_pdf(doc: ReportDocument, font: CjkFont) -> bytes:
    pdf = _ReportPdf(doc)
    _attach_font(pdf, font)
    pdf.set_title(f"{doc.title} - {doc.enterprise_name}")
    pdf.set_creator("entcredit")
    pdf.set_lang(doc.lang)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()

    pdf.set_font(_FAMILY, size=20)
    pdf.cell(0, 14, doc.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FAMILY, size=14)
    pdf.multi_cell(0, 8, doc.enterprise_name, align="C", wrapmode=WrapMode.WORD)
    pdf.ln(3)
    pdf.set_font(_FAMILY, size=10)
    _table(pdf, None, doc.cover)
    pdf.ln(2)
    pdf.set_font(_FAMILY, size=8)
    pdf.set_text_color(*_GREY)
    pdf.multi_cell(0, 4.5, doc.notice, align="L", wrapmode=WrapMode.WORD)
    pdf.set_text_color(0, 0, 0)

    _heading(pdf, doc.registration_title)
    _table(pdf, None, doc.registration)
    for section in doc.sections:
        _heading(pdf, section.title)
        if section.rows:
            _table(pdf, section.columns, section.rows)
        else:
            pdf.cell(0, 6, section.empty_text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if section.note:
            pdf.set_text_color(*_GREY)
            pdf.multi_cell(0, 5, section.note, align="L", wrapmode=WrapMode.WORD)
            pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    pdf.set_font(_FAMILY, size=9)
    pdf.cell(0, 6, doc.end_text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
