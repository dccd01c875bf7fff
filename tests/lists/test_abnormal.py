"""Abnormal operations list and abnormal marks, rules.md §3."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from entcredit.core.calendar import WorkCalendar
from entcredit.lists.rules import (
    AbnormalEntry,
    AbnormalEvent,
    AbnormalState,
    DecideListing,
    DecideObjection,
    DecideRemoval,
    DeregisteredOrRevoked,
    DismissProposal,
    EffectKind,
    EntityKind,
    EntitySnapshot,
    FileObjection,
    ListingReason,
    ListRules,
    Propose,
    RefuseRemoval,
    RemovalReason,
    RequestRemoval,
    TransitionError,
    VerifyObjection,
    advance_abnormal,
    annual_report_proposals,
    apply_abnormal,
    apply_repair,
    invariant_problems,
    next_deadline,
    proposal_from_address_verification,
    proposal_from_inspection,
    propose,
)

from .conftest import CAL, RULES

ENT = "91440300715267260X"


def proposed(
    kind: EntityKind = EntityKind.ENTERPRISE,
    reason: ListingReason = ListingReason.UNREACHABLE,
    on: date = date(2024, 3, 1),
) -> AbnormalEntry:
    entry, _ = propose("a1", Propose(ENT, kind, reason, on, "inspection T-1"), RULES, CAL)
    return entry


def listed(
    kind: EntityKind = EntityKind.ENTERPRISE,
    reason: ListingReason = ListingReason.UNREACHABLE,
    on: date = date(2024, 3, 1),
) -> AbnormalEntry:
    entry = proposed(kind, reason, on)
    return run(entry, DecideListing("D-1", "Futian AMR", on + timedelta(days=3)))


def run(entry: AbnormalEntry, *events: AbnormalEvent) -> AbnormalEntry:
    for ev in events:
        entry, _ = apply_abnormal(entry, ev, RULES, CAL)
        assert invariant_problems(entry, RULES, CAL) == []
    return entry


# -- proposals ------------------------------------------------------------------------------


def test_reason1_decision_due_10_working_days_after_30_june(cal: WorkCalendar) -> None:
    # rules.md §3: reason 1, listing decided within 10 working days after 30 June.
    entities = [
        EntitySnapshot("E1", EntityKind.ENTERPRISE, "active", date(2023, 5, 1)),
        EntitySnapshot("E2", EntityKind.COOPERATIVE, "active", date(2023, 12, 31)),
        EntitySnapshot("I1", EntityKind.INDIVIDUAL, "active", date(2020, 1, 1)),
        EntitySnapshot("E3", EntityKind.ENTERPRISE, "active", date(2024, 1, 1)),  # too new
        EntitySnapshot("E4", EntityKind.ENTERPRISE, "deregistered", date(2020, 1, 1)),
        EntitySnapshot("E5", EntityKind.ENTERPRISE, "active", date(2020, 1, 1)),  # filed
        EntitySnapshot("E6", EntityKind.ENTERPRISE, "active", date(2020, 1, 1)),  # open already
    ]
    reports = {2023: {"E5"}}
    props = annual_report_proposals(
        entities, reports, 2023, date(2024, 7, 1), RULES, already_open={"E6"}
    )
    assert [p.subject for p in props] == ["E1", "E2", "I1"]
    entry, effects = propose("x", props[0], RULES, cal)
    nxt = next_deadline(entry, RULES, cal)
    assert nxt is not None and nxt.what == "listing_decision"
    assert nxt.due == date(2024, 7, 12)  # 30 June 2024 is a Sunday: 1-12 July, 10 working days
    assert effects[0].kind is EffectKind.PROPOSED and effects[0].deadline == nxt


def test_no_reason1_proposal_until_30_june_has_passed() -> None:
    entities = [EntitySnapshot("E1", EntityKind.ENTERPRISE, "active", date(2023, 5, 1))]
    assert annual_report_proposals(entities, {}, 2023, date(2024, 6, 30), RULES) == []


def test_inspection_result_6_proposes_reason_4() -> None:
    # rules.md §7 / §3: result 6 (cannot be reached at the registered address) -> reason 4.
    p = proposal_from_inspection("6", ENT, EntityKind.ENTERPRISE, date(2024, 5, 6), "T-9")
    assert p is not None and p.reason is ListingReason.UNREACHABLE and p.as_of == date(2024, 5, 6)
    assert proposal_from_inspection("1", ENT, EntityKind.ENTERPRISE, date(2024, 5, 6), "T") is None


def test_confirmed_address_verification_proposes_reason_4() -> None:
    p = proposal_from_address_verification(True, ENT, EntityKind.INDIVIDUAL, date(2024, 5, 6), "V")
    assert p is not None and p.reason is ListingReason.UNREACHABLE
    assert (
        proposal_from_address_verification(False, ENT, EntityKind.INDIVIDUAL, date(2024, 5, 6), "V")
        is None
    )


def test_reasons_2_to_4_decided_10_working_days_after_confirmation(cal: WorkCalendar) -> None:
    entry = proposed(reason=ListingReason.FALSE_INFO, on=date(2024, 9, 27))
    nxt = next_deadline(entry, RULES, cal)
    # make-up Sunday 29 Sep, 30 Sep, National Day off 1-7 Oct, 8-11, make-up Saturday 12, 14-16
    assert nxt is not None and nxt.due == cal.add_working_days(date(2024, 9, 27), 10).due
    assert nxt.due == date(2024, 10, 16)


def test_individual_businesses_are_marked_for_reasons_1_and_4_only() -> None:
    # rules.md §3: individual businesses are marked for reasons 1 and 4.
    assert listed(EntityKind.INDIVIDUAL, ListingReason.ANNUAL_REPORT).action == "mark"
    with pytest.raises(TransitionError, match="reasons 1 and 4 only, not 3"):
        proposed(EntityKind.INDIVIDUAL, ListingReason.FALSE_INFO)


# -- listing decision -----------------------------------------------------------------------


def test_decide_listing_needs_number_and_authority() -> None:
    entry = listed()
    assert entry.state is AbnormalState.LISTED and entry.listed_on == date(2024, 3, 4)
    with pytest.raises(TransitionError, match="decision number and deciding authority"):
        run(proposed(), DecideListing("", "Futian AMR", date(2024, 3, 4)))
    with pytest.raises(TransitionError, match=r"state 'listed'.*only a proposal can be decided"):
        run(entry, DecideListing("D-2", "Futian AMR", date(2024, 3, 5)))


def test_overdue_listing_decision_is_reported_once(cal: WorkCalendar) -> None:
    entry = proposed(reason=ListingReason.FALSE_INFO, on=date(2024, 9, 27))
    same, effects = advance_abnormal(entry, date(2024, 10, 16), RULES, cal)
    assert effects == () and same == entry  # due that day: not overdue yet
    late, effects = advance_abnormal(entry, date(2024, 10, 17), RULES, cal)
    assert [e.kind for e in effects] == [EffectKind.OVERDUE]
    assert effects[0].on == date(2024, 10, 16) and effects[0].detail == "listing_decision"
    assert advance_abnormal(late, date(2024, 11, 1), RULES, cal) == (late, ())


def test_dismiss_a_proposal() -> None:
    entry = run(proposed(), DismissProposal(date(2024, 3, 2), "report filed late"))
    assert entry.state is AbnormalState.WITHDRAWN and entry.end_note == "report filed late"
    with pytest.raises(TransitionError, match="only a proposal can be dismissed"):
        run(listed(), DismissProposal(date(2024, 3, 5), "x"))


def test_events_cannot_be_dated_before_the_last_change() -> None:
    with pytest.raises(TransitionError, match="before the last change on 2024-03-04"):
        run(listed(), RequestRemoval(date(2024, 3, 3)))


# -- removal on repair ----------------------------------------------------------------------


def test_removal_on_repair_decided_within_5_working_days(cal: WorkCalendar) -> None:
    # rules.md §3: removal decision within 5 working days of the application.
    entry = run(listed(), apply_repair(date(2024, 4, 1)))
    assert entry.state is AbnormalState.REMOVAL_PENDING
    nxt = next_deadline(entry, RULES, cal)
    assert nxt is not None and nxt.due == date(
        2024, 4, 9
    )  # 4-5 April Qingming off, 7 April a make-up day
    done = run(entry, DecideRemoval(RemovalReason.RECONTACTED, "R-1", date(2024, 4, 3)))
    assert done.state is AbnormalState.REMOVED and done.removal_reason is RemovalReason.RECONTACTED
    assert next_deadline(done, RULES, cal) is None


def test_removal_reason_must_repair_the_listing_reason() -> None:
    # rules.md §3: removal reasons 1-4 mirror the listing reasons, 5 re-contact.
    entry = listed(reason=ListingReason.ANNUAL_REPORT)
    with pytest.raises(TransitionError, match="removal reason 5 does not repair listing reason 1"):
        run(entry, DecideRemoval(RemovalReason.RECONTACTED, "R", date(2024, 4, 1)))
    ok = run(entry, DecideRemoval(RemovalReason.ANNUAL_REPORT_FILED, "R", date(2024, 4, 1)))
    assert ok.state is AbnormalState.REMOVED


def test_reason_6_is_never_a_decision_on_a_listed_entry() -> None:
    with pytest.raises(TransitionError, match="reason 6 is the transfer at 3 years"):
        run(listed(), DecideRemoval(RemovalReason.TRANSFERRED, "R", date(2024, 4, 1)))


def test_refused_removal_returns_to_the_list() -> None:
    entry = run(listed(), RequestRemoval(date(2024, 4, 1)), RefuseRemoval(date(2024, 4, 2), "no"))
    assert entry.state is AbnormalState.LISTED
    with pytest.raises(TransitionError, match="no removal application is pending"):
        run(entry, RefuseRemoval(date(2024, 4, 3), "no"))


def test_repair_after_3_years_is_too_late() -> None:
    # rules.md §3: removal on repair within 3 years of listing; then the transfer.
    entry = listed(on=date(2021, 3, 1))
    with pytest.raises(TransitionError, match=r"state 'transferred'.*ended on 2024-03-04"):
        run(entry, RequestRemoval(date(2024, 3, 5)))
    ok = run(entry, RequestRemoval(date(2024, 3, 1)))
    assert ok.state is AbnormalState.REMOVAL_PENDING


# -- objections -----------------------------------------------------------------------------


def test_objection_accepted_then_upheld_withdraws_the_listing(cal: WorkCalendar) -> None:
    # rules.md §3: accept or reject within 5 working days, verify within 20 working days.
    entry = run(listed(), FileObjection(date(2024, 3, 11)))
    nxt = next_deadline(entry, RULES, cal)
    assert nxt is not None and nxt.what == "objection_acceptance"
    assert nxt.due == cal.add_working_days(date(2024, 3, 11), 5).due
    entry = run(entry, DecideObjection(True, date(2024, 3, 12)))
    nxt = next_deadline(entry, RULES, cal)
    assert nxt is not None and nxt.what == "objection_verification"
    assert nxt.due == cal.add_working_days(date(2024, 3, 12), 20).due
    entry = run(entry, VerifyObjection(True, date(2024, 3, 20)))
    assert entry.state is AbnormalState.WITHDRAWN and entry.end_note == "objection upheld"


def test_objection_rejected_or_dismissed_leaves_the_listing() -> None:
    a = run(listed(), FileObjection(date(2024, 3, 11)), DecideObjection(False, date(2024, 3, 12)))
    b = run(
        listed(),
        FileObjection(date(2024, 3, 11)),
        DecideObjection(True, date(2024, 3, 12)),
        VerifyObjection(False, date(2024, 3, 13)),
    )
    assert a.state is b.state is AbnormalState.LISTED


def test_removal_waits_for_a_pending_objection() -> None:
    entry = run(listed(), FileObjection(date(2024, 3, 11)))
    with pytest.raises(TransitionError, match="decide the pending objection first"):
        run(entry, DecideRemoval(RemovalReason.RECONTACTED, "R", date(2024, 3, 12)))
    with pytest.raises(TransitionError, match="no accepted objection is being verified"):
        run(entry, VerifyObjection(True, date(2024, 3, 12)))


def test_individual_business_objects_within_30_days() -> None:
    # rules.md §3: an individual business objects within 30 days of publicity.
    entry = listed(EntityKind.INDIVIDUAL)  # marked on 2024-03-04
    assert run(entry, FileObjection(date(2024, 4, 3))).state is AbnormalState.OBJECTION_FILED
    with pytest.raises(TransitionError, match="within 30 days of publicity on 2024-03-04"):
        run(entry, FileObjection(date(2024, 4, 4)))


# -- deregistration, reminder, transfer -----------------------------------------------------


def test_deregistration_removes_with_reason_7() -> None:
    entry = run(listed(), DeregisteredOrRevoked(date(2024, 5, 1), "C-1"))
    assert entry.removal_reason is RemovalReason.DEREGISTERED_OR_REVOKED
    assert entry.ended_on == date(2024, 5, 1)
    before = run(proposed(), DeregisteredOrRevoked(date(2024, 3, 2)))
    assert before.state is AbnormalState.WITHDRAWN
    with pytest.raises(TransitionError, match="state 'removed'"):
        run(entry, DeregisteredOrRevoked(date(2024, 5, 2)))


def test_reminder_in_the_60_days_before_3_years(cal: WorkCalendar) -> None:
    # rules.md §3: reminder notice within the 60 days before the anniversary.
    entry = listed(on=date(2021, 6, 1))  # listed 2021-06-04, anniversary 2024-06-04
    nxt = next_deadline(entry, RULES, cal)
    assert nxt is not None and (nxt.what, nxt.due) == ("reminder", date(2024, 4, 5))
    assert advance_abnormal(entry, date(2024, 4, 4), RULES, cal) == (entry, ())
    sent, effects = advance_abnormal(entry, date(2024, 4, 5), RULES, cal)
    assert [(e.kind, e.on) for e in effects] == [(EffectKind.REMINDER, date(2024, 4, 5))]
    nxt = next_deadline(sent, RULES, cal)
    assert nxt is not None and (nxt.what, nxt.due) == ("transfer", date(2024, 6, 4))


def test_transfer_at_3_years_with_reason_6(cal: WorkCalendar) -> None:
    # rules.md §3: still listed at 3 years -> serious list, removal reason 6.
    entry = listed(on=date(2021, 6, 1))
    moved, effects = advance_abnormal(entry, date(2024, 8, 1), RULES, cal)
    assert moved.state is AbnormalState.TRANSFERRED
    assert moved.removal_reason is RemovalReason.TRANSFERRED
    assert moved.ended_on == date(2024, 6, 4)  # the day it fell due, not the day of the run
    kinds = [e.kind for e in effects]
    assert kinds == [EffectKind.REMINDER, EffectKind.TRANSFERRED]
    transfer = effects[1]
    assert transfer.related_id == "a1/serious" and transfer.deadline is not None
    assert transfer.deadline.due == cal.add_working_days(date(2024, 6, 4), 10).due
    # The transfer decision loaded later only adds its number.
    numbered, extra = apply_abnormal(
        moved, DecideRemoval(RemovalReason.TRANSFERRED, "T-1", date(2024, 8, 2)), RULES, cal
    )
    assert numbered.removal_decision_no == "T-1" and extra == ()


def test_individual_marks_never_escalate(cal: WorkCalendar) -> None:
    # rules.md §3: the 3-year escalation does not apply to individual businesses.
    entry = listed(EntityKind.INDIVIDUAL, on=date(2020, 1, 2))
    assert next_deadline(entry, RULES, cal) is None
    after, effects = advance_abnormal(entry, date(2026, 12, 31), RULES, cal)
    assert after == entry and effects == ()


def test_pending_repair_at_the_anniversary_holds_the_transfer(cal: WorkCalendar) -> None:
    entry = run(listed(on=date(2021, 6, 1)), RequestRemoval(date(2024, 6, 3)))
    held, _ = advance_abnormal(entry, date(2024, 6, 20), RULES, cal)
    assert held.state is AbnormalState.REMOVAL_PENDING
    refused = run(held, RefuseRemoval(date(2024, 6, 21), "not reachable"))
    nxt = next_deadline(refused, RULES, cal)
    assert nxt is not None and (nxt.what, nxt.due) == ("transfer", date(2024, 6, 21))
    moved, _ = advance_abnormal(refused, date(2024, 6, 21), RULES, cal)
    assert moved.state is AbnormalState.TRANSFERRED and moved.ended_on == date(2024, 6, 21)


def test_configured_rules_change_the_deadlines(cal: WorkCalendar) -> None:
    rules = ListRules(removal_decision_wd=2, individual_objection_days=10)
    entry = listed()
    entry, _ = apply_abnormal(entry, RequestRemoval(date(2024, 4, 1)), rules, cal)
    nxt = next_deadline(entry, rules, cal)
    assert nxt is not None and nxt.due == date(2024, 4, 3)
