"""The pure credit repair rules: eligibility edges and the review's states and deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from entcredit.core.calendar import WorkCalendar
from entcredit.lists.config import ListRules
from entcredit.lists.serious import RepairFacts as SeriousFacts
from entcredit.lists.serious import SeriousEntry, SeriousState
from entcredit.publicity.rules import RepairFacts
from entcredit.repair.rules import (
    AppState,
    ReviewError,
    abnormal_eligibility,
    after_review,
    due_date,
    is_overdue,
    penalty_eligibility,
    serious_eligibility,
)

PUBLISHED = date(2024, 1, 15)
GOOD = RepairFacts(
    obligations_fulfilled=True, harm_remedied=True, new_penalty_same_type=False, on_any_list=False
)


def _penalty(as_of: date, *, facts: RepairFacts = GOOD, **fields: object) -> tuple[bool, set[str]]:
    answer = penalty_eligibility(
        {"penalty_kinds": "fine", "fine_amount": "10", **fields},
        published_on=PUBLISHED,
        produced_on=date(2024, 1, 5),
        entity_type="enterprise",
        facts=facts,
        as_of=as_of,
    )
    assert answer.eligible == (not answer.reasons)
    return answer.eligible, {r.code for r in answer.reasons}


def test_six_months_for_ordinary_penalties() -> None:
    assert _penalty(date(2024, 7, 14)) == (False, {"min_period_not_met"})
    assert _penalty(date(2024, 7, 15)) == (True, set())


@pytest.mark.parametrize("domain", ["food", "drug", "special_equipment"])
def test_one_year_for_food_drug_special_equipment(domain: str) -> None:
    assert _penalty(date(2024, 7, 15), domain=domain) == (False, {"min_period_not_met"})
    assert _penalty(date(2025, 1, 14), domain=domain) == (False, {"min_period_not_met"})
    assert _penalty(date(2025, 1, 15), domain=domain) == (True, set())


@pytest.mark.parametrize(
    "kind",
    ["suspend_business", "restrict_business", "employment_ban", "downgrade", "revoke_license"],
)
def test_never_for_forbidden_kinds(kind: str) -> None:
    eligible, codes = _penalty(date(2026, 1, 1), penalty_kinds=f"fine;{kind}")
    assert not eligible and "forbidden_kind" in codes


def test_every_unmet_condition_is_a_reason() -> None:
    facts = RepairFacts(
        obligations_fulfilled=False,
        harm_remedied=False,
        new_penalty_same_type=True,
        on_any_list=True,
    )
    assert _penalty(date(2024, 2, 1), facts=facts) == (
        False,
        {
            "min_period_not_met",
            "obligations_unfulfilled",
            "harm_not_remedied",
            "new_penalty_same_type",
            "on_a_list",
        },
    )
    # A penalty whose 3 years of publicity are over has nothing left to stop.
    assert _penalty(date(2027, 2, 1)) == (False, {"already_ended"})


def test_abnormal_list_removal() -> None:
    assert abnormal_eligibility("listed", corrected=True).eligible
    assert not abnormal_eligibility("listed", corrected=False).eligible
    for state, code in (
        ("objection_filed", "objection_pending"),
        ("removal_pending", "removal_pending"),
        ("removed", "not_listed"),
    ):
        answer = abnormal_eligibility(state, corrected=True)
        assert [r.code for r in answer.reasons] == [code]


def _serious(listed_on: date, ban_until: date | None = None) -> SeriousEntry:
    return SeriousEntry(
        entry_id="S1",
        subject="91440300000000019B",
        article="5",
        authority="深圳市市场监督管理局",
        authority_level="city",
        state=SeriousState.PUBLISHED,
        state_since=listed_on,
        listed_on=listed_on,
        published_on=listed_on,
        ban_until=ban_until,
    )


def test_serious_list_early_removal_after_one_year_without_a_running_ban() -> None:
    ok = SeriousFacts(obligations_fulfilled=True, harm_remedied=True, new_heavier_penalty=False)
    listed = date(2024, 3, 1)
    early = serious_eligibility(_serious(listed), ok, date(2025, 2, 28), ListRules())
    assert not early.eligible and early.earliest_on == date(2025, 3, 1)
    assert [r.code for r in early.reasons] == ["min_period_not_met"]
    assert "列入未满 1 年" in early.reasons[0].zh
    assert serious_eligibility(_serious(listed), ok, date(2025, 3, 1), ListRules()).eligible
    banned = serious_eligibility(
        _serious(listed, ban_until=date(2026, 1, 1)), ok, date(2025, 6, 1), ListRules()
    )
    assert [r.code for r in banned.reasons] == ["ban_running"]
    heavier = SeriousFacts(obligations_fulfilled=True, harm_remedied=True, new_heavier_penalty=True)
    answer = serious_eligibility(_serious(listed), heavier, date(2025, 6, 1), ListRules())
    assert [r.code for r in answer.reasons] == ["new_heavier_penalty"]


def test_review_states() -> None:
    assert after_review(AppState.SUBMITTED, "accept") is AppState.ACCEPTED
    assert after_review(AppState.SUBMITTED, "approve") is AppState.APPROVED
    assert after_review(AppState.ACCEPTED, "refuse") is AppState.REFUSED
    with pytest.raises(ReviewError) as err:
        after_review(AppState.ACCEPTED, "accept")
    assert err.value.code == "already_accepted"
    for closed in (AppState.APPROVED, AppState.REFUSED):
        with pytest.raises(ReviewError) as err:
            after_review(closed, "approve")
        assert err.value.code == "application_closed"
    with pytest.raises(ReviewError):
        after_review(AppState.SUBMITTED, "delete")


def test_deadlines_on_the_official_calendar() -> None:
    cal = WorkCalendar()
    # Tuesday 30 September 2025: the National Day holiday (1-8 October) does not count.
    assert due_date(date(2025, 9, 30), 2, cal) == (date(2025, 10, 10), False)
    # An ordinary week: Monday + 2 working days.
    assert due_date(date(2025, 11, 3), 2, cal) == (date(2025, 11, 5), False)
    accept_due, decide_due = date(2025, 11, 5), date(2025, 11, 26)
    assert not is_overdue(AppState.SUBMITTED, accept_due, None, accept_due)
    assert is_overdue(AppState.SUBMITTED, accept_due, None, date(2025, 11, 6))
    assert not is_overdue(AppState.ACCEPTED, accept_due, decide_due, date(2025, 11, 20))
    assert is_overdue(AppState.ACCEPTED, accept_due, decide_due, date(2025, 11, 27))
    assert not is_overdue(AppState.APPROVED, accept_due, decide_due, date(2030, 1, 1))
