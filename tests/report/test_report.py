"""The PDF credit report and its verification, on SQLite and PostgreSQL, with data loaded
through the real ingest path."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from entcredit.core.idnum import mask_id
from entcredit.report.models import CreditReport
from entcredit.report.pdf import FontNotFoundError, find_font
from entcredit.report.service import (
    IssuedReport,
    ReportConfig,
    build_report,
    file_matches,
    find_report,
    format_code,
    normalize_code,
)
from entcredit.web.i18n import Lang
from tests.browser.dataset import STAR, STAR_FORMER, Dataset

SECRET = "t" * 40


def issue(
    factory: sessionmaker[Session],
    uscc: str,
    *,
    lang: Lang = "zh",
    config: ReportConfig | None = None,
    secret: str = SECRET,
) -> IssuedReport:
    extra = {"config": config} if config is not None else {}
    with factory() as session:
        issued = build_report(
            session,
            uscc=uscc,
            secret_key=secret,
            font=find_font(None),
            now=datetime.now(UTC),
            lang=lang,
            portal_url="http://portal.test/",
            **extra,
        )
        assert issued is not None
        session.add(issued.row)
        session.commit()
    return issued


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def embedded_fonts(pdf: bytes) -> list[str]:
    """Base names of the fonts whose program is embedded (FontFile2: TrueType)."""
    found = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", []):
                desc = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in desc:
                    found.append(str(desc["/FontName"]))
    return found


def test_pdf_embeds_a_cjk_font_and_its_chinese_text_extracts(
    factory: sessionmaker[Session], dataset: Dataset
) -> None:
    issued = issue(factory, dataset.star)
    assert issued.pdf.startswith(b"%PDF-")
    fonts = embedded_fonts(issued.pdf)
    # fpdf2 names an embedded subset with a six-letter tag: ABCDEF+FontName.
    assert fonts and all("+" in name for name in fonts), fonts
    pages = pages_text(issued.pdf)
    text = "\n".join(pages)
    for expected in ("企业信用信息公示报告", STAR, STAR_FORMER, dataset.star, "行政许可信息"):
        assert expected in text
    code = format_code(issued.row.code)
    assert all(code in page for page in pages), "the code is printed on every page"
    assert f"第 {len(pages)} 页 / 共 {len(pages)} 页" in pages[-1]
    assert issued.row.sha256 and issued.row.size_bytes == len(issued.pdf)


def test_no_full_id_number_in_the_pdf(factory: sessionmaker[Session], dataset: Dataset) -> None:
    text = "\n".join(pages_text(issue(factory, dataset.star).pdf))
    assert dataset.planted_id not in text
    assert mask_id(dataset.planted_id) in text, "key personnel show the masked number"
    assert "李监事" in text


def test_only_visible_records_are_reported(
    factory: sessionmaker[Session], dataset: Dataset
) -> None:
    text = "\n".join(pages_text(issue(factory, dataset.star).pdf))
    for no in (*dataset.visible_penalty_nos, *dataset.license_nos):
        assert no in text
    for no in dataset.hidden_penalty_nos:  # warning only; withdrawn
        assert no not in text
    assert "105号" not in text, "another enterprise's penalty"


def test_sections_are_capped_with_a_pointer_to_the_portal(
    factory: sessionmaker[Session], dataset: Dataset
) -> None:
    text = "\n".join(
        pages_text(issue(factory, dataset.star, config=ReportConfig(section_cap=1)).pdf)
    )
    assert "共 2 条" in text
    assert f"http://portal.test/enterprise/{dataset.star}" in text.replace("\n", "")
    assert sum(no in text for no in dataset.visible_penalty_nos) == 1


def test_english_report(factory: sessionmaker[Session], dataset: Dataset) -> None:
    pdf = issue(factory, dataset.star, lang="en").pdf
    root: Any = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "en"
    text = "\n".join(pages_text(pdf))
    assert "Enterprise Credit Information Report" in text
    assert "Administrative penalty" in text
    assert STAR in text


def test_verification_accepts_real_codes_and_refuses_forged_ones(
    factory: sessionmaker[Session], dataset: Dataset
) -> None:
    issued = issue(factory, dataset.star)
    code = issued.row.code
    with factory() as session:
        for typed in (code, format_code(code).lower(), " ".join(format_code(code).split("-"))):
            found = find_report(session, SECRET, typed)
            assert found is not None and found.uscc == dataset.star
            assert found.enterprise_name == STAR
        flipped = ("A" if code[0] != "A" else "B") + code[1:]
        assert find_report(session, SECRET, flipped) is None
        assert find_report(session, SECRET, code[:-1]) is None
        assert find_report(session, SECRET, "<script>") is None
        # Another platform's key recognises nothing of ours.
        assert find_report(session, "x" * 40, code) is None
    # A row altered in the database (pointing the code at another enterprise) fails.
    with factory() as session:
        session.execute(
            update(CreditReport).where(CreditReport.code == code).values(uscc=dataset.cloud)
        )
        session.commit()
        assert find_report(session, SECRET, code) is None


def test_codes_differ_per_report_and_normalise_lookalikes(
    factory: sessionmaker[Session], dataset: Dataset
) -> None:
    first, second = issue(factory, dataset.star), issue(factory, dataset.star)
    assert first.row.code != second.row.code
    with factory() as session:
        assert len(session.scalars(select(CreditReport)).all()) == 2
    assert normalize_code("abcd-efgh-ijkl-mn0p") == "ABCDEFGHIJKLMNOP"
    assert normalize_code("ＡＢＣＤ ＥＦＧＨ ＩＪＫＬ ＭＮＯＰ") == "ABCDEFGHIJKLMNOP"
    assert normalize_code("ABCD-EFGH-IJKL-MNO") is None


def test_uploaded_file_must_match_the_issued_hash(
    factory: sessionmaker[Session], dataset: Dataset
) -> None:
    issued = issue(factory, dataset.star)
    with factory() as session:
        row = find_report(session, SECRET, issued.row.code)
        assert row is not None
        assert file_matches(row, issued.pdf)
        # An incremental update appended to the file, or one byte changed.
        assert not file_matches(row, issued.pdf + b"\n%%EOF\n")
        assert not file_matches(row, issued.pdf[:-1] + b"X")


def test_font_configuration(tmp_path: Path) -> None:
    with pytest.raises(FontNotFoundError, match="ENTCREDIT_PDF_FONT_PATH"):
        find_font(tmp_path / "missing.ttc")
    assert find_font(None).path.is_file()
