"""The report routes through the real app: download, verify by code, verify an upload."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from entcredit.report import pages as report_pages
from entcredit.report.models import CreditReport
from entcredit.report.service import ReportConfig
from entcredit.settings import Settings
from entcredit.web.app import create_app
from tests.browser.dataset import PAYLOAD, STAR, Dataset


@pytest.fixture
def client(settings: Settings, engine: Engine, dataset: Dataset) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def download(client: TestClient, uscc: str) -> tuple[bytes, str]:
    response = client.get(f"/enterprise/{uscc}/report.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    match = re.search(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", text)
    assert match, text
    return response.content, match.group(0)


def test_download_is_an_attachment_with_a_chinese_filename(
    client: TestClient, dataset: Dataset, factory: sessionmaker[Session]
) -> None:
    response = client.get(f"/enterprise/{dataset.star}/report.pdf")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded).startswith(f"{STAR}-企业信用信息公示报告-")
    assert unquote(encoded).endswith(".pdf")
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(CreditReport)) == 1


def test_markup_in_a_name_cannot_break_the_filename_header(
    client: TestClient, dataset: Dataset
) -> None:
    response = client.get(f"/enterprise/{dataset.payload}/report.pdf")
    assert response.status_code == 200
    filename = unquote(response.headers["content-disposition"].split("UTF-8''", 1)[1])
    assert "/" not in filename and "<" not in filename and '"' not in filename
    assert PAYLOAD[-6:] in filename


def test_unknown_enterprise_is_404(client: TestClient, dataset: Dataset) -> None:
    for code in ("91440300MA0000000X", "nonsense", "9" * 300):
        response = client.get(f"/enterprise/{code}/report.pdf")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "enterprise_not_found"


def test_verify_by_code(client: TestClient, dataset: Dataset) -> None:
    pdf, code = download(client, dataset.star)
    page = client.get("/report/verify", params={"code": code.replace("-", "").lower()})
    assert page.status_code == 200
    assert "验证码有效" in page.text
    assert code in page.text, "shown formatted"
    assert STAR in page.text
    assert hashlib.sha256(pdf).hexdigest() in page.text

    forged = ("A" if code[0] != "A" else "B") + code[1:]
    page = client.get("/report/verify", params={"code": forged})
    assert page.status_code == 404
    assert "未找到" in page.text and STAR not in page.text

    page = client.get("/report/verify", params={"code": "<b>x</b>", "lang": "en"})
    assert page.status_code == 400
    assert "This is not a verification code" in page.text
    assert "<b>x</b>" not in page.text and "&lt;b&gt;x&lt;/b&gt;" in page.text


def test_verify_an_uploaded_file(client: TestClient, dataset: Dataset) -> None:
    pdf, code = download(client, dataset.star)
    ok = client.post(
        "/report/verify",
        data={"code": code},
        files={"file": ("report.pdf", pdf, "application/pdf")},
    )
    assert ok.status_code == 200
    assert "完全一致" in ok.text
    changed = client.post(
        "/report/verify?lang=en",
        data={"code": code},
        files={"file": ("report.pdf", pdf + b"\n", "application/pdf")},
    )
    assert "differs from the report" in changed.text
    # A genuine code with another report's file.
    other, _ = download(client, dataset.cloud)
    mixed = client.post(
        "/report/verify", data={"code": code}, files={"file": ("r.pdf", other, "application/pdf")}
    )
    assert "不一致" in mixed.text


def test_uploads_are_bounded(
    client: TestClient, dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_pages, "DEFAULT_CONFIG", ReportConfig(upload_max_bytes=1000))
    pdf, code = download(client, dataset.star)
    assert len(pdf) > 1000
    # Read and found one byte too many; and refused from Content-Length alone, unread.
    for body in (pdf, pdf * 20):
        response = client.post(
            "/report/verify",
            data={"code": code},
            files={"file": ("report.pdf", body, "application/pdf")},
        )
        assert response.status_code == 413
        assert "未能核对" in response.text
        assert "完全一致" not in response.text
