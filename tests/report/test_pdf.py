"""The PDF renderer alone: the per-process font cache must not leak between documents."""

from __future__ import annotations

import io
from typing import Any

import pypdf

from entcredit.report import pdf as report_pdf
from entcredit.report.pdf import ReportDocument, Section, find_font, render_pdf


def document(name: str, rows: int) -> ReportDocument:
    section = Section(
        title="一、行政处罚信息",
        columns=("处罚决定书文号", "作出机关"),
        rows=tuple((f"粤市监罚〔2024〕{i}号", f"{name}所在地监管局") for i in range(rows)),
        empty_text="暂无公示信息。",
    )
    return ReportDocument(
        title="企业信用信息公示报告",
        enterprise_name=name,
        cover=(("验证码", "ABCD-EFGH-IJKL-MNOP"),),
        notice="说明",
        registration_title="登记注册信息",
        registration=(("名称", name),),
        sections=(section,),
        page_label="第 {page} 页 / 共 {pages} 页",
        code_line="验证码 ABCD-EFGH-IJKL-MNOP",
        end_text="（报告正文结束）",
    )


def font_programs(pdf: bytes) -> list[bytes]:
    programs = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            for descendant in ref.get_object()["/DescendantFonts"]:
                desc = descendant.get_object()["/FontDescriptor"].get_object()
                programs.append(desc["/FontFile2"].get_object().get_data())
    return programs


def test_cached_font_embeds_the_same_subset_as_a_fresh_parse() -> None:
    font = find_font(None)
    render_pdf(document("广州市甲乙丙有限公司", 30), font)  # uses (and warms) the cache
    second = document("佛山市丁戊己庚辛有限公司", 5)
    cached = render_pdf(second, font)
    report_pdf._parsed_font.cache_clear()
    fresh = render_pdf(second, font)
    assert font_programs(cached) == font_programs(fresh)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(cached)).pages)
    assert "佛山市丁戊己庚辛有限公司" in text and "甲乙丙" not in text
