"""The daily job through a year of a synthetic province (issue 4, "done when"): listings,
reminders, transfers and expiries as rules.md §§3-4 say, and quarterly runs reaching the state
of one run at the end."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from entcredit.ingest.context import IngestContext
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.service import load_path
from entcredit.lists.abnormal import AbnormalEntry
from entcredit.lists.config import add_years
from entcredit.lists.daily import run_daily
from entcredit.lists.models import ListEntry, ListEvent
from entcredit.lists.rules import invariant_problems
from entcredit.lists.store import ListsContext, entry_of
from entcredit.store.db import make_engine, make_session_factory, unit_of_work
from entcredit.store.models import Enterprise
from entcredit.synth import generate
from tests.conftest import fresh_store, make_settings

FROM, TO = date(2024, 7, 1), date(2025, 6, 30)


def _load(url: str, where: Path, province: Path) -> None:
    settings = make_settings(url, where)
    engine = make_engine(settings)
    ctx = IngestContext.from_settings(settings)
    factory = make_session_factory(engine)
    manifest = json.loads((province / "manifest.json").read_text("utf-8"))
    for e in manifest["files"]:
        load_path(
            factory,
            ctx,
            province / e["name"],
            LoadOptions(
                category=e["category"],
                dept_code=e["dept_code"],
                received_on=date.fromisoformat(e["received_on"]),
            ),
        )
    engine.dispose()


def _run(url: str, where: Path, days: list[date]) -> list[tuple[Any, ...]]:
    settings = make_settings(url, where)
    engine = make_engine(settings)
    ctx = ListsContext.from_settings(settings)
    factory = make_session_factory(engine)
    for day in days:
        with unit_of_work(factory) as s:
            run_daily(s, day, ctx=ctx, proposals_from=FROM - timedelta(days=1))
    with unit_of_work(factory) as s:
        state = [
            (r.entry_key, r.state, r.data, r.job_due_on)
            for r in s.scalars(select(ListEntry).order_by(ListEntry.entry_key))
        ]
    engine.dispose()
    return state


@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_a_year_of_the_synthetic_province(
    request: pytest.FixtureRequest, tmp_path: Path, db_kind: str
) -> None:
    province = tmp_path / "province"
    generate(province, scale=0.0001, seed=7, start=date(2021, 1, 1), end=FROM - timedelta(days=1))
    with fresh_store(request, db_kind, tmp_path) as url:
        _load(url, tmp_path, province)
        monthly_db = tmp_path / "monthly.db"
        shutil.copy(url.removeprefix("sqlite:///"), monthly_db)
        one_shot = _run(url, tmp_path, [TO])
        quarters = [date(2024, 9, 30), date(2024, 12, 31), date(2025, 3, 31)]
        monthly = _run(f"sqlite:///{monthly_db}", tmp_path, [*quarters, TO])
        assert monthly == one_shot

        settings = make_settings(url, tmp_path)
        engine = make_engine(settings)
        ctx = ListsContext.from_settings(settings)
        try:
            with unit_of_work(make_session_factory(engine)) as s:
                _check_rules(s, ctx)
        finally:
            engine.dispose()


def _check_rules(s: Any, ctx: ListsContext) -> None:
    rules, cal = ctx.rules, ctx.calendar
    rows = list(s.scalars(select(ListEntry)))
    by_key = {r.entry_key: r for r in rows}
    kinds = dict(s.execute(select(Enterprise.uscc, Enterprise.entity_type)).all())
    gone = set(
        s.scalars(select(Enterprise.uscc).where(Enterprise.status.in_(("revoked", "deregistered"))))
    )
    events: dict[int, list[tuple[str, date]]] = {}
    for e in s.scalars(select(ListEvent).order_by(ListEvent.id)):
        events.setdefault(e.entry_id, []).append((e.event, e.on))
    seen = {"transferred": 0, "reminder": 0, "expired": 0, "proposed": 0, "reason_7": 0}
    for r in rows:
        entry = entry_of(r)
        assert invariant_problems(entry, rules, cal) == [], r.entry_key
        if isinstance(entry, AbnormalEntry) and entry.listed_on is not None:
            anniversary = add_years(entry.listed_on, rules.abnormal_years_to_transfer)
            reminder = anniversary - timedelta(days=rules.reminder_window_days)
            if r.state == "transferred":
                seen["transferred"] += 1
                assert kinds.get(r.uscc) != "individual"
                assert r.end_reason == "6" and r.ended_on is not None
                assert r.ended_on >= anniversary
                assert by_key[f"{r.entry_key}/serious"].listed_on == r.ended_on
            if reminder <= TO and r.state in ("listed", "transferred") and entry.escalates:
                assert ("reminder", reminder) in events[r.id], r.entry_key
                seen["reminder"] += 1
            if r.in_force and entry.escalates:
                assert anniversary > TO  # nobody stays listed past 3 years
        if r.list_kind == "serious" and r.end_reason == "remove":
            seen["expired"] += 1
            assert r.ended_on == r.expires_on or r.ended_on == entry.state_since
        if r.list_kind == "serious" and r.in_force:
            assert r.expires_on is not None and r.expires_on > TO
        if r.entry_key.startswith("abn:r1:"):
            seen["proposed"] += 1
            year = int(r.entry_key.rsplit(":", 1)[1])
            assert (
                r.reason_code == "1"
                and r.data["proposed_on"]
                == (rules.annual_report_deadline(year) + timedelta(days=1)).isoformat()
            )
        if r.end_reason == "7":
            seen["reason_7"] += 1
        if r.uscc in gone and r.list_kind == "abnormal":
            assert not r.in_force
    # the year produced every kind of change
    assert all(seen.values()), seen
