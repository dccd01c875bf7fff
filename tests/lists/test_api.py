"""Staff JSON API of the lists: departments act on their own entries, approval one level up,
impossible events answer 409 ``transition_invalid``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from entcredit.identity.service import issue_token
from entcredit.settings import Settings
from entcredit.store.db import unit_of_work
from entcredit.web.app import create_app
from tests.ingest.factories import uscc

from .world import CITY, COUNTY, PROVINCE, World, ent, make_world

BASE = "/api/v1/lists"


# The routes run the same services as tests/lists/test_store.py, which cover both dialects.
@pytest.fixture(params=["sqlite"])
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(settings: Settings, engine: Engine, tmp_path: Path) -> World:
    w = make_world(settings, engine, tmp_path)
    w.enterprises([ent(i) for i in range(1, 4)])
    return w


@pytest.fixture
def tokens(world: World) -> dict[str, dict[str, str]]:
    with unit_of_work(world.factory) as s:
        return {
            code: {"Authorization": f"Bearer {issue_token(s, dept_code=code, name='t').plaintext}"}
            for code in (CITY, COUNTY, PROVINCE)
        }


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, engine=world.engine)) as c:
        yield c


def test_serious_procedure_over_http(client: TestClient, tokens: dict[str, dict[str, str]]) -> None:
    county, city, province = tokens[COUNTY], tokens[CITY], tokens[PROVINCE]
    notice = {
        "uscc": uscc(1),
        "penalty_decision_no": "南山罚〔2025〕1号",
        "penalty_decided_on": "2025-03-03",
        "penalty_kinds": ["fine", "suspend_business"],
        "domain": "drug",
        "egregious": True,
        "on": "2025-03-05",
    }
    assert client.post(f"{BASE}/serious/notices", json=notice).status_code == 401
    r = client.post(f"{BASE}/serious/notices", json=notice, headers=county)
    assert r.status_code == 201, r.text
    key = r.json()["entry_key"]
    assert (r.json()["state"], r.json()["reason_code"]) == ("notice", "6")
    events = f"{BASE}/entries/{key}/events"
    # too early: the statement window is still open
    r = client.post(events, json={"event": "decide", "decision_no": "D1", "on": "2025-03-06"},
                    headers=county)  # fmt: skip
    assert r.status_code == 409 and r.json()["error"]["code"] == "transition_invalid"
    assert "statement" in r.json()["error"]["details"]["why"]
    r = client.post(events, json={"event": "file_statement", "on": "2025-03-07"}, headers=county)
    assert r.status_code == 200, r.text
    r = client.post(events, json={"event": "decide", "decision_no": "D1", "on": "2025-03-10"},
                    headers=county)  # fmt: skip
    assert r.json()["state"] == "awaiting_approval"
    # approval by the bureau one level up: not the county itself, nor the province
    for who in (county, province):
        r = client.post(events, json={"event": "approve", "on": "2025-03-12"}, headers=who)
        assert r.status_code == 403
    r = client.post(events, json={"event": "approve", "on": "2025-03-12"}, headers=city)
    assert r.json()["state"] == "decided"
    r = client.post(events, json={"event": "publish", "on": "2025-03-14"}, headers=county)
    assert r.json()["state"] == "published" and r.json()["listing_record_id"] is not None
    # the city may not act for the county otherwise, nor read its entry
    assert client.post(events, json={"event": "publish"}, headers=city).status_code == 403
    assert client.get(f"{BASE}/entries/{key}", headers=city).status_code == 403
    r = client.get(events, headers=county)
    assert [e["event"] for e in r.json()["events"]] == [
        "notice", "file_statement", "decide", "approve", "publish",
    ]  # fmt: skip
    # an event of the other list
    r = client.post(events, json={"event": "file_objection"}, headers=county)
    assert r.status_code == 422


def test_abnormal_proposal_decision_and_filters(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    city, county = tokens[CITY], tokens[COUNTY]
    body = {"uscc": uscc(2), "reason": 4, "basis": "核查记录 V-7", "on": "2025-04-01"}
    r = client.post(f"{BASE}/abnormal/proposals", json=body, headers=city)
    assert r.status_code == 201, r.text
    key = r.json()["entry_key"]
    assert r.json()["next_due_what"] == "listing_decision"
    r = client.post(
        f"{BASE}/entries/{key}/events",
        json={"event": "decide_listing", "decision_no": "深市监异〔2025〕3号", "on": "2025-04-03"},
        headers=city,
    )
    assert r.status_code == 200 and r.json()["state"] == "listed"
    assert r.json()["authority"] == "深圳市市场监督管理局"
    mine = client.get(f"{BASE}/entries", params={"state": "listed"}, headers=city).json()
    assert [e["entry_key"] for e in mine["items"]] == [key]
    assert client.get(f"{BASE}/entries", headers=county).json()["items"] == []
    r = client.post(
        f"{BASE}/entries/{key}/events",
        json={"event": "decide_removal", "reason": 1, "decision_no": "X", "on": "2025-05-06"},
        headers=city,
    )
    assert r.status_code == 409 and "does not repair" in r.json()["error"]["message"]
    assert client.get(f"{BASE}/entries/nope", headers=city).status_code == 404
