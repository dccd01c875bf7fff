from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entcredit.core.calendar import (
    CalendarFileError,
    Deadline,
    UncoveredYearError,
    WorkCalendar,
    YearDays,
    builtin_years,
    parse_calendar_yaml,
)

# An illustrative 2027, not the official one (unknown when this was written).
CAL_2027 = """\
# holidays: days off that would otherwise be working days; workdays: make-up days
years:
  2027:
    holidays: [2027-01-01, 2027-02-08, 2027-02-09, 2027-02-10, 2027-02-11, 2027-02-12]
    workdays: [2027-02-06, 2027-02-20]
"""


_CAL = WorkCalendar()  # shared by the property tests: built once, immutable


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return _CAL


@pytest.fixture(scope="module")
def cal_2027() -> WorkCalendar:
    return WorkCalendar(parse_calendar_yaml(CAL_2027))


def test_builtin_range_is_probed(cal: WorkCalendar) -> None:
    assert {2004, 2024, 2025, 2026} <= cal.covered_years
    assert cal.is_covered(2024)
    assert not cal.is_covered(2003)
    assert not cal.is_covered(max(cal.covered_years) + 1)
    assert set(builtin_years()) == cal.covered_years


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 2, 4), True),  # Sunday make-up day before Spring Festival
        (date(2024, 2, 12), False),  # Spring Festival, a Monday
        (date(2024, 2, 18), True),  # Sunday make-up day after it
        (date(2024, 10, 1), False),  # National Day
        (date(2024, 10, 12), True),  # Saturday make-up day
        (date(2024, 10, 8), True),
        (date(2024, 10, 13), False),  # ordinary Sunday
        (date(2025, 1, 26), True),  # Sunday make-up day
        (date(2025, 1, 28), False),  # New Year's Eve, a holiday from 2025
        (date(2025, 5, 5), False),
        (date(2025, 3, 3), True),  # ordinary Monday
    ],
)
def test_known_days(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_workday(day) is working


def test_is_workday_raises_outside_coverage(cal: WorkCalendar) -> None:
    with pytest.raises(UncoveredYearError) as info:
        cal.is_workday(date(2099, 1, 5))
    assert info.value.year == 2099
    assert "calendar file" in str(info.value)
    assert isinstance(info.value, LookupError)


def test_add_working_days_across_spring_festival(cal: WorkCalendar) -> None:
    # Thu 8 Feb 2024: Fri 9 works, 10-17 off, Sun 18 is a make-up day, then Mon 19.
    assert cal.add_working_days(date(2024, 2, 8), 1) == Deadline(date(2024, 2, 9), False)
    assert cal.add_working_days(date(2024, 2, 8), 2) == Deadline(date(2024, 2, 18), False)
    assert cal.add_working_days(date(2024, 2, 8), 3) == Deadline(date(2024, 2, 19), False)
    # From Wed 31 Jan: 1-2 Feb, Sun 4, 5-9 Feb (8 so far), Sun 18, 19-23 (14), 26 Feb-1 Mar
    # (19), Mon 4 Mar (20): the two Sunday make-up days count, the festival week does not.
    assert cal.add_working_days(date(2024, 1, 31), 20).due == date(2024, 3, 4)


def test_add_working_days_across_national_day(cal: WorkCalendar) -> None:
    # Mon 30 Sep 2024; 1-7 Oct off; Sat 12 Oct is a make-up day.
    assert cal.add_working_days(date(2024, 9, 30), 1).due == date(2024, 10, 8)
    assert cal.add_working_days(date(2024, 9, 30), 5).due == date(2024, 10, 12)
    assert cal.add_working_days(date(2024, 9, 27), 1).due == date(2024, 9, 29)  # Sunday


def test_start_never_counts_and_zero_returns_start(cal: WorkCalendar) -> None:
    assert cal.add_working_days(date(2024, 10, 1), 0) == Deadline(date(2024, 10, 1), False)
    assert cal.add_working_days(date(2024, 3, 4), 1).due == date(2024, 3, 5)
    with pytest.raises(ValueError, match="n must be"):
        cal.add_working_days(date(2024, 3, 4), -1)


def test_deadline_into_uncovered_year_is_provisional(
    cal: WorkCalendar, cal_2027: WorkCalendar
) -> None:
    start = date(2026, 12, 28)
    guessed = cal.add_working_days(start, 7)
    # Monday-Friday assumption: 29, 30, 31 Dec, Fri 1 Jan, then 4, 5, 6 Jan.
    assert guessed == Deadline(date(2027, 1, 6), True)
    exact = cal_2027.add_working_days(start, 7)
    assert exact == Deadline(date(2027, 1, 7), False)  # 1 Jan is a holiday
    with pytest.raises(UncoveredYearError) as info:
        cal.strict_add_working_days(start, 7)
    assert info.value.year == 2027
    assert cal_2027.strict_add_working_days(start, 7) == date(2027, 1, 7)


def test_provisional_only_when_an_uncovered_day_is_counted(cal: WorkCalendar) -> None:
    assert not cal.add_working_days(date(2026, 12, 28), 3).provisional  # due 31 Dec 2026
    assert cal.add_working_days(date(2026, 12, 31), 1).provisional
    # A walk that starts on the last day of an uncovered year counts nothing in it.
    only_2028 = WorkCalendar({2028: YearDays(frozenset({date(2028, 1, 3)}), frozenset())})
    assert only_2028.add_working_days(date(2027, 12, 31), 1) == Deadline(date(2028, 1, 4), False)
    assert only_2028.add_working_days(date(2027, 12, 30), 1).provisional
    # A walk through a whole uncovered year ends in a covered one but is still a guess.
    assert only_2028.add_working_days(date(2026, 12, 31), 262).provisional


def test_strict_raises_for_uncovered_start(cal: WorkCalendar) -> None:
    with pytest.raises(UncoveredYearError):
        cal.strict_add_working_days(date(2030, 3, 1), 1)
    assert cal.add_working_days(date(2030, 3, 1), 1) == Deadline(date(2030, 3, 4), True)


def test_file_year_overrides_builtin() -> None:
    override = WorkCalendar({2024: YearDays(frozenset({date(2024, 3, 4)}), frozenset())})
    assert not override.is_workday(date(2024, 3, 4))
    assert not override.is_workday(date(2024, 2, 4))  # the built-in make-up day is gone
    assert override.is_workday(date(2024, 10, 1))


def test_without_builtin() -> None:
    bare = WorkCalendar(use_builtin=False)
    assert bare.covered_years == frozenset()
    assert bare.add_working_days(date(2024, 9, 30), 1) == Deadline(date(2024, 10, 1), True)


def test_working_days_after(cal: WorkCalendar) -> None:
    assert cal.working_days_after(date(2024, 9, 30), date(2024, 10, 8)) == 1
    assert cal.working_days_after(date(2024, 9, 30), date(2024, 9, 30)) == 0
    assert cal.working_days_after(date(2024, 10, 8), date(2024, 9, 30)) == 0
    assert cal.working_days_after(date(2023, 12, 31), date(2024, 12, 31)) == len(
        [d for d in (date(2024, 1, 1) + timedelta(days=i) for i in range(366)) if cal.is_workday(d)]
    )
    with pytest.raises(UncoveredYearError):
        cal.working_days_after(date(2026, 12, 1), date(2027, 1, 5))


def test_missing_year_warning(cal: WorkCalendar, cal_2027: WorkCalendar) -> None:
    warning = cal.missing_year_warning(date(2026, 11, 30))
    assert warning is not None
    assert "2027" in warning
    assert "provisional" in warning
    assert "暂定" in warning
    assert cal.missing_year_warning(date(2026, 6, 1)) is None
    assert cal.missing_year_warning(date(2026, 10, 31)) is None
    assert cal.missing_year_warning(date(2026, 9, 1), warn_from_month=9) is not None
    assert cal_2027.missing_year_warning(date(2026, 11, 30)) is None
    own_year = cal.missing_year_warning(date(2028, 3, 1))
    assert own_year is not None
    assert "2028" in own_year
    assert "2029" not in own_year
    with pytest.raises(ValueError, match="warn_from_month"):
        cal.missing_year_warning(date(2026, 1, 1), warn_from_month=13)


def test_from_file(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    missing = WorkCalendar.from_file(path)
    assert missing.covered_years == WorkCalendar().covered_years
    with pytest.raises(UncoveredYearError, match=r"calendar\.yaml"):
        missing.is_workday(date(2099, 1, 5))
    assert WorkCalendar.from_file(None).source is None
    path.write_text(CAL_2027, encoding="utf-8")
    loaded = WorkCalendar.from_file(path)
    assert loaded.is_covered(2027)
    assert loaded.source == path
    assert loaded.is_workday(date(2027, 2, 6))  # Saturday make-up day
    assert not loaded.is_workday(date(2027, 2, 8))
    with pytest.raises(UncoveredYearError, match=r"calendar\.yaml"):
        loaded.is_workday(date(2028, 1, 3))
    warning = loaded.missing_year_warning(date(2027, 12, 1))
    assert warning is not None
    assert str(path) in warning


def test_empty_and_quoted_files() -> None:
    assert parse_calendar_yaml("") == {}
    assert parse_calendar_yaml("# nothing yet\nyears:\n") == {}
    quoted = parse_calendar_yaml('years:\n  "2027":\n    holidays: ["2027-01-01"]\n')
    assert quoted == {2027: YearDays(frozenset({date(2027, 1, 1)}), frozenset())}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("years: [", "not valid YAML"),
        ("years:\n  2027:\n    holidays: [2027-02-30]\n", "not valid YAML"),
        ("- 2027\n", "single key 'years'"),
        ("year:\n  2027: {}\n", "single key 'years'"),
        ("years:\n  27x:\n    holidays: [2027-01-01]\n", "is not a year"),
        ("years:\n  2027:\n    holiday: [2027-01-01]\n", "'holidays' and 'workdays'"),
        ("years:\n  2027:\n    holidays: 2027-01-01\n", "must be a list"),
        ("years:\n  2027:\n    holidays: []\n", "no holidays"),
        ("years:\n  2027:\n    holidays: [2028-01-01]\n", "holiday 2028-01-01 is outside 2027"),
        ("years:\n  2027:\n    holidays: [tomorrow]\n", "not a YYYY-MM-DD date"),
        (
            "years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: [2027-02-08]\n",
            "workday 2027-02-08 is a Monday",
        ),
        (
            "years:\n  2027:\n    holidays: [2027-02-06]\n    workdays: [2027-02-06]\n",
            "2027-02-06 is listed both",
        ),
    ],
)
def test_file_validation(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad-calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError) as info:
        WorkCalendar.from_file(path)
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_constructor_validates_extra_years() -> None:
    with pytest.raises(ValueError, match="outside 2027"):
        WorkCalendar({2027: YearDays(frozenset({date(2026, 1, 1)}), frozenset())})


def test_datetime_start_is_treated_as_its_date(cal: WorkCalendar) -> None:
    assert cal.add_working_days(datetime(2024, 9, 30, 18, 0), 1).due == date(2024, 10, 8)


_covered_starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2025, 6, 30))


@settings(max_examples=200, deadline=None)
@given(_covered_starts, st.integers(0, 260))
def test_round_trip_with_working_days_after(start: date, n: int) -> None:
    cal = _CAL
    deadline = cal.add_working_days(start, n)
    assert not deadline.provisional
    assert cal.working_days_after(start, deadline.due) == n
    if n:
        assert cal.is_workday(deadline.due)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(2003, 1, 1), max_value=date(2028, 12, 31)),
    st.integers(0, 30),
    st.integers(0, 260),
    st.integers(0, 30),
)
def test_monotone_in_start_and_n(start: date, shift: int, n: int, extra: int) -> None:
    cal = _CAL
    base = cal.add_working_days(start, n).due
    assert cal.add_working_days(start + timedelta(days=shift), n).due >= base
    assert cal.add_working_days(start, n + extra).due >= base
    if extra:
        assert cal.add_working_days(start, n + extra).due > base
