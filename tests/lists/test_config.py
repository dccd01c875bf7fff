from __future__ import annotations

from datetime import date

import pytest

from entcredit.lists.config import ListRules, TransitionError, add_years


def test_defaults_are_the_rules_md_values() -> None:
    r = ListRules()
    # rules.md §3
    assert (r.reason1_decision_wd, r.listing_decision_wd, r.removal_decision_wd) == (10, 10, 5)
    assert (r.objection_accept_wd, r.objection_verify_wd) == (5, 20)
    assert (r.reminder_window_days, r.transfer_decision_wd, r.individual_objection_days) == (
        60,
        10,
        30,
    )
    assert r.annual_report_deadline(2023) == date(2024, 6, 30)
    # rules.md §4
    assert (r.serious_years, r.early_removal_min_years, r.approval_one_level_up) == (3, 1, True)
    assert r.statement_window_wd == 5


def test_from_mapping_overrides_and_refuses_typos() -> None:
    r = ListRules.from_mapping({"approval_one_level_up": False, "statement_window_wd": 7})
    assert not r.approval_one_level_up and r.statement_window_wd == 7
    with pytest.raises(ValueError, match="unknown settings aproval"):
        ListRules.from_mapping({"aproval": False})
    with pytest.raises(ValueError, match="wrong type"):
        ListRules.from_mapping({"serious_years": "3"})
    with pytest.raises(ValueError, match="wrong type"):
        ListRules.from_mapping({"approval_one_level_up": 1})


def test_invalid_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="removal_decision_wd must be >= 0"):
        ListRules(removal_decision_wd=-1)
    with pytest.raises(ValueError, match="early_removal_min_years"):
        ListRules(early_removal_min_years=4)
    with pytest.raises(ValueError, match="annual_report_due_day"):
        ListRules(annual_report_due_day=31)


def test_add_years_keeps_29_february_inside_the_period() -> None:
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert add_years(date(2024, 3, 1), 3) == date(2027, 3, 1)


def test_transition_error_names_state_event_and_reason() -> None:
    e = TransitionError("listed", "publish", "why not")
    assert str(e) == "cannot apply publish to an entry in state 'listed': why not"
    assert (e.state, e.event, e.why) == ("listed", "publish", "why not")
