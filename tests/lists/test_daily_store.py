"""The daily job on a small province built through ingest (issue 4 item 6): idempotent, the
same state day by day as in one run at the end of a year, and what it does checked against
the numbers of rules.md §§3-4."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from entcredit.cli.main import app
from entcredit.lists.daily import run_daily
from entcredit.lists.models import ListEntry, ListEvent
from entcredit.settings import Settings
from entcredit.store.db import make_engine, unit_of_work
from entcredit.store.models import Record
from tests.conftest import fresh_store, make_settings
from tests.ingest.factories import uscc

from .world import ABN_HEADER, SER_HEADER, World, abn, ent, individual_uscc, make_world, ser

START, END = date(2024, 1, 1), date(2024, 12, 31)
IND = individual_uscc(20)
REPORT_HEADER = ["source_id", "uscc", "subject_name", "produced_on", "authority", "year",
                 "filed_on"]  # fmt: skip
INSPECTION_HEADER = ["source_id", "uscc", "subject_name", "produced_on", "authority",
                     "inspection_kind", "result_code", "task_no"]  # fmt: skip


def _province(settings: Settings, engine: Engine, tmp: Path) -> World:
    w = make_world(settings, engine, tmp)
    w.enterprises(
        [ent(i, established_on="2016-05-03") for i in (1, 2, 4, 5, 7)]
        + [ent(3, status="deregistered", status_on="2024-04-01")]
        + [ent(6, established_on="2024-02-01")]
        + [ent(20, uscc=IND, entity_type="individual", name="某个体户")]
    )
    w.load(
        "abnormal_list",
        ABN_HEADER,
        [
            abn("L1", 1, "2021-03-15", "list", "4"),
            abn("L3", 3, "2022-07-05", "list", "1"),
            abn("L20", IND, "2021-03-15", "mark", "4"),
        ],
    )
    w.load("serious_list", SER_HEADER, [ser("S2", 2, "2021-05-10", "list", article="9")])

    def report(n: int, subject: str) -> dict[str, Any]:
        return {"source_id": f"R{n}", "uscc": subject, "subject_name": f"深圳市测试{n}有限公司",
                "produced_on": "2024-05-20", "authority": "深圳市市场监督管理局", "year": "2023",
                "filed_on": "2024-05-20"}  # fmt: skip

    w.load("annual_report", REPORT_HEADER, [report(n, uscc(n)) for n in (1, 2, 7)]
           + [report(20, IND)])  # fmt: skip
    w.load(
        "inspection",
        INSPECTION_HEADER,
        [
            {
                "source_id": "J7",
                "uscc": uscc(7),
                "subject_name": "深圳市测试7有限公司",
                "produced_on": "2024-09-10",
                "authority": "深圳市市场监督管理局",
                "inspection_kind": "random",
                "result_code": "6",
                "task_no": "T-2024-7",
            },
            {
                "source_id": "J2",
                "uscc": uscc(2),
                "subject_name": "深圳市测试2有限公司",
                "produced_on": "2024-09-11",
                "authority": "深圳市市场监督管理局",
                "inspection_kind": "random",
                "result_code": "1",
                "task_no": "T-2024-7",
            },
        ],
    )
    return w


def _state(w: World) -> tuple[list[Any], list[Any], list[Any]]:
    with unit_of_work(w.factory) as s:
        entries = [
            (r.entry_key, r.state, r.dept_code, r.data, r.next_due_on, r.job_due_on,
             r.listing_record_id is not None, r.removal_record_id is not None)
            for r in s.scalars(select(ListEntry).order_by(ListEntry.entry_key))
        ]  # fmt: skip
        events = sorted(
            (k, e.event, e.on, e.state_after)
            for e, k in s.execute(
                select(ListEvent, ListEntry.entry_key).join(
                    ListEntry, ListEntry.id == ListEvent.entry_id
                )
            )
        )
        records = sorted(
            (r.category, r.dept_code, r.source_id, r.produced_on, sorted(r.fields.items()))
            for r in s.scalars(select(Record).where(Record.source_id.like("LST-%")))
        )
    return entries, events, records


def _run(w: World, day: date) -> dict[str, int]:
    with unit_of_work(w.factory) as s:
        return dict(run_daily(s, day, ctx=w.ctx, proposals_from=START).counts)


@pytest.fixture
def one_shot(settings: Settings, engine: Engine, tmp_path: Path) -> World:
    w = _province(settings, engine, tmp_path)
    _run(w, END)
    return w


def test_a_second_run_changes_nothing(one_shot: World) -> None:
    before = _state(one_shot)
    assert sum(_run(one_shot, END).values()) == 0
    assert _state(one_shot) == before


# 366 runs: SQLite only (the machines and the SQL are dialect-free).
@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_day_by_day_equals_one_run_at_the_end(
    one_shot: World, request: pytest.FixtureRequest, tmp_path: Path, db_kind: str
) -> None:
    where = tmp_path / "daily"
    where.mkdir()
    with fresh_store(request, "sqlite", where) as url:
        engine = make_engine(make_settings(url, where))
        try:
            w = _province(make_settings(url, where), engine, where)
            day = START
            while day <= END:
                _run(w, day)
                day += timedelta(days=1)
            got, want = _state(w), _state(one_shot)
            for a, b in zip(got, want, strict=True):
                assert [x for x in a if x not in b] == [x for x in b if x not in a]
            assert got == want
        finally:
            engine.dispose()


def test_what_the_year_did_follows_the_rules(one_shot: World) -> None:
    cal = one_shot.ctx.calendar
    with unit_of_work(one_shot.factory) as s:
        by_key = {r.entry_key: r for r in s.scalars(select(ListEntry))}

        def events(key: str) -> list[tuple[str, date]]:
            return [
                (e.event, e.on)
                for e in s.scalars(
                    select(ListEvent)
                    .where(ListEvent.entry_id == by_key[key].id)
                    .order_by(ListEvent.id)
                )
            ]

        # reason 4 listed 2021-03-15: reminder 60 days before 3 years, transfer at 3 years
        # with removal reason 6, and the legacy serious entry from that day, for 3 years
        moved = by_key[f"abn:{'AMR440300'}:L1"]
        assert (moved.state, moved.end_reason, moved.ended_on) == (
            "transferred", "6", date(2024, 3, 15),
        )  # fmt: skip
        assert ("reminder", date(2024, 3, 15) - timedelta(days=60)) in events(moved.entry_key)
        assert moved.removal_record_id is not None
        legacy = by_key[f"{moved.entry_key}/serious"]
        assert (legacy.state, legacy.reason_code, legacy.listed_on, legacy.expires_on) == (
            "published", "legacy_abnormal_3y", date(2024, 3, 15), date(2027, 3, 15),
        )  # fmt: skip
        assert legacy.in_force and legacy.listing_record_id is not None
        # the individual business is marked, never reminded nor transferred
        marked = by_key["abn:AMR440300:L20"]
        assert marked.state == "listed" and [e for e, _ in events(marked.entry_key)] == [
            "proposed", "list",
        ]  # fmt: skip
        # serious listing 2021-05-10 expires after 3 years, publicly
        expired = by_key["ser:AMR440300:S2"]
        assert (expired.state, expired.end_reason, expired.ended_on) == (
            "removed", "remove", date(2024, 5, 10),
        )  # fmt: skip
        assert not expired.repaired and expired.removal_record_id is not None
        # deregistered 2024-04-01: removal reason 7 that day
        gone = by_key["abn:AMR440300:L3"]
        assert (gone.state, gone.end_reason, gone.ended_on) == ("removed", "7", date(2024, 4, 1))
        # reason 1 for the active entities without a 2023 report, established by 2023
        r1 = sorted(k for k in by_key if k.startswith("abn:r1:"))
        assert r1 == sorted(f"abn:r1:{uscc(n)}:2023" for n in (4, 5))
        p = by_key[r1[0]]
        due = cal.add_working_days(date(2024, 6, 30), 10).due
        assert (p.state, p.next_due_on, p.dept_code) == ("proposed", due, "AMR440300")
        assert ("overdue", due) in events(p.entry_key)
        # reason 4 from the inspection with result 6, dated the inspection
        (r4,) = [r for k, r in by_key.items() if k.startswith("abn:insp:")]
        assert (r4.uscc, r4.reason_code, r4.state) == (uscc(7), "4", "proposed")
        assert events(r4.entry_key)[0] == ("propose", date(2024, 9, 10))


# The command is the same on both dialects: SQLite only.
@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_cli_runs_the_job_and_shows_a_subject(
    one_shot: World, db_url: str, tmp_path: Path, db_kind: str
) -> None:
    env = {"ENTCREDIT_DATABASE_URL": db_url, "ENTCREDIT_DATA_DIR": str(tmp_path)}
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["lists", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert "nothing due" in run("daily", "--as-of", END.isoformat())  # done already
    shown = json.loads(run("show", uscc(1), "--json"))
    assert [(e["list"], e["state"]) for e in shown] == [
        ("abnormal", "transferred"),
        ("serious", "published"),
    ]
    assert any("reminder" in ev for ev in shown[0]["events"])
    assert "on no list" in run("show", uscc(6))
