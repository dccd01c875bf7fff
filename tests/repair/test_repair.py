"""Credit repair through the web: applications, eligibility at submission, evidence, the
owning department's review, and the effect of an approval on the public pages."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from entcredit.audit.models import AuditEvent
from entcredit.lists.models import ListEntry
from entcredit.publicity.models import PublicityStop
from entcredit.repair.models import RepairApplication, RepairEvidence
from entcredit.repair.service import evidence_path
from tests.ingest.factories import uscc
from tests.repair.conftest import (
    PDF,
    SERIOUS_NO,
    RepairWorld,
    apply_form,
    enterprise_csrf,
    enterprise_login,
)
from tests.web.conftest import _login as staff_login

FOOTER = "<footer>"

# Web-only behaviour: SQLite suffices (the store paths run on both dialects elsewhere here).
SQLITE_ONLY = pytest.mark.parametrize("db_kind", ["sqlite"])


def _apply(client: TestClient, kind: str, target: int, **over: object) -> tuple[int, str]:
    files = over.pop("files", None)
    data = apply_form(kind, target, enterprise_csrf(client), **over)
    response = client.post(
        "/self-service/repair",
        data=data,
        files=files,
        follow_redirects=False,
    )
    return int(response.status_code), str(response.headers.get("location") or response.text)


def _app_count(world: RepairWorld) -> int:
    with world.factory() as s:
        return int(s.scalar(select(func.count()).select_from(RepairApplication)) or 0)


def _public_penalties(client: TestClient, n: int) -> str:
    """The public portal page and the open API's answer about the enterprise's penalties."""
    page = client.get(f"/enterprise/{uscc(n)}?section=penalty")
    api = client.get(f"/api/v1/public/enterprises/{uscc(n)}/records/penalty")
    assert page.status_code == 200 and api.status_code == 200
    return str(page.text) + json.dumps(api.json(), ensure_ascii=False)


def _review(client: TestClient, app_id: int, csrf: str, **data: str) -> tuple[int, str]:
    response = client.post(f"/repair/reviews/{app_id}", data={"csrf_token": csrf, **data})
    return response.status_code, response.text


@SQLITE_ONLY
def test_enterprise_sees_and_applies_only_for_its_own(
    rworld: RepairWorld, rclient: TestClient
) -> None:
    assert enterprise_login(rclient, 2) == 303
    status, location = _apply(rclient, "penalty", rworld.penalty["other_ent"])
    assert status == 303
    other_app = int(location.rsplit("/", 1)[1])
    rclient.cookies.clear()

    assert enterprise_login(rclient, 1) == 303
    home = rclient.get("/self-service").text
    assert rworld.decision_no("ok") in home
    assert rworld.decision_no("other_ent") not in home
    target = rworld.penalty["other_ent"]
    assert rclient.get(f"/self-service/repair/new?kind=penalty&target={target}").status_code == 404
    assert _apply(rclient, "penalty", target)[0] == 404
    assert rclient.get(f"/self-service/repair/{other_app}").status_code == 404
    assert _apply(rclient, "abnormal", 999_999)[0] == 404
    assert _app_count(rworld) == 1


@SQLITE_ONLY
def test_ineligible_applications_are_refused_with_reasons(
    rworld: RepairWorld, rclient: TestClient
) -> None:
    assert enterprise_login(rclient, 1) == 303
    cases = {
        "food": "未满最短公示期",  # 8 months published, food needs 12
        "young": "未满最短公示期",  # 2 months published
        "forbidden": "该类行政处罚不得提前停止公示",  # suspension
    }
    for name, reason in cases.items():
        status, body = _apply(rclient, "penalty", rworld.penalty[name])
        assert status == 422, name
        assert reason in body, name
    # Undeclared obligations are a reason too.
    status, body = _apply(rclient, "penalty", rworld.penalty["ok"], obligations_fulfilled="")
    assert status == 422 and "未履行行政处罚决定规定的义务" in body
    # The form shows the reasons before anything is filled in, in English too.
    page = rclient.get(
        f"/self-service/repair/new?kind=penalty&target={rworld.penalty['food']}&lang=en"
    )
    assert "Minimum publicity period not yet met" in page.text and 'name="reason"' not in page.text
    assert _app_count(rworld) == 0


@SQLITE_ONLY
def test_form_and_evidence_checks(rworld: RepairWorld, rclient: TestClient) -> None:
    assert enterprise_login(rclient, 1) == 303
    target = rworld.penalty["ok"]
    status, body = _apply(rclient, "penalty", target, pledge="")
    assert status == 422 and 'id="pledge-error"' in body and 'aria-invalid="true"' in body
    status, body = _apply(rclient, "penalty", target, reason=" ")
    assert status == 422 and 'id="reason-error"' in body
    fake = [("evidence", ("scan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"))]
    status, body = _apply(rclient, "penalty", target, files=fake)
    assert status == 422 and "证明材料只能是 PDF、JPEG 或 PNG 文件" in body
    big = [
        (
            "evidence",
            ("big.pdf", PDF + b"0" * rworld.settings.repair_max_evidence_bytes, "application/pdf"),
        )
    ]
    assert _apply(rclient, "penalty", target, files=big)[0] == 422
    many = [("evidence", (f"{i}.pdf", PDF, "application/pdf")) for i in range(6)]
    assert _apply(rclient, "penalty", target, files=many)[0] == 422
    assert _app_count(rworld) == 0


def test_penalty_repair_from_application_to_public_page(
    rworld: RepairWorld, rclient: TestClient
) -> None:
    decision_no = rworld.decision_no("ok")
    before = _public_penalties(rclient, 1)
    assert before.count(decision_no) >= 2  # on the page and in the API

    assert enterprise_login(rclient, 1) == 303
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    files = [
        ("evidence", ("receipt.pdf", PDF, "application/pdf")),
        ("evidence", ("photo.png", png, "image/png")),
    ]
    status, location = _apply(rclient, "penalty", rworld.penalty["ok"], files=files)
    assert status == 303, location
    app_id = int(location.rsplit("/", 1)[1])
    detail = rclient.get(location).text
    assert "待受理" in detail and "receipt.pdf" in detail
    # One open application per record.
    assert _apply(rclient, "penalty", rworld.penalty["ok"])[0] == 409
    with rworld.factory() as s:
        app = s.get(RepairApplication, app_id)
        assert app is not None and app.dept_code == "DEPT_A" and app.accept_due > app.submitted_on
        stored = list(
            s.scalars(select(RepairEvidence).where(RepairEvidence.application_id == app_id))
        )
    assert sorted(e.media_type for e in stored) == ["application/pdf", "image/png"]
    for e in stored:
        data = evidence_path(rworld.settings.data_dir, e.sha256).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e.sha256
    rclient.cookies.clear()

    # Another department neither sees nor decides it.
    csrf = staff_login(rclient, "officer_b")
    assert str(app_id) not in rclient.get("/repair/reviews").text.split("<tbody>")[1]
    assert rclient.get(f"/repair/reviews/{app_id}").status_code == 404
    assert _review(rclient, app_id, csrf, action="approve", decision_no="X")[0] == 404
    rclient.cookies.clear()

    csrf = staff_login(rclient, "officer_a")
    queue = rclient.get("/repair/reviews").text
    assert f'href="/repair/reviews/{app_id}"' in queue
    # Staff posts need the staff session's CSRF token.
    assert rclient.post(f"/repair/reviews/{app_id}", data={"action": "accept"}).status_code == 403
    assert _review(rclient, app_id, csrf, action="accept")[0] == 200
    evidence_link = re.search(
        rf'href="(/repair/reviews/{app_id}/evidence/\d+)"',
        rclient.get(f"/repair/reviews/{app_id}").text,
    )
    assert evidence_link
    download = rclient.get(evidence_link.group(1))
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert download.content in (PDF, png)
    # A file changed on disk is detected by its hash, never served.
    evidence_path(rworld.settings.data_dir, stored[0].sha256).write_bytes(b"%PDF-tampered")
    tampered = rclient.get(
        f"/repair/reviews/{app_id}/evidence/{stored[0].id}", headers={"accept": "application/json"}
    )
    assert (
        tampered.status_code == 500 and tampered.json()["error"]["code"] == "evidence_unavailable"
    )
    status, body = _review(rclient, app_id, csrf, action="approve")
    assert status == 422 and "准予修复须填写决定文书号" in body
    status, body = _review(
        rclient, app_id, csrf, action="approve", decision_no="深市监修〔2026〕1号"
    )
    assert status == 200 and "准予修复" in body

    with rworld.factory() as s:
        stop = s.get(PublicityStop, rworld.penalty["ok"])
        assert stop is not None and stop.stopped_on == rworld.today
        assert stop.application_id == app_id and stop.decided_by == "user:officer_a"
        tags = list(
            s.scalars(
                select(AuditEvent.tag)
                .where(AuditEvent.tag.like("repair:%"), AuditEvent.subject_id == str(app_id))
                .order_by(AuditEvent.id)
            )
        )
    assert tags == ["repair:submit", "repair:accept", "repair:approve"]
    assert decision_no not in _public_penalties(rclient, 1)
    # A decided application cannot be decided again.
    assert _review(rclient, app_id, csrf, action="refuse", note="x")[0] == 409
    rclient.cookies.clear()

    assert enterprise_login(rclient, 1) == 303
    home = rclient.get("/self-service").text
    assert "准予修复" in home and "已信用修复，提前停止公示" in home


def test_refusal_needs_reasons_and_allows_a_new_application(
    rworld: RepairWorld, rclient: TestClient
) -> None:
    assert enterprise_login(rclient, 1) == 303
    status, location = _apply(rclient, "penalty", rworld.penalty["dept_b"])
    assert status == 303
    app_id = int(location.rsplit("/", 1)[1])
    rclient.cookies.clear()

    csrf = staff_login(rclient, "admin")  # the regulator may act for every department
    status, body = _review(rclient, app_id, csrf, action="refuse")
    assert status == 422 and "不予修复须说明理由" in body
    assert _review(rclient, app_id, csrf, action="refuse", note="罚款尚未缴清")[0] == 200
    rclient.cookies.clear()

    assert enterprise_login(rclient, 1) == 303
    detail = rclient.get(location).text
    assert "不予修复" in detail and "罚款尚未缴清" in detail
    assert _apply(rclient, "penalty", rworld.penalty["dept_b"])[0] == 303
    with rworld.factory() as s:
        assert s.get(PublicityStop, rworld.penalty["dept_b"]) is None


@SQLITE_ONLY
def test_overdue_applications_are_marked(rworld: RepairWorld, rclient: TestClient) -> None:
    assert enterprise_login(rclient, 1) == 303
    assert _apply(rclient, "penalty", rworld.penalty["ok"])[0] == 303
    rclient.cookies.clear()
    staff_login(rclient, "officer_a")
    assert "已逾期" not in rclient.get("/repair/reviews").text
    with rworld.factory.begin() as s:
        s.execute(update(RepairApplication).values(accept_due=rworld.today.replace(year=2020)))
    assert "已逾期" in rclient.get("/repair/reviews").text


def test_abnormal_list_repair_removes_the_entry(rworld: RepairWorld, rclient: TestClient) -> None:
    entry = rworld.abnormal_entry
    assert enterprise_login(rclient, 4) == 303
    assert "深市监异〔2026〕1号" in rclient.get("/self-service").text
    # While listed, its penalty's publicity cannot be stopped early.
    status, body = _apply(rclient, "penalty", rworld.penalty["listed_ent"])
    assert status == 422 and "被列入经营异常名录或严重违法失信名单" in body
    status, location = _apply(rclient, "abnormal", entry)
    assert status == 303, location
    app_id = int(location.rsplit("/", 1)[1])
    rclient.cookies.clear()

    csrf = staff_login(rclient, "officer_a")
    status, body = _review(
        rclient, app_id, csrf, action="approve", decision_no="深市监移〔2026〕1号"
    )
    assert status == 200, body
    with rworld.factory() as s:
        row = s.get(ListEntry, entry)
        assert row is not None and not row.in_force and row.state == "removed"
    rclient.cookies.clear()
    assert enterprise_login(rclient, 4) == 303
    home = rclient.get("/self-service").text
    assert "深市监异〔2026〕1号" in home  # still named, in the application ...
    assert f"kind=abnormal&amp;target={entry}" not in home  # ... but no longer on the list
    # Off the list, the penalty may now be repaired.
    assert _apply(rclient, "penalty", rworld.penalty["listed_ent"])[0] == 303


def test_serious_list_early_removal_hides_the_entry(
    rworld: RepairWorld, rclient: TestClient
) -> None:
    entry = rworld.serious_entry
    public = rclient.get(f"/enterprise/{uscc(5)}?section=serious_list").text
    assert SERIOUS_NO in public
    assert enterprise_login(rclient, 5) == 303
    status, body = _apply(rclient, "serious", entry, harm_remedied="")
    assert status == 422 and "社会不良影响未消除" in body
    status, location = _apply(rclient, "serious", entry)
    assert status == 303, location
    app_id = int(location.rsplit("/", 1)[1])
    rclient.cookies.clear()

    csrf = staff_login(rclient, "officer_a")
    status, body = _review(
        rclient, app_id, csrf, action="approve", decision_no="深市监严移〔2026〕1号"
    )
    assert status == 200, body
    with rworld.factory() as s:
        row = s.get(ListEntry, entry)
        assert row is not None and row.repaired and not row.in_force
    # After early removal neither the listing nor the removal stays public.
    public = rclient.get(f"/enterprise/{uscc(5)}?section=serious_list").text
    assert SERIOUS_NO not in public and "深市监严移〔2026〕1号" not in public
