"""HTTP ingest: JSON batches and file uploads under department credentials."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from tests.ingest.factories import PENALTY_HEADER, penalty_row, person_id
from tests.web.conftest import LoginFn, World

TAX = "440000SW"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rows(*ns: int, **over: Any) -> list[dict[str, Any]]:
    out = []
    for n in ns:
        r = penalty_row(n, **over)
        r.pop("dept_code")
        out.append(r)
    return out


def test_department_posts_json_rows_for_itself(client: TestClient, world: World) -> None:
    body = {"rows": [*rows(1, 2), dict(rows(3)[0], dept_code="440000HB")]}
    r = client.post("/api/v1/ingest/penalty/rows", json=body, headers=bearer(world.token_a))
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["rows_read"], rep["rows_new"], rep["rows_rejected"]) == (3, 2, 1)
    assert rep["dept_code"] == TAX
    # Sending the same batch again changes nothing.
    again = client.post("/api/v1/ingest/penalty/rows", json=body, headers=bearer(world.token_a))
    assert again.json()["rows_unchanged"] == 2


def test_upload_gbk_file_and_download_problem_report(client: TestClient, world: World) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    header = [h for h in PENALTY_HEADER if h != "dept_code"] + ["联系人证件号"]
    w.writerow(header)
    good = rows(1)[0]
    bad = dict(rows(2)[0], produced_on="2024-02-30")
    for r in (good, bad):
        w.writerow([*(r[h] for h in header[:-1]), person_id(5)])
    data = buf.getvalue().encode("gbk")
    r = client.post(
        "/api/v1/ingest/penalty/files",
        files={"file": ("处罚.csv", data, "text/csv")},
        headers=bearer(world.token_a),
    )
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["rows_new"], rep["rows_rejected"], rep["encoding"]) == (1, 1, "gb18030")
    assert rep["unknown_columns"] == ["联系人证件号"]
    issues = client.get(
        f"/api/v1/ingest/batches/{rep['batch_id']}/issues.csv", headers=bearer(world.token_a)
    )
    assert issues.status_code == 200
    text = issues.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["file", "row", "field", "severity", "reason", "raw"]
    assert lines[1][:3] == ["处罚.csv", "3", "produced_on"]
    assert person_id(5) not in text
    # Another department cannot see the batch at all.
    other = client.get(f"/api/v1/ingest/batches/{rep['batch_id']}", headers=bearer(world.token_b))
    assert other.status_code == 404


def test_credentials_and_roles(client: TestClient, world: World, login: LoginFn) -> None:
    body = {"rows": rows(1)}
    assert client.post("/api/v1/ingest/penalty/rows", json=body).status_code == 401
    csrf = login(client, "inspector")
    r = client.post("/api/v1/ingest/penalty/rows", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403


def test_only_regulator_admin_sets_received_on(
    client: TestClient, world: World, login: LoginFn
) -> None:
    body = {"rows": rows(1), "received_on": "2023-01-05"}
    r = client.post("/api/v1/ingest/penalty/rows", json=body, headers=bearer(world.token_a))
    assert r.status_code == 403
    csrf = login(client, "admin")
    r = client.post(
        "/api/v1/ingest/penalty/rows",
        json={"rows": [dict(x, dept_code=TAX) for x in rows(1)], "received_on": "2023-01-05"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 200, r.text
    assert r.json()["received_on"] == "2023-01-05"


def test_unknown_category_and_oversize_upload(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/v1/ingest/nonsense/rows", json={"rows": []}, headers=bearer(world.token_a)
    )
    assert r.status_code == 404
    big = b"x" * (world.settings.max_upload_bytes + 1)
    r = client.post(
        "/api/v1/ingest/penalty/files",
        files={"file": ("big.csv", big, "text/csv")},
        headers=bearer(world.token_a),
    )
    assert r.status_code == 413


def test_malformed_file_is_refused_with_reason(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/v1/ingest/penalty/files",
        files={"file": ("x.xlsx", b"not a zip at all", "application/octet-stream")},
        headers=bearer(world.token_a),
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "batch_refused"


def test_unexpected_errors_answer_in_the_standard_shape(world: World) -> None:
    from fastapi import APIRouter

    from entcredit.web.app import create_app
    from entcredit.web.ownership import public_route

    router = APIRouter()

    @router.get("/boom")
    @public_route
    def boom() -> None:
        raise RuntimeError("secret internals")

    app = create_app(world.settings, engine=world.engine, extra_routers=[router])
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "secret internals" not in r.text


def test_problem_report_raw_column_is_json(client: TestClient, world: World) -> None:
    bad = dict(rows(2)[0], produced_on="2024-02-30")
    r = client.post(
        "/api/v1/ingest/penalty/rows", json={"rows": [bad]}, headers=bearer(world.token_a)
    )
    rep = r.json()
    text = client.get(
        f"/api/v1/ingest/batches/{rep['batch_id']}/issues.csv", headers=bearer(world.token_a)
    ).content.decode("utf-8-sig")
    raw = list(csv.reader(io.StringIO(text)))[1][5]
    import json

    assert json.loads(raw)["produced_on"] == "2024-02-30"


def test_files_naming_no_field_are_refused(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/v1/ingest/license/files",
        files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")},
        headers=bearer(world.token_a),
    )
    assert r.status_code == 422
    assert "no column names a field of license" in r.json()["error"]["message"]
    empty = client.post(
        "/api/v1/ingest/penalty/rows", json={"rows": []}, headers=bearer(world.token_a)
    )
    assert empty.status_code == 422 and "no rows" in empty.json()["error"]["message"]
