"""Serious illegal dishonest list, rules.md §4."""

from __future__ import annotations

from datetime import date

import pytest

from entcredit.core.calendar import WorkCalendar
from entcredit.lists.rules import (
    Approve,
    DecideSerious,
    DropListing,
    EffectKind,
    FileStatement,
    HoldHearing,
    ListRules,
    PenaltyFacts,
    Publish,
    RefuseApproval,
    RemovalKind,
    RemoveEarly,
    RemoveSerious,
    RepairFacts,
    SeriousEntry,
    SeriousEvent,
    SeriousState,
    TransitionError,
    advance_serious,
    apply_serious,
    early_removal_eligibility,
    expires_on,
    invariant_problems,
    listing_grounds,
    next_deadline,
    serious_from_decision,
    start_serious_listing,
)

from .conftest import CAL, RULES

PENALTY = PenaltyFacts(
    "P-1", date(2024, 3, 1), frozenset({"fine", "suspend_business"}), domain="food", egregious=True
)
FIT = RepairFacts(obligations_fulfilled=True, harm_remedied=True, new_heavier_penalty=False)


def noticed(level: str = "county", rules: ListRules = RULES) -> SeriousEntry:
    entry, _ = start_serious_listing(
        "s1",
        "E1",
        PENALTY,
        authority="Futian AMR",
        authority_level=level,
        notice_on=date(2024, 3, 4),
        rules=rules,
        calendar=CAL,
    )
    return entry


def run(entry: SeriousEntry, *events: SeriousEvent, rules: ListRules = RULES) -> SeriousEntry:
    for ev in events:
        entry, _ = apply_serious(entry, ev, rules, CAL)
        assert invariant_problems(entry, rules, CAL) == []
    return entry


def published(on: date = date(2024, 3, 20)) -> SeriousEntry:
    return serious_from_decision(
        "s2", "E1", article="5", decision_no="L-1", authority="AMR", authority_level="city",
        listed_on=on,
    )  # fmt: skip


# -- criteria -------------------------------------------------------------------------------


def test_listing_needs_article_heavier_penalty_and_weighing() -> None:
    # rules.md §4: arts. 5-10 and a heavier penalty and art. 12 egregious.
    g = listing_grounds(PENALTY)
    assert g.listable and g.article == "5"
    fine_only = PenaltyFacts(
        "P", date(2024, 1, 1), frozenset({"fine"}), article="8", egregious=True
    )
    assert not listing_grounds(fine_only).listable
    assert "not a heavier penalty" in listing_grounds(fine_only).reasons[0]
    aggravated = PenaltyFacts(
        "P", date(2024, 1, 1), frozenset({"fine"}), article="8", heavier=True, egregious=True
    )
    assert listing_grounds(aggravated).listable  # an aggravated fine shows only by the flag
    other = PenaltyFacts(
        "P", date(2024, 1, 1), frozenset({"close"}), domain="other", egregious=True
    )
    assert listing_grounds(other).reasons[0].startswith("no violation under Order 44 arts. 5-10")
    mild = PenaltyFacts("P", date(2024, 1, 1), frozenset({"close"}), article="10")
    assert "egregious" in listing_grounds(mild).reasons[0]


def test_not_listable_penalty_cannot_be_noticed() -> None:
    with pytest.raises(TransitionError, match="not a heavier penalty"):
        start_serious_listing(
            "s", "E", PenaltyFacts("P", date(2024, 1, 1), frozenset({"warning"}), article="5",
                                   egregious=True),
            authority="A", authority_level="county", notice_on=date(2024, 1, 2), rules=RULES,
            calendar=CAL,
        )  # fmt: skip


# -- procedure ------------------------------------------------------------------------------


def test_decision_waits_for_the_statement_window(cal: WorkCalendar) -> None:
    # rules.md §4 [practice]: notice with the right to a statement and a hearing, then decision.
    entry = noticed()
    window_end = cal.add_working_days(date(2024, 3, 4), 5).due  # 2024-03-11
    with pytest.raises(TransitionError, match="may still make a statement until 2024-03-11"):
        run(entry, DecideSerious("L-1", window_end))
    decided = run(entry, DecideSerious("L-1", date(2024, 3, 12)))
    assert decided.state is SeriousState.AWAITING_APPROVAL  # a county bureau's listing
    # after a statement the decision need not wait for the window's end
    assert run(
        entry, FileStatement(date(2024, 3, 5)), DecideSerious("L", date(2024, 3, 6))
    ).decision_no


def test_statement_after_the_window_is_refused() -> None:
    with pytest.raises(TransitionError, match="statement window closed on 2024-03-11"):
        run(noticed(), FileStatement(date(2024, 3, 12)))


def test_requested_hearing_must_be_held_before_the_decision() -> None:
    entry = run(noticed(), FileStatement(date(2024, 3, 5), hearing_requested=True))
    assert entry.state is SeriousState.HEARING
    with pytest.raises(TransitionError, match="hearing has not been held"):
        run(entry, DecideSerious("L-1", date(2024, 3, 20)))
    entry = run(entry, HoldHearing(date(2024, 3, 20)), DecideSerious("L-1", date(2024, 3, 21)))
    assert entry.state is SeriousState.AWAITING_APPROVAL


