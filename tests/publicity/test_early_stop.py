"""Early stop of a penalty's publicity (credit repair): rules.md section 5."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from entcredit.publicity import (
    NDRC_CONFIG,
    ReasonCode,
    RepairFacts,
    early_stop_eligibility,
)

PUBLISHED = date(2024, 1, 10)
GOOD = RepairFacts(
    obligations_fulfilled=True, harm_remedied=True, new_penalty_same_type=False, on_any_list=False
)
FINE = {"penalty_kinds": ["fine"], "fine_amount": "20"}


def codes(fields: dict[str, object], as_of: date, facts: RepairFacts = GOOD) -> set[ReasonCode]:
    return {r.code for r in early_stop_eligibility(fields, PUBLISHED, as_of, facts).reasons}


def test_eligible_after_six_months() -> None:
    # rules.md s.5: "after at least 6 months of publicity"
    result = early_stop_eligibility(FINE, PUBLISHED, date(2024, 7, 10), GOOD)
    assert result.eligible and result.earliest_date == date(2024, 7, 10)
    assert result.reasons[0].code is ReasonCode.ELIGIBLE
    early = early_stop_eligibility(FINE, PUBLISHED, date(2024, 7, 9), GOOD)
    assert not early.eligible and early.earliest_date == date(2024, 7, 10)
    assert {r.code for r in early.reasons} == {ReasonCode.MIN_PERIOD_NOT_MET}


@pytest.mark.parametrize("domain", ["food", "drug", "special_equipment"])
def test_one_year_for_food_drug_special_equipment(domain: str) -> None:
    # rules.md s.5: "1 year for food, drug, special-equipment penalties"
    fields = {**FINE, "domain": domain}
    assert codes(fields, date(2025, 1, 9)) == {ReasonCode.MIN_PERIOD_NOT_MET}
    assert codes(fields, date(2025, 1, 10)) == {ReasonCode.ELIGIBLE}
    assert codes({**FINE, "domain": "quality"}, date(2024, 7, 10)) == {ReasonCode.ELIGIBLE}


def test_ndrc_variant() -> None:
    # rules.md s.5: "NDRC rule: minimum 3 months, 1 year for food, drug, special equipment,
    # work safety, fire safety"; Order 58 counts from the decision.
    decided = date(2024, 1, 2)
    ok = early_stop_eligibility(
        FINE, PUBLISHED, date(2024, 4, 2), GOOD, NDRC_CONFIG, produced_on=decided
    )
    assert ok.eligible and ok.earliest_date == date(2024, 4, 2)
    fire = {**FINE, "domain": "fire_safety"}
    no = early_stop_eligibility(
        fire, PUBLISHED, date(2024, 12, 31), GOOD, NDRC_CONFIG, produced_on=decided
    )
    assert not no.eligible and no.earliest_date == date(2025, 1, 2)
    with pytest.raises(ValueError, match="produced_on"):
        early_stop_eligibility(FINE, PUBLISHED, date(2024, 4, 2), GOOD, NDRC_CONFIG)


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (replace(GOOD, obligations_fulfilled=False), ReasonCode.OBLIGATIONS_UNFULFILLED),
        (replace(GOOD, harm_remedied=False), ReasonCode.HARM_NOT_REMEDIED),
        (replace(GOOD, new_penalty_same_type=True), ReasonCode.NEW_PENALTY_SAME_TYPE),
        (replace(GOOD, on_any_list=True), ReasonCode.ON_A_LIST),
    ],
)
def test_each_condition_is_required(facts: RepairFacts, code: ReasonCode) -> None:
    # rules.md s.5: "obligations fulfilled, harm remedied, no new penalty of the same type,
    # not on either list"
    result = early_stop_eligibility(FINE, PUBLISHED, date(2024, 8, 1), facts)
    assert not result.eligible and {r.code for r in result.reasons} == {code}
    assert result.earliest_date == date(2024, 7, 10)


def test_all_failures_are_reported_together() -> None:
    bad = RepairFacts(False, False, True, True)
    assert len(codes(FINE, date(2024, 2, 1), bad)) == 5


@pytest.mark.parametrize(
    "kind",
    [
        "suspend_business",
        "restrict_business",
        "employment_ban",
        "downgrade",
        "revoke_license",
        "close",
    ],
)
def test_never_for_forbidden_kinds(kind: str) -> None:
    # rules.md s.5: "Never for suspension, restricted business, employment bans, downgraded
    # qualifications, revoked licences or revoked business licence."
    result = early_stop_eligibility(
        {"penalty_kinds": ["fine", kind], "fine_amount": "20"}, PUBLISHED, date(2026, 1, 1), GOOD
    )
    assert not result.eligible and result.earliest_date is None
    assert ReasonCode.FORBIDDEN_KIND in {r.code for r in result.reasons}


def test_suspended_licence_is_not_forbidden_by_default() -> None:
    fields = {"penalty_kinds": ["suspend_license"]}
    assert early_stop_eligibility(fields, PUBLISHED, date(2024, 8, 1), GOOD).eligible


def test_short_period_ends_before_the_minimum() -> None:
    # A 3-month penalty ends by itself before 6 months of publicity.
    result = early_stop_eligibility(
        {"penalty_kinds": ["criticism"]}, PUBLISHED, date(2024, 3, 1), GOOD
    )
    assert not result.eligible and result.earliest_date is None
    assert {r.code for r in result.reasons} == {ReasonCode.ENDS_BEFORE_MINIMUM}


def test_already_ended() -> None:
    assert codes(FINE, date(2027, 1, 11)) == {ReasonCode.ALREADY_ENDED}


def test_unpublished_or_warning_only() -> None:
    result = early_stop_eligibility(FINE, None, date(2025, 1, 1), GOOD)
    assert not result.eligible and result.earliest_date is None
    assert {r.code for r in result.reasons} == {ReasonCode.NOT_PUBLISHED}
    assert codes({"penalty_kinds": ["warning"]}, date(2025, 1, 1)) == {ReasonCode.WARNING_ONLY}
