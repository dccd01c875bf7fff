"""Penalty publicity periods: rules.md section 5, SAMR Order 45 art. 13."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from entcredit.publicity import (
    DEFAULT_CONFIG,
    NDRC_CONFIG,
    PenaltyPeriodRule,
    PublicityConfig,
    add_months,
    penalty_period,
    penalty_publicity_end,
)

START = date(2024, 1, 10)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 10), 3, date(2024, 4, 10)),
        (date(2024, 3, 31), 3, date(2024, 6, 30)),  # no 31 June: the month's last day
        (date(2024, 2, 29), 36, date(2027, 2, 28)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 12, 15), 0, date(2024, 12, 15)),
    ],
)
def test_add_months_counts_like_the_civil_code(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_criticism_alone_is_public_three_months() -> None:
    # rules.md s.5: "public criticism or a low fine -> 3 months"
    period = penalty_period({"penalty_kinds": ["criticism"]}, START)
    assert period.kind == "short" and period.public_until == date(2024, 4, 10)


def test_low_fine_is_three_months_and_a_fine_at_the_threshold_is_three_years() -> None:
    # rules.md s.5 "a low fine -> 3 months"; threshold [open], exclusive ("不含本数").
    low = {"penalty_kinds": ["fine"], "fine_amount": "4.99"}
    at = {"penalty_kinds": ["fine"], "fine_amount": "5"}
    assert penalty_publicity_end(low, START, entity_type="enterprise") == date(2024, 4, 10)
    assert penalty_publicity_end(at, START, entity_type="enterprise") == date(2027, 1, 10)


def test_fine_threshold_depends_on_entity_type() -> None:
    fine = {"penalty_kinds": ["fine"], "fine_amount": "1"}
    assert penalty_period(fine, START, entity_type="cooperative").kind == "short"
    assert penalty_period(fine, START, entity_type="individual").kind == "standard"
    # Unknown subject: the natural-person threshold applies.
    assert penalty_period(fine, START, entity_type=None).kind == "standard"
    small = {"penalty_kinds": ["fine"], "fine_amount": "0.2"}
    assert penalty_period(small, START, entity_type=None).kind == "short"


def test_threshold_is_configuration() -> None:
    config = PublicityConfig(
        penalty=PenaltyPeriodRule(low_fine_below_wan={"enterprise": Decimal("10")})
    )
    fine = {"penalty_kinds": ["fine"], "fine_amount": "8"}
    assert penalty_period(fine, START, config, entity_type="enterprise").kind == "short"
    assert penalty_period(fine, START, DEFAULT_CONFIG, entity_type="enterprise").kind == "standard"


def test_fine_without_amount_is_not_low() -> None:
    assert penalty_period({"penalty_kinds": ["fine"]}, START).kind == "standard"
    assert penalty_period({"penalty_kinds": ["fine"], "fine_amount": "abc"}, START).kind == (
        "standard"
    )


def test_warning_beside_a_light_penalty_keeps_it_short() -> None:
    fields = {"penalty_kinds": ["fine", "warning"], "fine_amount": "0.1"}
    assert penalty_period(fields, START).kind == "short"


@pytest.mark.parametrize(
    "fields",
    [
        {"penalty_kinds": ["confiscation"]},
        {"penalty_kinds": ["criticism", "confiscation"]},
        {"penalty_kinds": ["fine", "suspend_license"], "fine_amount": "0.1"},
        {"penalty_kinds": ["fine"], "fine_amount": "0.1", "heavier": True},
        {"penalty_kinds": ["criticism"], "ban_until": "2024-06-01"},
        {"penalty_kinds": ["other"]},
        {"penalty_kinds": []},
    ],
)
def test_anything_heavier_is_three_years(fields: dict[str, object]) -> None:
    # rules.md s.5: "everything else -> 3 years"
    period = penalty_period(fields, START)
    assert period.kind == "standard" and period.public_until == date(2027, 1, 10)


def test_ban_longer_than_three_years_runs_its_full_length() -> None:
    # rules.md s.5: "a ban longer than 3 years -> its full length"
    fields = {"penalty_kinds": ["employment_ban"], "ban_until": "2029-05-31"}
    assert penalty_period(fields, START).public_until == date(2029, 5, 31)
    assert penalty_period(fields, START).kind == "ban"
    shorter = {"penalty_kinds": ["employment_ban"], "ban_until": "2026-05-31"}
    assert penalty_period(shorter, START).public_until == date(2027, 1, 10)


def test_warning_alone_is_never_published() -> None:
    # rules.md s.5: "A warning alone is never publicised."
    period = penalty_period({"penalty_kinds": ["warning"]}, START)
    assert period.kind == "never" and period.public_until is None
    assert penalty_publicity_end({"penalty_kinds": "warning"}, START) is None


def test_kinds_written_as_a_string_are_understood() -> None:
    assert penalty_period({"penalty_kinds": "fine；warning", "fine_amount": "0.1"}, START).kind == (
        "short"
    )


def test_ndrc_regime_counts_from_the_decision() -> None:
    assert NDRC_CONFIG.penalty.period_start == "decided"
    assert DEFAULT_CONFIG.penalty.period_start == "published"
