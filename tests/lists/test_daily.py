"""The daily job's core, ``apply_due`` (issue 4 item 6; architecture principle 3)."""

from __future__ import annotations

from datetime import date

from entcredit.core.calendar import WorkCalendar, YearDays
from entcredit.lists.rules import (
    AbnormalEntry,
    AbnormalState,
    DecideListing,
    EffectKind,
    EntityKind,
    ListingReason,
    Propose,
    SeriousEntry,
    SeriousState,
    apply_abnormal,
    apply_due,
    next_deadline,
    propose,
    provisional_deadlines,
    serious_entry_for_transfer,
)

from .conftest import CAL, RULES


def test_transfer_creates_the_legacy_serious_entry_once() -> None:
    entry, _ = propose(
        "a1", Propose("E1", EntityKind.ENTERPRISE, ListingReason.UNREACHABLE, date(2021, 5, 6),
                      "T"), RULES, CAL,
    )  # fmt: skip
    entry, _ = apply_abnormal(entry, DecideListing("D", "AMR", date(2021, 5, 10)), RULES, CAL)
    entries, effects = apply_due([entry], date(2024, 5, 20), RULES, CAL)
    moved, created = entries
    assert isinstance(moved, AbnormalEntry) and isinstance(created, SeriousEntry)
    assert moved.state is AbnormalState.TRANSFERRED
    assert created == serious_entry_for_transfer(moved)
    assert created.state is SeriousState.PUBLISHED and created.article == "legacy_abnormal_3y"
    assert created.listed_on == date(2024, 5, 10) and created.source_entry_id == "a1"
    assert [e.kind for e in effects] == [EffectKind.REMINDER, EffectKind.TRANSFERRED]
    # twice for the same date, or later: nothing new
    assert apply_due(entries, date(2024, 5, 20), RULES, CAL) == (entries, ())
    later, _ = apply_due(entries, date(2024, 9, 1), RULES, CAL)
    assert [e.entry_id for e in later] == ["a1", "a1/serious"]


def test_provisional_deadlines_are_surfaced_and_recomputed() -> None:
    # rules.md §1: a deadline reaching into an uncovered year is marked provisional.
    last = max(CAL.covered_years)
    late = date(last, 12, 24)
    entry, effects = propose(
        "a1", Propose("E1", EntityKind.ENTERPRISE, ListingReason.FALSE_INFO, late, "check"),
        RULES, CAL,
    )  # fmt: skip
    assert effects[0].deadline is not None and effects[0].deadline.provisional
    assert [i for i, _ in provisional_deadlines([entry], RULES, CAL)] == ["a1"]
    # once the year is added the same entry's deadline is exact
    next_year = last + 1
    extended = WorkCalendar({next_year: YearDays(frozenset({date(next_year, 1, 1)}), frozenset())})
    nxt = next_deadline(entry, RULES, extended)
    assert nxt is not None and not nxt.provisional
    assert provisional_deadlines([entry], RULES, extended) == []
    # an overdue report carries the flag too
    _, overdue = apply_due([entry], date(next_year, 3, 1), RULES, CAL)
    assert overdue[0].kind is EffectKind.OVERDUE and overdue[0].deadline is not None
    assert overdue[0].deadline.provisional
