"""PDF credit report benchmark (issue 3): time to render a report with the CJK font parsed
once per process (``report.pdf``'s cache) against parsing it for every document, by report
size (rows over all sections), and the size of the PDF with its embedded font subset.

    .venv/bin/python benchmarks/bench_report.py
    .venv/bin/python benchmarks/bench_report.py --rows 0 50 450 --repeat 5

Prints a table and writes benchmarks/out/report.json. No database: the document is built
directly (the store's part is the portal's read path, measured by bench_portal.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from fpdf import FPDF

from entcredit.report import pdf as report_pdf
from entcredit.report.pdf import CjkFont, ReportDocument, Section, find_font, render_pdf

OUT = Path(__file__).parent / "out"
SECTIONS = 9


def document(rows: int) -> ReportDocument:
    per_section = rows // SECTIONS
    sections = tuple(
        Section(
            title=f"{s + 1}、行政处罚信息",
            columns=("处罚决定书文号", "违法行为类型", "处罚类别", "作出日期", "作出机关"),
            rows=tuple(
                (
                    f"粤市监罚〔2024〕{s}{i:04d}号",
                    "虚假宣传",
                    "罚款",
                    "2024-03-01",
                    "广州市市场监督管理局",
                )
                for i in range(per_section)
            ),
            empty_text="暂无公示信息。",
        )
        for s in range(SECTIONS)
    )
    return ReportDocument(
        title="企业信用信息公示报告",
        enterprise_name="广州市星河科技有限公司",
        cover=(("统一社会信用代码", "91440300000000019B"), ("验证码", "ABCD-EFGH-IJKL-MNOP")),
        notice="本报告根据企业信用信息归集公示平台截至出具时间依法公示的信息生成。",
        registration_title="一、登记注册信息",
        registration=(("名称", "广州市星河科技有限公司"), ("住所", "广州市天河区珠江新城1号")),
        sections=sections,
        page_label="第 {page} 页 / 共 {pages} 页",
        code_line="验证码 ABCD-EFGH-IJKL-MNOP",
        end_text="（报告正文结束）",
    )


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def parse_font(font: CjkFont) -> None:
    FPDF().add_font("cjk", fname=str(font.path), collection_font_number=font.number)


def cold_render(doc: ReportDocument, font: CjkFont) -> bytes:
    """As if nothing were cached: the font is parsed again for this document."""
    report_pdf._parsed_font.cache_clear()
    return render_pdf(doc, font)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[0, 45, 450])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    font = find_font(None)
    parse_s, _ = timed(lambda: parse_font(font), args.repeat)
    results: list[dict[str, Any]] = []
    print(f"font {font.path} (number {font.number}); parsing it: {parse_s * 1000:.0f} ms")
    print(f"{'rows':>6} {'cached ms':>10} {'cold ms':>10} {'ratio':>6} {'pages':>6} {'KiB':>7}")
    for rows in args.rows:
        doc = document(rows)
        uncached, _ = timed(lambda doc=doc: cold_render(doc, font), args.repeat)
        cached_s, pdf = timed(lambda doc=doc: render_pdf(doc, font), args.repeat)
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
        results.append(
            {
                "rows": rows,
                "cached_ms": round(cached_s * 1000, 1),
                "uncached_ms": round(uncached * 1000, 1),
                "speedup": round(uncached / cached_s, 2),
                "pages": pages,
                "bytes": len(pdf),
            }
        )
        print(
            f"{rows:>6} {cached_s * 1000:>10.0f} {uncached * 1000:>10.0f} "
            f"{uncached / cached_s:>6.2f} {pages:>6} {len(pdf) / 1024:>7.1f}"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "report.json").write_text(
        json.dumps(
            {"font": str(font.path), "parse_ms": round(parse_s * 1000, 1), "runs": results},
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
