"""Issue 4, item 7: a credit repair in a real browser (Debian's Chromium via Playwright).

An enterprise signs in with its USCC and legal representative, applies for the early end of
a penalty's publicity with a pledge and a PDF, the owning department's officer signs in and
approves, and the public enterprise page no longer shows the penalty. Selectors are roles
and labels, as a screen reader finds them.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from entcredit.identity.rules import Role
from entcredit.identity.service import create_user
from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.publicity.rules import add_months
from entcredit.store.db import unit_of_work
from entcredit.store.models import Department, Record
from entcredit.web.deps import china_today
from tests.browser.conftest import Site
from tests.ingest.factories import (
    ENTERPRISE_HEADER,
    PENALTY_HEADER,
    enterprise_row,
    penalty_row,
    person_id,
    uscc,
    write_csv,
)
from tests.repair.conftest import PDF
from tests.web.conftest import PASSWORD, add_department

with contextlib.suppress(ImportError):
    from playwright.sync_api import Page, expect

# Keys of this test's own in the shared site: enterprise 31, department REPAIR_D.
ENT = 31
NAME = "深圳市修复测试有限公司"
DEPT = "REPAIR_D"
OFFICER = "repair_officer"
DECISION_NO = "深市监罚〔2025〕931号"


@dataclass(frozen=True)
class Planted:
    uscc: str
    record_id: int


@pytest.fixture(scope="module")
def planted(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """An enterprise with a penalty published 8 months ago, and its department's officer."""
    where = tmp_path_factory.mktemp("repair-browser")
    ctx = IngestContext.from_settings(site.settings)
    received = add_months(china_today(), -8)
    for name, header, rows in (
        ("enterprise", ENTERPRISE_HEADER, [enterprise_row(ENT, name=NAME)]),
        (
            "penalty",
            PENALTY_HEADER,
            [
                penalty_row(
                    931,
                    ENT,
                    dept_code=DEPT,
                    subject_name=NAME,
                    decision_no=DECISION_NO,
                    fine_amount="10",
                    produced_on=(received - timedelta(days=10)).isoformat(),
                )
            ],
        ),
    ):
        path = write_csv(where / f"{name}.csv", header, rows)
        report = load_path(site.factory, ctx, path, LoadOptions(received_on=received))
        assert report.rows_rejected == 0, report
    with unit_of_work(site.factory) as s:
        if s.scalar(select(Department.id).where(Department.dept_code == DEPT)) is None:
            add_department(s, DEPT, "深圳市修复测试局")
        create_user(
            s, username=OFFICER, password=PASSWORD, roles={Role.department_staff}, dept_code=DEPT
        )
        record_id = s.scalars(select(Record.id).where(Record.source_id == "P000931")).one()
    return Planted(uscc(ENT), record_id)


def test_repair_from_application_to_approval_to_the_public_page(
    page: Page, site: Site, planted: Planted
) -> None:
    public = site.url(f"/enterprise/{planted.uscc}?section=penalty")
    page.goto(public)
    expect(page.get_by_role("cell", name=DECISION_NO)).to_be_visible()

    # The enterprise signs in and applies.
    page.goto(site.url("/self-service"))
    expect(page).to_have_url(re.compile(r"/self-service/login$"))
    page.get_by_label("统一社会信用代码").fill(planted.uscc)
    page.get_by_label("法定代表人（负责人）姓名").fill(f"张{ENT}")
    page.get_by_label("法定代表人（负责人）身份证件号码").fill(person_id(ENT))
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/self-service$"))
    penalties = page.get_by_role("table", name="本企业已公示的行政处罚信息")
    row = penalties.get_by_role("row").filter(has_text=DECISION_NO)
    row.get_by_role("link", name="申请信用修复").click()

    expect(page.get_by_role("heading", name="信用修复申请")).to_be_visible()
    page.get_by_label("申请理由").fill("罚款已缴清，违法行为已纠正。")
    page.get_by_label("整改情况").fill("已下架违规广告并完成内部合规培训。")
    page.get_by_label("已履行行政处罚决定").check()
    page.get_by_label("已主动消除有关不良社会影响").check()
    page.get_by_label("本企业已阅读并作出上述承诺").check()
    page.get_by_label("证明材料（PDF、JPEG 或 PNG）").set_input_files(
        [{"name": "缴款凭证.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(re.compile(r"/self-service/repair/\d+$"))
    app_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#app-state")).to_have_text(re.compile("待受理"))
    expect(page.get_by_text("缴款凭证.pdf")).to_be_visible()
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/self-service/login$"))

    # The owning department's officer approves.
    page.goto(site.url("/login"))
    page.get_by_label("用户名").fill(OFFICER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(site.url("/repair/reviews"))
    page.get_by_role("table", name="本部门待办的信用修复申请").get_by_role(
        "link", name=app_id, exact=True
    ).click()
    expect(page.get_by_role("heading", name="审核信用修复申请")).to_be_visible()
    page.get_by_label("决定文书号（准予修复时必填）").fill("深市监信修〔2025〕1号")
    page.get_by_role("button", name="准予修复").click()
    expect(page.get_by_role("status")).to_have_text("审核结果已保存。")
    expect(page.locator("#app-state")).to_have_text(re.compile("准予修复"))

    # The public page no longer shows the penalty.
    page.goto(public)
    expect(page.get_by_text(DECISION_NO)).to_have_count(0)