def test_county_listing_is_approved_one_level_up_then_published(cal: WorkCalendar) -> None:
    # rules.md §4 [law]: a county/city bureau's listing is approved by the bureau one level up.
    entry = run(noticed(), DecideSerious("L-1", date(2024, 3, 12)))
    nxt = next_deadline(entry, RULES, cal)
    assert nxt is not None and nxt.what == "approval" and entry.listed_on is None
    with pytest.raises(TransitionError, match="only a final decision is published"):
        run(entry, Publish(date(2024, 3, 13)))
    entry = run(entry, Approve(date(2024, 3, 15)))
    assert entry.state is SeriousState.DECIDED and entry.listed_on == date(2024, 3, 15)
    nxt = next_deadline(entry, RULES, cal)
    assert nxt is not None and nxt.due == cal.add_working_days(date(2024, 3, 15), 20).due
    entry = run(entry, Publish(date(2024, 3, 18)))
    assert entry.state is SeriousState.PUBLISHED and entry.listing_public
    assert expires_on(entry, RULES) == date(2027, 3, 15)


def test_province_listing_or_approval_off_needs_no_approval() -> None:
    assert (
        run(noticed("province"), DecideSerious("L", date(2024, 3, 12))).state
        is SeriousState.DECIDED
    )
    off = ListRules(approval_one_level_up=False)
    entry = run(noticed(rules=off), DecideSerious("L", date(2024, 3, 12)), rules=off)
    assert entry.state is SeriousState.DECIDED
    with pytest.raises(TransitionError, match="only a county/city decision awaits approval"):
        run(entry, Approve(date(2024, 3, 13)), rules=off)


def test_refused_approval_or_dropped_intent_ends_without_listing() -> None:
    a = run(
        noticed(), DecideSerious("L", date(2024, 3, 12)), RefuseApproval(date(2024, 3, 13), "x")
    )
    b = run(noticed(), DropListing(date(2024, 3, 6), "statement convinced"))
    assert a.state is b.state is SeriousState.DROPPED
    assert not a.listing_public and next_deadline(b, RULES, CAL) is None
    with pytest.raises(TransitionError, match="state 'dropped'"):
        run(b, Publish(date(2024, 3, 7)))


# -- duration and removal -------------------------------------------------------------------


def test_expiry_after_3_years_is_dated_when_due(cal: WorkCalendar) -> None:
    # rules.md §4: 3 years, then automatic removal.
    entry = published()
    assert advance_serious(entry, date(2027, 3, 19), RULES, cal) == (entry, ())
    gone, effects = advance_serious(entry, date(2027, 6, 1), RULES, cal)
    assert gone.state is SeriousState.REMOVED and gone.removal_kind is RemovalKind.EXPIRED
    assert gone.removed_on == date(2027, 3, 20) and gone.listing_public and gone.removal_public
    assert [(e.kind, e.on) for e in effects] == [(EffectKind.EXPIRED, date(2027, 3, 20))]
    # the loaded removal decision only adds its number
    numbered, _ = apply_serious(gone, RemoveSerious(date(2027, 6, 2), "X-1"), RULES, cal)
    assert numbered.removal_decision_no == "X-1"


def test_a_longer_ban_runs_its_full_length() -> None:
    # rules.md §4: longer statutory bans run their full length.
    entry = serious_from_decision(
        "s", "E", article="7", decision_no="L", authority="A", authority_level="province",
        listed_on=date(2024, 1, 10), ban_until=date(2029, 1, 9),
    )  # fmt: skip
    assert expires_on(entry, RULES) == date(2029, 1, 9)


def test_remove_before_expiry_is_refused() -> None:
    with pytest.raises(
        TransitionError, match="runs until 2027-03-20; before then only remove_early"
    ):
        run(published(), RemoveSerious(date(2026, 1, 1), "X"))


def test_early_removal_after_one_year_hides_everything() -> None:
    # rules.md §4: early removal after at least 1 year; afterwards nothing of it is public.
    entry = published()
    with pytest.raises(TransitionError, match="early removal only after 1 year"):
        run(entry, RemoveEarly(date(2025, 3, 19), "E-1", FIT))
    gone = run(entry, RemoveEarly(date(2025, 3, 20), "E-1", FIT))
    assert gone.state is SeriousState.REMOVED and gone.removal_kind is RemovalKind.EARLY
    assert not gone.listing_public and not gone.removal_public


def test_early_removal_eligibility_lists_every_missing_condition() -> None:
    entry = published()
    verdict = early_removal_eligibility(
        entry,
        RepairFacts(False, False, True, ban_until=date(2026, 1, 1)),
        date(2025, 6, 1),
        RULES,
    )
    assert not verdict.eligible and verdict.earliest_on == date(2025, 3, 20)
    assert verdict.reasons == (
        "the penalty's obligations are not fulfilled",
        "the harm is not remedied",
        "a new heavier penalty was imposed since the listing",
        "a statutory ban runs until 2026-01-01",
    )
    assert early_removal_eligibility(entry, FIT, date(2025, 6, 1), RULES).eligible
    # the ban's last day still counts as running
    assert not early_removal_eligibility(
        entry, RepairFacts(True, True, False, date(2025, 6, 1)), date(2025, 6, 1), RULES
    ).eligible
