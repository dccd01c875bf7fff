"""The official Chinese working-day calendar and working-day deadlines. Pure: no clock.

Years come from the ``chinese_calendar`` package (whatever range the installed version covers)
and from an operator-edited YAML file, which overrides the package year by year::

    # holidays: days off that would otherwise be working days
    # workdays: make-up working days (调休) on weekends
    years:
      2027:
        holidays: [2027-01-01, 2027-02-08, ...]
        workdays: [2027-02-20, ...]

A deadline that runs through a year neither source covers is computed on a Monday-Friday
assumption and flagged provisional, so it can be recomputed once the year is added.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

__all__ = [
    "CalendarFileError",
    "Deadline",
    "UncoveredYearError",
    "WorkCalendar",
    "YearDays",
    "builtin_years",
    "parse_calendar_yaml",
]

_CACHE_SIZE = 1 << 16  # distinct (start, n) pairs seen in a load: a few thousand dates x n


class UncoveredYearError(LookupError):
    """The calendar has no data for a year that an exact answer needs."""

    def __init__(self, year: int, source: Path | None = None) -> None:
        where = f" ({source})" if source is not None else ""
        super().__init__(
            f"the working-day calendar does not cover {year}: add {year}'s holidays and "
            f"make-up working days to the calendar file{where}"
        )
        self.year = year


class CalendarFileError(ValueError):
    """The operator's calendar file cannot be used; the message names the file and the fault."""


@dataclass(frozen=True, slots=True)
class YearDays:
    """One year's departures from Monday-Friday."""

    holidays: frozenset[date]  # days off that would otherwise be working days
    workdays: frozenset[date]  # make-up working days (调休) on Saturdays and Sundays


@dataclass(frozen=True, slots=True)
class Deadline:
    due: date
    provisional: bool  # walked through a year the calendar does not cover


def _year_problems(year: int, days: YearDays) -> list[str]:
    # A holiday on a weekend is redundant but accepted: operators copy whole official
    # periods (e.g. 2027-02-06 to 2027-02-12) weekend days included.
    problems: list[str] = []
    for d in sorted(days.holidays):
        if d.year != year:
            problems.append(f"holiday {d} is outside {year}")
    for d in sorted(days.workdays):
        if d.year != year:
            problems.append(f"workday {d} is outside {year}")
        elif d.weekday() < 5:
            problems.append(f"workday {d} is a {d:%A}, not a weekend make-up day")
    for d in sorted(days.holidays & days.workdays):
        problems.append(f"{d} is listed both as a holiday and as a workday")
    return [f"year {year}: {p}" for p in problems]


def _working_ordinals(year: int, days: YearDays | None) -> tuple[int, ...]:
    """Sorted ordinals of the year's working days (Monday-Friday when ``days`` is None)."""
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    # date.weekday() == (ordinal + 6) % 7
    if days is None:
        return tuple(o for o in range(first, last + 1) if (o + 6) % 7 < 5)
    off = {d.toordinal() for d in days.holidays}
    extra = {d.toordinal() for d in days.workdays}
    return tuple(
        o for o in range(first, last + 1) if o in extra or ((o + 6) % 7 < 5 and o not in off)
    )


@functools.cache
def builtin_years() -> Mapping[int, YearDays]:
    """The years ``chinese_calendar`` covers, found by probing it (it raises
    NotImplementedError outside its range), so an upgraded package extends us with no change."""
    known = {d.year for d in chinese_calendar.holidays} | {
        d.year for d in chinese_calendar.workdays
    }
    if not known:
        return {}
    covered: list[int] = []
    for year in range(min(known) - 1, max(known) + 2):
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            continue
        covered.append(year)
    result: dict[int, YearDays] = {}
    for year in covered:
        d = date(year, 1, 1)
        holidays: set[date] = set()
        workdays: set[date] = set()
        while d.year == year:
            # Same rule as chinese_calendar.is_workday, without its per-call range scan.
            working = d in chinese_calendar.workdays or (
                d.weekday() < 5 and d not in chinese_calendar.holidays
            )
            if d.weekday() < 5 and not working:
                holidays.add(d)
            elif d.weekday() >= 5 and working:
                workdays.add(d)
            d += timedelta(days=1)
        result[year] = YearDays(frozenset(holidays), frozenset(workdays))
    return result


