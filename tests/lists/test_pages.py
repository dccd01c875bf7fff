"""Staff pages of the lists: sign-in required, departments see their own entries, events are
applied through forms (CSRF), a refused transition shows the machine's reason with 409."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from entcredit.identity.rules import Role
from entcredit.identity.service import create_user, issue_token
from entcredit.settings import Settings
from entcredit.store.db import unit_of_work
from entcredit.web.app import create_app
from tests.ingest.factories import uscc

from .world import CITY, COUNTY, World, ent, make_world

PASSWORD = "Correct-Horse-42"
HTML = {"Accept": "text/html"}


@pytest.fixture(params=["sqlite"])
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(settings: Settings, engine: Engine, tmp_path: Path) -> World:
    w = make_world(settings, engine, tmp_path)
    w.enterprises([ent(i) for i in range(1, 3)])
    with unit_of_work(w.factory) as s:
        for username, dept in (("citystaff", CITY), ("countystaff", COUNTY)):
            create_user(
                s,
                username=username,
                password=PASSWORD,
                roles={Role.department_staff},
                dept_code=dept,
                actor="system",
            )
    return w


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    # Secure cookies (env "test") travel over https only.
    app = create_app(world.settings, engine=world.engine)
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture
def city_entry(world: World, client: TestClient) -> str:
    """A proposal (reason 4, unreachable) of the city bureau, raised through the JSON API."""
    with unit_of_work(world.factory) as s:
        token = issue_token(s, dept_code=CITY, name="t").plaintext
    body = {"uscc": uscc(1), "reason": 4, "basis": "核查记录 V-7", "on": "2025-04-01"}
    r = client.post(
        "/api/v1/lists/abnormal/proposals",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["entry_key"])


def login(client: TestClient, username: str) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    me = client.get("/me").text
    assert 'href="/lists"' in me
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', me)
    assert meta
    return meta.group(1)


def test_anonymous_is_sent_to_sign_in(client: TestClient, city_entry: str) -> None:
    r = client.get("/lists", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert client.get(f"/lists/{city_entry}").status_code == 401
    r = client.post(f"/lists/{city_entry}/events", data={"event": "decide_listing"})
    assert r.status_code == 401


def test_departments_see_and_act_on_their_own_entries(client: TestClient, city_entry: str) -> None:
    csrf = login(client, "countystaff")
    assert uscc(1) not in client.get("/lists").text
    assert client.get(f"/lists/{city_entry}").status_code == 403
    r = client.post(
        f"/lists/{city_entry}/events",
        data={"csrf_token": csrf, "event": "decide_listing", "decision_no": "X"},
    )
    assert r.status_code == 403
    login(client, "citystaff")
    page = client.get("/lists", params={"list_kind": "abnormal", "state": "proposed"})
    assert uscc(1) in page.text and "/lists/" + city_entry in page.text
    assert "已逾期" in page.text  # the listing decision was due in April 2025
    assert uscc(1) not in client.get("/lists", params={"state": "listed"}).text


def test_deciding_a_proposal_through_the_form(client: TestClient, city_entry: str) -> None:
    csrf = login(client, "citystaff")
    page = client.get(f"/lists/{city_entry}")
    assert page.status_code == 200 and 'name="decision_no"' in page.text
    assert 'value="decide_listing"' in page.text and 'value="publish"' not in page.text
    r = client.post(
        f"/lists/{city_entry}/events",
        data={
            "csrf_token": csrf,
            "event": "decide_listing",
            "decision_no": "深市监异〔2025〕3号",
            "on": "2025-04-03",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/lists/{city_entry}"
    page = client.get(f"/lists/{city_entry}")
    state = re.search(r'<dd id="entry-state">([^<]+)</dd>', page.text)
    assert state and state.group(1) == "已列入"
    assert "深市监异〔2025〕3号" in page.text and "2025-04-03" in page.text
    assert "作出列入决定" in page.text  # the event row
    listed = client.get("/lists", params={"state": "listed", "in_force": "true"})
    assert uscc(1) in listed.text


def test_refused_transition_shows_the_reason(client: TestClient, city_entry: str) -> None:
    csrf = login(client, "citystaff")
    post = f"/lists/{city_entry}/events"
    r = client.post(post, data={"csrf_token": csrf, "event": "decide_listing",
                                "decision_no": "D1", "on": "2025-04-03"})  # fmt: skip
    assert r.status_code == 200
    # reason 1 (annual report filed) does not repair an unreachable-address listing
    r = client.post(post, data={"csrf_token": csrf, "event": "decide_removal", "reason": "1",
                                "decision_no": "X", "on": "2025-05-06"})  # fmt: skip
    assert r.status_code == 409
    refusal = re.search(r'<span id="refusal">([^<]+)</span>', r.text)
    assert refusal and "does not repair" in refusal.group(1)
    # a missing decision number is a form problem, not a transition
    r = client.post(post, data={"csrf_token": csrf, "event": "decide_removal", "reason": "5"})
    assert r.status_code == 422 and "decision_no" in r.text


def test_english_and_csrf(client: TestClient, city_entry: str) -> None:
    login(client, "citystaff")
    page = client.get(f"/lists/{city_entry}", params={"lang": "en"})
    assert "Abnormal operations list" in page.text and "Decide listing" in page.text
    assert "经营异常名录" not in page.text
    r = client.post(
        f"/lists/{city_entry}/events", data={"event": "decide_listing", "decision_no": "D1"}
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = client.post(
        f"/lists/{city_entry}/events",
        data={"csrf_token": "wrong", "event": "decide_listing", "decision_no": "D1"},
    )
    assert r.status_code == 403


def test_serious_entry_offers_its_own_steps(world: World, client: TestClient) -> None:
    with unit_of_work(world.factory) as s:
        token = issue_token(s, dept_code=COUNTY, name="t").plaintext
    notice = {
        "uscc": uscc(2),
        "penalty_decision_no": "南山罚〔2025〕1号",
        "penalty_decided_on": "2025-03-03",
        "penalty_kinds": ["fine", "suspend_business"],
        "domain": "drug",
        "egregious": True,
        "on": "2025-03-05",
    }
    r = client.post("/api/v1/lists/serious/notices", json=notice,
                    headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    key = r.json()["entry_key"]
    csrf = login(client, "countystaff")
    page = client.get(f"/lists/{key}")
    assert 'value="file_statement"' in page.text and 'value="decide_listing"' not in page.text
    post = f"/lists/{key}/events"
    decide = {"csrf_token": csrf, "event": "decide", "decision_no": "D1", "on": "2025-03-06"}
    r = client.post(post, data=decide)
    assert r.status_code == 409 and "statement" in r.text  # the statement window is open
    r = client.post(post, data={"csrf_token": csrf, "event": "file_statement", "on": "2025-03-07"})
    assert r.status_code == 200 and "陈述申辩" in r.text  # followed the 303 to the entry
