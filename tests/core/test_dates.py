from __future__ import annotations

import contextlib
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entcredit.core.dates import DateFormatError, format_date, parse_date


@pytest.mark.parametrize(
    "raw",
    [
        "2024-03-05",
        "2024-3-5",
        "2024/03/05",
        "2024/3/5",
        "20240305",
        "2024年3月5日",
        "2024年03月05日",
        "２０２４－０３－０５",
        "２０２４年３月５日",
        "２０２４０３０５",
        " 2024/03/05\u3000",
    ],
)
def test_accepted_formats(raw: str) -> None:
    assert parse_date(raw) == date(2024, 3, 5)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "2024-13-01",
        "2024-02-30",
        "2023-02-29",
        "2024-00-10",
        "2024-03-05T10:00",
        "2024-03/05",  # mixed separators
        "2024.03.05",
        "05/03/2024",
        "24-03-05",
        "2024035",
        "202403051",
        "2024-003-05",
        "2024年3月5",
        "٢٠٢٤-٠٣-٠٥",  # Arabic-Indic digits are not accepted as ASCII digits
        "2024-W10-2",
        "yesterday",
    ],
)
def test_rejected_with_row_report_reason(raw: str) -> None:
    with pytest.raises(DateFormatError) as info:
        parse_date(raw)
    assert isinstance(info.value, ValueError)
    assert "expected YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or YYYY年M月D日" in str(info.value)
    assert info.value.raw == raw


def test_message_quotes_the_value() -> None:
    with pytest.raises(DateFormatError) as info:
        parse_date("2024-13-01")
    assert str(info.value) == (
        "'2024-13-01' is not a valid date "
        "(expected YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or YYYY年M月D日)"
    )


def test_message_truncates_a_long_value() -> None:
    with pytest.raises(DateFormatError) as info:
        parse_date("x" * 10_000)
    assert len(str(info.value)) < 200


def test_leap_day() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert parse_date("2000年2月29日") == date(2000, 2, 29)


def test_format_date_is_iso_and_drops_time() -> None:
    assert format_date(date(2024, 3, 5)) == "2024-03-05"
    assert format_date(datetime(2024, 3, 5, 23, 59)) == "2024-03-05"


@given(st.dates(min_value=date(1000, 1, 1)))
def test_round_trip(d: date) -> None:
    assert parse_date(format_date(d)) == d
    assert parse_date(format_date(d).replace("-", "/")) == d
    assert parse_date(format_date(d).replace("-", "")) == d
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == d


@given(st.text(max_size=20))
def test_never_raises_anything_but_date_format_error(s: str) -> None:
    with contextlib.suppress(DateFormatError):
        parse_date(s)
