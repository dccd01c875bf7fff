"""The credit-check API and page, over the app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from entcredit.identity.rules import Role
from entcredit.identity.service import create_user, issue_token
from entcredit.settings import Settings
from entcredit.store.db import unit_of_work
from entcredit.web.app import create_app
from entcredit.web.deps import today
from tests.credit.conftest import AS_OF, P
from tests.web.conftest import PASSWORD, _login, add_department


@dataclass
class Api:
    client: TestClient
    bank1: dict[str, str]
    bank2: dict[str, str]


@pytest.fixture
def api(province: sessionmaker[Session], settings: Settings, engine: Engine) -> Iterator[Api]:
    with unit_of_work(province) as s:
        add_department(s, "BANK1", "某银行广东省分行")
        add_department(s, "BANK2", "另一银行广东省分行")
        for name, role in (("admin", Role.regulator_admin), ("insp", Role.inspector)):
            create_user(s, username=name, password=PASSWORD, roles={role}, actor="system")
        t1 = issue_token(s, dept_code="BANK1", name="loans").plaintext
        t2 = issue_token(s, dept_code="BANK2", name="loans").plaintext
    # Cookies are Secure outside development: talk https to the test server.
    app = create_app(settings, engine=engine)
    app.dependency_overrides[today] = lambda: AS_OF
    with TestClient(app, base_url="https://testserver") as client:
        yield Api(
            client,
            {"Authorization": f"Bearer {t1}"},
            {"Authorization": f"Bearer {t2}"},
        )


def test_bank_checks_a_batch_for_a_loan(api: Api) -> None:
    bad = P.serious[:-1] + ("0" if P.serious[-1] != "0" else "1")
    subjects = [P.serious, P.abnormal, bad, P.person_a, P.clean]
    r = api.client.post(
        "/api/v1/credit-check", json={"action": "loan", "subjects": subjects}, headers=api.bank1
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["checked"], body["restricted"], body["invalid"]) == (5, 2, 1)
    res = body["results"]
    assert [x["restricted"] for x in res] == [True, False, False, False, True]
    (hit,) = res[0]["hits"]
    assert hit["measure"] == "SL03" and hit["until"] == "2028-01-09"
    assert hit["legal_basis"] and hit["measure_name_zh"] and hit["list"] == "serious"
    assert res[2]["error"]["code"] == "subject_invalid" and res[2]["index"] == 2
    assert res[3]["kind"] == "person" and P.person_a not in r.text  # never echoed in full
    assert res[4]["hits"][0]["measure"] == "DR02"


def test_access_and_whole_call_errors(api: Api, settings: Settings) -> None:
    post = api.client.post
    r = post("/api/v1/credit-check", json={"action": "lending", "subjects": [P.serious]},
             headers=api.bank1)  # fmt: skip
    assert (r.status_code, r.json()["error"]["code"]) == (400, "action_unknown")
    too_many = [P.serious] * (settings.credit_check_max_subjects + 1)
    r = post("/api/v1/credit-check", json={"action": "loan", "subjects": too_many},
             headers=api.bank1)  # fmt: skip
    assert (r.status_code, r.json()["error"]["code"]) == (413, "subjects_too_many")
    r = post("/api/v1/credit-check", json={"action": "loan", "subjects": [P.serious]})
    assert r.status_code == 401
    # The measures catalogue is public (published law).
    body = api.client.get("/api/v1/credit-check/measures").json()
    assert "loan" in {a["code"] for a in body["actions"]}
    cl178 = next(m for m in body["measures"] if m["code"] == "CL178")
    assert cl178["duration"] == {"kind": "fixed_years", "years": 3}
    assert "第一百七十八条" in cl178["legal_basis"]
    # Inspectors are not given the check.
    _login(api.client, "insp")
    assert api.client.get("/api/v1/credit-check/calls").status_code == 403
    assert api.client.get("/credit-check").status_code == 403


def test_departments_read_only_their_own_log(api: Api) -> None:
    c = api.client
    one = {"action": "procurement", "subjects": [P.serious, P.abnormal]}
    id1 = c.post("/api/v1/credit-check", json=one, headers=api.bank1).json()["call_id"]
    id2 = c.post("/api/v1/credit-check", json=one, headers=api.bank2).json()["call_id"]
    mine = c.get("/api/v1/credit-check/calls", headers=api.bank1).json()["calls"]
    assert [x["call_id"] for x in mine] == [id1] and mine[0]["asked_by"] == "dept:BANK1"
    detail = c.get(f"/api/v1/credit-check/calls/{id1}", headers=api.bank1).json()
    assert [x["hits"][0]["measure"] for x in detail["results"]] == ["SL02", "AB01"]
    other = c.get(f"/api/v1/credit-check/calls/{id2}", headers=api.bank1)
    assert (other.status_code, other.json()["error"]["code"]) == (403, "department_forbidden")
    stats = c.get("/api/v1/credit-check/stats", headers=api.bank1).json()
    assert stats["dept_code"] == "BANK1"
    assert {x["measure"]: x["times_restricted"] for x in stats["measures"]} == {
        "SL02": 1, "AB01": 1,
    }  # fmt: skip
    assert c.get("/api/v1/credit-check/stats?dept_code=BANK2", headers=api.bank1).status_code == 403
    _login(c, "admin")
    every = c.get("/api/v1/credit-check/stats").json()["measures"]
    assert {x["measure"]: x["times_restricted"] for x in every} == {"SL02": 2, "AB01": 2}
    assert {x["call_id"] for x in c.get("/api/v1/credit-check/calls").json()["calls"]} == {
        id1, id2,
    }  # fmt: skip


def test_staff_page_single_batch_and_csv(api: Api) -> None:
    c = api.client
    csrf = _login(c, "admin")
    page = c.get("/credit-check")
    assert page.status_code == 200 and 'name="subjects"' in page.text
    r = c.post("/credit-check", data={"csrf_token": csrf, "action": "procurement",
                                      "subjects": f"{P.serious}\n{P.person_a}"})  # fmt: skip
    assert r.status_code == 200 and "SL02" in r.text and "受限" in r.text
    assert P.person_a not in r.text and P.person_a[:6] + "********" in r.text
    csv_body = f"统一社会信用代码\n{P.abnormal}\n{P.person_a}\nnot-a-code\n".encode()
    r = c.post(
        "/credit-check?lang=en",
        data={"csrf_token": csrf, "action": "procurement", "subjects": ""},
        files={"file": ("s.csv", csv_body, "text/csv")},
    )
    assert r.status_code == 200
    assert "AB01" in r.text and "Restricted" in r.text and "Unreadable" in r.text
    assert P.person_a not in r.text
    r = c.post("/credit-check", data={"csrf_token": csrf, "action": "procurement"})
    assert r.status_code == 400 and "Enter at least one subject" in r.text
