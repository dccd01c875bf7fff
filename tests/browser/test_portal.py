"""Issue 3, item 5: the public portal in a real browser (Debian's Chromium via Playwright).

Search with a 2-character fragment, open an enterprise, move between sections, download the
PDF credit report and open it, verify its code, switch language; a name carrying markup shows
as plain text. Selectors are roles and labels, as a screen reader finds them.
"""

from __future__ import annotations

import contextlib
import io
import re

import pypdf

from entcredit.web.i18n import translator
from tests.browser.conftest import Site
from tests.browser.dataset import CLOUD, FRAGMENT, PAYLOAD, STAR, STAR_FORMER, STAR_TRADE

# Without playwright the fixtures skip, or fail under CI=true, with the reason.
with contextlib.suppress(ImportError):
    from playwright.sync_api import Page, expect

ZH, EN = translator("zh"), translator("en")
CODE = re.compile(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}")


def search(page: Page, site: Site, query: str) -> None:
    page.goto(site.url("/"))
    box = page.get_by_role("search").get_by_role("searchbox")
    box.fill(query)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))


def sections_nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name=ZH("portal_sections")).get_by_role(
        "link", name=re.compile(name)
    ).click()


def test_search_open_enterprise_and_move_between_sections(page: Page, site: Site) -> None:
    search(page, site, FRAGMENT)
    results = page.get_by_role("region", name=ZH("portal_results"))
    expect(results.get_by_role("link", name=STAR, exact=True)).to_be_visible()
    expect(results.get_by_role("link", name=STAR_TRADE, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=CLOUD)).to_have_count(0)

    page.get_by_role("link", name=STAR, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(STAR)
    expect(page.get_by_text(STAR_FORMER)).to_be_visible()

    sections_nav(page, "行政处罚")
    expect(page).to_have_url(re.compile(r"section=penalty"))
    table = page.get_by_role("table")
    for no in site.data.visible_penalty_nos:
        expect(table.get_by_role("cell", name=no)).to_be_visible()
    for no in site.data.hidden_penalty_nos:
        expect(page.get_by_text(no)).to_have_count(0)

    sections_nav(page, "行政许可")
    expect(page).to_have_url(re.compile(r"section=license"))
    for no in site.data.license_nos:
        expect(page.get_by_role("cell", name=no)).to_be_visible()

    sections_nav(page, "主要人员")
    expect(page.get_by_role("row", name=re.compile("李监事"))).to_be_visible()
    expect(page.get_by_text(site.data.planted_id)).to_have_count(0)
    masked = site.data.planted_id[:6] + "********" + site.data.planted_id[-4:]
    expect(page.get_by_role("cell", name=masked)).to_be_visible()


def test_download_open_and_verify_the_pdf(page: Page, site: Site) -> None:
    page.goto(site.url(f"/enterprise/{site.data.star}"))
    with page.expect_download() as info:
        page.get_by_role("link", name=ZH("portal_report_pdf")).click()
    download = info.value
    assert download.suggested_filename.startswith(f"{STAR}-企业信用信息公示报告-")
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert STAR in text
    found = CODE.search(text)
    assert found, text
    code = found.group(0)

    page.goto(site.url("/report/verify"))
    page.get_by_label(ZH("report_verify_code_label")).fill(code.lower())
    page.get_by_label(re.compile("报告文件")).set_input_files(str(download.path()))
    page.get_by_role("button", name=ZH("report_verify_submit")).click()
    statuses = page.get_by_role("status")
    expect(statuses.first).to_have_text(ZH("report_verify_genuine"))
    expect(statuses.nth(1)).to_have_text(ZH("report_verify_file_match"))
    details = page.get_by_role("table", name=ZH("report_verify_details"))
    expect(details.get_by_role("cell", name=STAR, exact=True)).to_be_visible()
    expect(details.get_by_role("cell", name=code)).to_be_visible()

    forged = ("A" if code[0] != "A" else "B") + code[1:]
    page.get_by_label(ZH("report_verify_code_label")).fill(forged)
    page.get_by_role("button", name=ZH("report_verify_submit")).click()
    expect(page.get_by_role("status")).to_have_text(ZH("report_verify_unknown"))
    expect(page.get_by_role("table", name=ZH("report_verify_details"))).to_have_count(0)


def test_switch_language(page: Page, site: Site) -> None:
    page.goto(site.url(f"/enterprise/{site.data.star}?section=penalty"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name=ZH("language"), exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name=EN("portal_sections"))
    nav.get_by_role("link", name=re.compile("Administrative penalty")).click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Administrative penalty")
    expect(page.get_by_role("link", name=EN("portal_report_pdf"))).to_be_visible()
    # The choice is remembered on the next page.
    page.goto(site.url("/report/verify"))
    expect(page.get_by_role("heading", level=1)).to_have_text(EN("report_verify_title"))
    page.get_by_role("link", name=EN("language"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ZH("report_verify_title"))


def test_markup_in_a_name_shows_as_plain_text(page: Page, site: Site) -> None:
    search(page, site, "测试有限")
    link = page.get_by_role("link", name=PAYLOAD, exact=True)
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PAYLOAD)
    expect(page.get_by_role("img")).to_have_count(0)
    page.goto(site.url(f"/enterprise/{site.data.payload}?section=penalty"))
    expect(page.get_by_role("heading", level=1)).to_have_text(PAYLOAD)
    assert page.dialogs == []  # type: ignore[attr-defined]