class WorkCalendar:
    """Working days and working-day deadlines. Immutable after construction (the caches only
    memoise), so one instance can be shared by every thread of a process."""

    def __init__(
        self, extra_years: Mapping[int, YearDays] | None = None, *, use_builtin: bool = True
    ) -> None:
        years: dict[int, YearDays] = dict(builtin_years()) if use_builtin else {}
        problems: list[str] = []
        for year, days in (extra_years or {}).items():
            problems.extend(_year_problems(year, days))
            years[year] = days
        if problems:
            raise ValueError("; ".join(problems))
        self._source: Path | None = None
        self._days: dict[int, YearDays] = years
        self.covered_years: frozenset[int] = frozenset(years)
        self._ordinals: dict[int, tuple[int, ...]] = {
            year: _working_ordinals(year, days) for year, days in years.items()
        }
        self._working: dict[int, frozenset[int]] = {
            year: frozenset(ords) for year, ords in self._ordinals.items()
        }
        # Uncovered years met by a walk, on the Monday-Friday assumption; filled lazily.
        self._assumed: dict[int, tuple[int, ...]] = {}
        self._add_cached = functools.lru_cache(maxsize=_CACHE_SIZE)(self._add)

    @classmethod
    def from_file(cls, path: Path | None) -> WorkCalendar:
        """Built-in years plus the operator's file; no path or a missing file adds nothing."""
        if path is None:
            return cls()
        path = Path(path)  # a str from a settings object works too
        try:
            text: str | None = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = None
        except (OSError, UnicodeDecodeError) as exc:
            raise CalendarFileError(f"calendar file {path}: cannot be read: {exc}") from exc
        extra = parse_calendar_yaml(text, source=f"calendar file {path}") if text else None
        calendar = cls(extra)
        # Kept even when the file is missing: messages then say where to create it.
        calendar._source = path
        return calendar

    @property
    def source(self) -> Path | None:
        """The operator's calendar file (given to ``from_file``, even if it did not exist)."""
        return self._source

    def year_days(self, year: int) -> YearDays:
        """The year's holidays and make-up working days (raises UncoveredYearError)."""
        try:
            return self._days[year]
        except KeyError:
            raise UncoveredYearError(year, self._source) from None

    def is_covered(self, year: int) -> bool:
        return year in self.covered_years

    def is_workday(self, d: date) -> bool:
        try:
            working = self._working[d.year]
        except KeyError:
            raise UncoveredYearError(d.year, self._source) from None
        return d.toordinal() in working

    def add_working_days(self, start: date, n: int) -> Deadline:
        """The n-th working day after ``start`` (``start`` itself never counts; n == 0 gives
        ``start``). Never raises for an uncovered year: it assumes Monday-Friday there and
        returns ``provisional=True``."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if type(start) is not date:
            start = _as_date(start)
        return self._add_cached(start, n)

    def strict_add_working_days(self, start: date, n: int) -> date:
        """As ``add_working_days`` but raises UncoveredYearError instead of guessing."""
        deadline = self.add_working_days(start, n)
        if deadline.provisional:
            self._require_covered(_as_date(start) + timedelta(days=1), deadline.due)
        return deadline.due

    def working_days_after(self, start: date, end: date) -> int:
        """Number of working days d with start < d <= end (0 when end <= start)."""
        start, end = _as_date(start), _as_date(end)
        if end <= start:
            return 0
        self._require_covered(start + timedelta(days=1), end)
        s, e = start.toordinal(), end.toordinal()
        count = 0
        for year in range(start.year, end.year + 1):
            ords = self._ordinals[year]
            count += bisect_right(ords, e) - bisect_right(ords, s)
        return count

    def missing_year_warning(self, as_of: date, warn_from_month: int = 11) -> str | None:
        """A warning for the operator when the calendar lacks the current year (any month) or,
        from ``warn_from_month`` on, next year; None when all is well."""
        if not 1 <= warn_from_month <= 12:
            raise ValueError(f"warn_from_month must be 1-12, got {warn_from_month}")
        missing = [y for y in (as_of.year,) if not self.is_covered(y)]
        if as_of.month >= warn_from_month and not self.is_covered(as_of.year + 1):
            missing.append(as_of.year + 1)
        if not missing:
            return None
        zh = "、".join(f"{y} 年" for y in missing)
        en = " and ".join(str(y) for y in missing)
        where = f" ({self._source})" if self._source is not None else ""
        return (
            f"工作日历缺少 {zh}的节假日和调休安排：请在日历文件{where}中补充；"
            f"在此之前，截止日期落入该年度的按周一至周五推算，并标记为暂定。 "
            f"The working-day calendar is missing {en}: add its holidays and make-up working "
            f"days to the calendar file{where}. Until then, deadlines reaching into it are "
            f"computed on a Monday-Friday assumption and marked provisional."
        )

    # -- internals ------------------------------------------------------------------------

    def _require_covered(self, first: date, last: date) -> None:
        for year in range(first.year, last.year + 1):
            if year not in self.covered_years:
                raise UncoveredYearError(year, self._source)

    def _year_ordinals(self, year: int) -> tuple[int, ...]:
        ords = self._ordinals.get(year)
        if ords is None:
            ords = self._assumed.get(year)
            if ords is None:
                ords = self._assumed[year] = _working_ordinals(year, None)
        return ords

    def _add(self, start: date, n: int) -> Deadline:
        if n == 0:
            return Deadline(start, False)
        s = start.toordinal()
        year = start.year
        provisional = False
        remaining = n
        while True:
            ords = self._year_ordinals(year)
            i = bisect_right(ords, s)
            # Any day of (start, due] in an uncovered year makes the count a guess, even a
            # weekend one (it could have been a make-up working day).
            if year not in self.covered_years and (
                year > start.year or s < date(year, 12, 31).toordinal()
            ):
                provisional = True
            available = len(ords) - i
            if remaining <= available:
                return Deadline(date.fromordinal(ords[i + remaining - 1]), provisional)
            remaining -= available
            year += 1


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d


def _as_day(value: Any, year: int, what: str, source: str) -> date:
    if isinstance(value, datetime):
        raise CalendarFileError(f"{source}: year {year}: {what} {value} has a time of day")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarFileError(f"{source}: year {year}: {what} {value!r} is not a YYYY-MM-DD date")


def _as_list(value: Any, year: int, key: str, source: str) -> Iterable[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CalendarFileError(f"{source}: year {year}: {key} must be a list of dates")
    return value


def parse_calendar_yaml(text: str, *, source: str = "calendar file") -> dict[int, YearDays]:
    """Parse and validate the operator's calendar file; every fault is reported at once."""
    try:
        doc = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: e.g. 2027-02-30 as a date
        raise CalendarFileError(f"{source}: not valid YAML: {exc}") from exc
    if doc is None:
        return {}
    if not isinstance(doc, dict) or set(doc) - {"years"}:
        raise CalendarFileError(f"{source}: expected a mapping with the single key 'years'")
    years_doc = doc.get("years")
    if years_doc is None:
        return {}
    if not isinstance(years_doc, dict):
        raise CalendarFileError(f"{source}: 'years' must map each year to its days")
    result: dict[int, YearDays] = {}
    problems: list[str] = []
    for key, entry in years_doc.items():
        if isinstance(key, str) and key.strip().isdigit():
            key = int(key)
        if not isinstance(key, int) or isinstance(key, bool) or not 1900 <= key <= 9999:
            raise CalendarFileError(f"{source}: {key!r} is not a year")
        year = key
        if year in result:
            raise CalendarFileError(f"{source}: year {year} appears twice")
        if not isinstance(entry, dict) or set(entry) - {"holidays", "workdays"}:
            raise CalendarFileError(
                f"{source}: year {year}: expected a mapping with 'holidays' and 'workdays'"
            )
        holidays = [
            _as_day(v, year, "holiday", source)
            for v in _as_list(entry.get("holidays"), year, "holidays", source)
        ]
        if not holidays:
            # Every official year has weekday holidays: an empty list is a half-finished edit.
            raise CalendarFileError(f"{source}: year {year}: no holidays listed")
        workdays = [
            _as_day(v, year, "workday", source)
            for v in _as_list(entry.get("workdays"), year, "workdays", source)
        ]
        days = YearDays(frozenset(holidays), frozenset(workdays))
        problems.extend(_year_problems(year, days))
        result[year] = days
    if problems:
        raise CalendarFileError(f"{source}: " + "; ".join(problems))
    return result
