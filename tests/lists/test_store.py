"""The lists in the store: loaded decisions through the machine, the services (issue 4 items
1, 2), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from entcredit.lists import service
from entcredit.lists.abnormal import (
    DecideListing,
    DecideObjection,
    EntityKind,
    FileObjection,
    ListingReason,
    Propose,
    VerifyObjection,
)
from entcredit.lists.config import TransitionError
from entcredit.lists.models import ListEntry, ListEvent
from entcredit.lists.serious import (
    Approve,
    DecideSerious,
    FileStatement,
    PenaltyFacts,
    Publish,
    RepairFacts,
)
from entcredit.lists.store import entry_of, from_data, to_data
from entcredit.settings import Settings
from entcredit.store.db import unit_of_work
from entcredit.store.models import IngestRowIssue, Record
from tests.ingest.factories import uscc

from .world import (
    ABN_HEADER,
    CITY,
    COUNTY,
    PROVINCE,
    SER_HEADER,
    World,
    abn,
    ent,
    individual_uscc,
    make_world,
    ser,
)


@pytest.fixture
def world(settings: Settings, engine: Engine, tmp_path: Path) -> World:
    w = make_world(settings, engine, tmp_path)
    w.enterprises([ent(i) for i in range(1, 6)])
    return w


def _issues(w: World, batch_id: int | None) -> dict[int, tuple[str | None, str]]:
    with unit_of_work(w.factory) as s:
        return {
            i.row_no: (i.field, i.reason)
            for i in s.scalars(select(IngestRowIssue).where(IngestRowIssue.batch_id == batch_id))
        }


def test_a_loaded_listing_and_removal_go_through_the_machine(world: World) -> None:
    rep = world.load(
        "abnormal_list",
        ABN_HEADER,
        [abn("A1", 1, "2023-07-10", "list", "1"), abn("A2", 1, "2023-09-01", "remove", "1")],
    )
    assert (rep.rows_new, rep.rows_rejected) == (2, 0)
    with unit_of_work(world.factory) as s:
        (row,) = world.entries(s, uscc(1))
        assert (row.state, row.in_force, row.end_reason) == ("removed", False, "1")
        assert row.listed_on == date(2023, 7, 10) and row.ended_on == date(2023, 9, 1)
        assert row.dept_code == CITY and row.reason_code == "1" and not row.repaired
        listing, removal = (
            s.get(Record, row.listing_record_id),
            s.get(Record, row.removal_record_id),
        )
        assert listing is not None and listing.source_id == "A1"
        assert removal is not None and removal.source_id == "A2"
        events = s.scalars(select(ListEvent.event).where(ListEvent.entry_id == row.id)).all()
        assert events[-1] == "remove" and "list" in events
        # the stored data is the machine's entry, losslessly
        entry = entry_of(row)
        assert from_data("abnormal", to_data(entry)) == entry


def test_impossible_rows_are_rejected_naming_the_field(world: World) -> None:
    ind = individual_uscc(7)
    world.enterprises([ent(7, uscc=ind, entity_type="individual", name="某个体户")])
    rows = [
        abn("B1", 2, "2023-08-01", "remove", "1"),  # not listed
        abn("B2", 3, "2023-07-10", "list", "1"),
        abn("B3", 3, "2023-07-20", "list", "1"),  # listed twice for the same reason
        abn("B4", 3, "2023-08-01", "remove", "4"),  # 4 does not end a reason-1 listing
        abn("B5", ind, "2023-07-10", "mark", "4"),
        abn("B6", ind, "2026-07-11", "unmark", "6"),  # no transfer for individual businesses
        abn("B7", 4, "2023-07-10", "mark", "1"),  # enterprises are listed, not marked
        abn("B8", 3, "2023-08-01", "remove", "1"),
    ]
    rep = world.load("abnormal_list", ABN_HEADER, rows)
    assert (rep.rows_new, rep.rows_rejected) == (3, 5)
    issues = _issues(world, rep.batch_id)
    # CSV rows are numbered from 2 (the header is row 1)
    assert {n: f for n, (f, _) in issues.items()} == {
        2: "action",
        4: "reason_code",
        5: "reason_code",
        7: "reason_code",
        8: "action",
    }
    assert "not on the abnormal list" in issues[2][1]
    assert "already listed for reason 1" in issues[4][1]
    assert "individual businesses" in issues[7][1]
    with unit_of_work(world.factory) as s:
        assert [r.state for r in world.entries(s, uscc(3))] == ["removed"]
        assert [r.state for r in world.entries(s, ind)] == ["listed"]
        assert world.entries(s, uscc(2)) == []


def test_a_failed_batch_leaves_no_entry(world: World) -> None:
    def boom(_: int) -> None:
        raise RuntimeError("killed mid-batch")

    rows = [abn("C1", 1, "2023-07-10", "list", "1"), abn("C2", 2, "2023-07-10", "list", "1")]
    with pytest.raises(RuntimeError):
        world.load("abnormal_list", ABN_HEADER, rows, chunk_rows=1, progress=boom)
    with unit_of_work(world.factory) as s:
        assert s.scalar(select(func.count()).select_from(ListEntry)) == 0
        assert s.scalar(select(func.count()).select_from(ListEvent)) == 0
    # the same file loads whole afterwards
    assert world.load("abnormal_list", ABN_HEADER, rows).rows_new == 2


def test_serious_loaded_listing_and_early_removal(world: World) -> None:
    rep = world.load(
        "serious_list",
        SER_HEADER,
        [
            ser("S1", 1, "2022-03-01", "list", article="5", penalty_decision_no="P1"),
            ser("S2", 1, "2022-03-02", "list", article="5", penalty_decision_no="P1"),  # twice
            ser("S3", 1, "2022-12-01", "remove_early"),  # under a year
            ser("S4", 1, "2023-04-01", "remove_early"),
            ser("S5", 2, "2023-04-01", "remove"),  # not listed
        ],
    )
    assert (rep.rows_new, rep.rows_rejected) == (2, 3)
    issues = _issues(world, rep.batch_id)
    assert {n: f for n, (f, _) in issues.items()} == {3: "action", 4: "action", 6: "action"}
    assert "only after 1 year" in issues[4][1]
    with unit_of_work(world.factory) as s:
        (row,) = world.entries(s, uscc(1))
        assert (row.state, row.end_reason, row.repaired) == ("removed", "remove_early", True)
        assert row.removal_record_id is not None and row.listing_record_id is not None


def test_platform_decisions_publish_records(world: World) -> None:
    ctx = world.ctx
    with unit_of_work(world.factory) as s:
        p = Propose(uscc(4), EntityKind.ENTERPRISE, ListingReason.UNREACHABLE, date(2024, 3, 4),
                    "address verification V-1")  # fmt: skip
        service.propose_listing(s, "abn:t:4", p, dept_code=CITY, actor="user:a", ctx=ctx)
        with pytest.raises(TransitionError, match="decision number"):
            service.apply_event(
                s, "abn:t:4", DecideListing("", "x", date(2024, 3, 8)), actor="user:a",
                as_of=date(2024, 3, 8), ctx=ctx,
            )  # fmt: skip
        row = service.apply_event(
            s, "abn:t:4", DecideListing("深市监异〔2024〕9号", "深圳市市场监督管理局",
                                        date(2024, 3, 8)),
            actor="user:a", as_of=date(2024, 3, 8), ctx=ctx,
        )  # fmt: skip
        assert row.in_force and row.listing_record_id is not None
        rec = s.get(Record, row.listing_record_id)
        assert rec is not None and rec.category == "abnormal_list" and rec.dept_code == CITY
        assert rec.fields["action"] == "list" and rec.fields["reason_code"] == "4"
        assert rec.published_on is not None and rec.enterprise_id is not None
        got = service.in_force_entries(s, [uscc(4), uscc(5)], as_of=date(2024, 3, 9))
        assert [r.entry_key for r in got[uscc(4)]] == ["abn:t:4"] and got[uscc(5)] == []
        assert service.in_force_entries(s, [uscc(4)], as_of=date(2024, 3, 7))[uscc(4)] == []
        # credit repair: removal on repair, both records stay public
        row = service.remove_early(
            s, "abn:t:4", decision_no="深市监移异〔2024〕1号", actor="user:b",
            as_of=date(2024, 5, 6), ctx=ctx,
        )  # fmt: skip
        assert (row.state, row.end_reason, row.repaired) == ("removed", "4", False)
        assert row.removal_record_id is not None


def test_serious_procedure_with_approval_one_level_up(world: World) -> None:
    ctx = world.ctx
    facts = PenaltyFacts("P-9", date(2022, 2, 1), frozenset({"fine", "revoke_license"}),
                         domain="food", egregious=True)  # fmt: skip
    with unit_of_work(world.factory) as s:
        key = "ser:t:5"
        service.start_serious(s, key, uscc(5), facts, dept_code=COUNTY,
                              notice_on=date(2022, 2, 7), actor="dept:x", ctx=ctx)  # fmt: skip
        steps: list[service.Event] = [
            FileStatement(date(2022, 2, 9)),
            DecideSerious("南山严列1号", date(2022, 2, 21)),
            Approve(date(2022, 2, 25)),
            Publish(date(2022, 3, 1)),
        ]
        states = []
        for ev in steps:
            row = service.apply_event(s, key, ev, actor="dept:x", as_of=ev.as_of, ctx=ctx)
            states.append(row.state)
        assert states == ["notice", "awaiting_approval", "decided", "published"]
        assert row.in_force and row.listed_on == date(2022, 2, 25)
        assert row.expires_on == date(2025, 2, 25) and row.listing_record_id is not None
        rec = s.get(Record, row.listing_record_id)
        assert rec is not None and rec.fields["article"] == "5" and rec.dept_code == COUNTY
        with pytest.raises(TransitionError, match="obligations"):
            service.remove_early(
                s, key, decision_no="D", actor="dept:x", as_of=date(2023, 3, 1), ctx=ctx,
                facts=RepairFacts(False, True, False),
            )  # fmt: skip
        row = service.remove_early(
            s, key, decision_no="南山严移1号", actor="dept:x", as_of=date(2023, 3, 1), ctx=ctx
        )
        assert row.repaired and row.state == "removed" and row.removal_record_id is not None
        assert not row.in_force
    assert PROVINCE  # the province bureau exists (approval one level up of a city)


def test_an_upheld_objection_withdraws_the_listing_record(world: World) -> None:
    rep = world.load("abnormal_list", ABN_HEADER, [abn("O1", 2, "2024-02-01", "list", "3")])
    assert rep.rows_new == 1
    ctx, key = world.ctx, f"abn:{CITY}:O1"
    with unit_of_work(world.factory) as s:
        steps: list[service.Event] = [
            FileObjection(date(2024, 2, 5)),
            DecideObjection(True, date(2024, 2, 7)),
            VerifyObjection(True, date(2024, 2, 20)),
        ]
        for ev in steps:
            row = service.apply_event(s, key, ev, actor="user:a", as_of=ev.as_of, ctx=ctx)
        assert (row.state, row.in_force, row.end_reason) == ("withdrawn", False, "withdrawn")
        rec = s.get(Record, row.listing_record_id)
        assert rec is not None and rec.source_id == "O1" and rec.status == "withdrawn"
        assert row.removal_record_id is None


def test_a_repair_after_three_years_comes_too_late(world: World) -> None:
    # rules.md §3: removal on repair within 3 years; still listed at 3 years -> serious list
    rep = world.load(
        "abnormal_list",
        ABN_HEADER,
        [abn("T1", 5, "2020-07-06", "list", "1"), abn("T2", 5, "2023-08-01", "remove", "1")],
    )
    assert (rep.rows_new, rep.rows_rejected) == (1, 1)
    ((field, reason),) = _issues(world, rep.batch_id).values()
    assert field == "action" and "ended on 2023-07-06" in reason
    with unit_of_work(world.factory) as s:
        # a refused row changes nothing: the daily job makes the transfer
        (entry,) = world.entries(s, uscc(5))
        assert entry.state == "listed" and entry.expires_on == date(2023, 7, 6)
        assert service.in_force_entries(s, [uscc(5)], as_of=date(2023, 8, 1))[uscc(5)] == []


def test_a_corrected_decision_number_follows_and_a_changed_reason_is_refused(
    world: World,
) -> None:
    world.load("abnormal_list", ABN_HEADER, [abn("K1", 3, "2024-02-01", "list", "2")])
    rep = world.load(
        "abnormal_list",
        ABN_HEADER,
        [
            abn("K1", 3, "2024-02-01", "list", "2", no="深市监异〔2024〕7号（更正）"),
            abn("K1", 3, "2024-02-01", "list", "3", no="深市监异〔2024〕7号（更正）"),
        ],
    )
    assert (rep.rows_corrected, rep.rows_rejected) == (1, 1)
    ((field, reason),) = _issues(world, rep.batch_id).values()
    assert field == "reason_code" and "withdraw the record" in reason
    with unit_of_work(world.factory) as s:
        (row,) = world.entries(s, uscc(3))
        assert row.decision_no == "深市监异〔2024〕7号（更正）" and row.reason_code == "2"
