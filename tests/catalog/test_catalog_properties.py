from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from entcredit.catalog import load_catalog
from entcredit.catalog.validator import _fast_resident_id, fast_uscc
from entcredit.core.idnum import check_resident_id, make_resident_id
from entcredit.core.text import clean
from entcredit.core.uscc import ALPHABET, check_uscc, compute_org_check_char, make_uscc

FULLWIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x30, 0x3A)})
validate_penalty = load_catalog().category("penalty").validator()
validate_person = load_catalog().category("person_role").validator()


def _formats(d: date) -> list[str]:
    return [
        d.isoformat(),
        f"{d.year:04d}/{d.month}/{d.day}",
        f"{d.year:04d}/{d.month:02d}/{d.day:02d}",
        f"{d.year:04d}{d.month:02d}{d.day:02d}",
        f"{d.year:04d}年{d.month}月{d.day}日",
        d.isoformat().translate(FULLWIDTH),
        f" {d.isoformat()}\u3000",
    ]


@given(st.dates(min_value=date(1000, 1, 1)), st.integers(0, 6))
def test_any_accepted_date_format_gives_the_iso_date(d: date, which: int) -> None:
    raw = _formats(d)[which]
    values, issues = validate_penalty({"produced_on": raw})
    assert values["produced_on"] == d.isoformat()
    assert not [i for i in issues if i.field == "produced_on"]


def _decimal(raw: str) -> str | None:
    values, _issues = validate_penalty({"fine_amount": raw})
    value = values.get("fine_amount")
    assert value is None or isinstance(value, str)
    return value


@given(st.decimals(min_value=0, max_value=Decimal("1e12"), allow_nan=False, places=None))
def test_decimals_canonicalise_idempotently(d: Decimal) -> None:
    # Beyond |exponent| 30 the validator refuses the value as out of range (tested apart).
    assume(d.is_finite() and (d == 0 or d.adjusted() >= -30))
    first = _decimal(str(d))
    assert first is not None
    assert Decimal(first) == d
    assert "e" not in first.lower()
    assert first == "0" or not ("." in first and first.endswith("0"))
    assert _decimal(first) == first
    assert _decimal(f"{d:,f}") == first  # with thousands separators


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.sampled_from(ALPHABET))
def test_fast_uscc_agrees_with_core(body: str, check: str) -> None:
    for code in (body + check, make_uscc(body)):
        result = check_uscc(code)
        assert fast_uscc(code) == (result.valid and not result.warnings), code


@given(
    st.sampled_from("9125YNA"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=8, max_size=8),
)
def test_fast_uscc_agrees_on_codes_with_a_valid_embedded_code(
    head: str, region: str, org: str
) -> None:
    body = head + region + org
    body = body[:8] + org + compute_org_check_char(org)
    for cat in "1239":
        code = make_uscc(body[0] + cat + body[2:17])
        result = check_uscc(code)
        assert fast_uscc(code) == (result.valid and not result.warnings), code


@given(
    st.sampled_from(["11", "44", "65", "81", "99", "00"]),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.dates(min_value=date(1890, 1, 1), max_value=date(2030, 12, 31)),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
    st.booleans(),
)
def test_fast_resident_id_agrees_with_core(
    prov: str, rest: str, birth: date, seq: str, corrupt: bool
) -> None:
    number = make_resident_id(prov + rest + birth.strftime("%Y%m%d") + seq)
    if corrupt:
        number = number[:12] + "9" + number[13:]
    assert _fast_resident_id(number) == check_resident_id(number).valid
    values, _ = validate_person({"person_id": number})
    if check_resident_id(number).valid:
        assert values["person_id"] == number


@settings(max_examples=200)
@given(st.text(alphabet=" \t\u3000\u00a0\ufeffab中", max_size=8))
def test_cleaning_matches_core_text_clean(raw: str) -> None:
    values, _ = validate_penalty({"subject_name": raw})
    assert values.get("subject_name") == clean(raw)


@given(st.data())
def test_every_code_and_label_is_accepted_in_any_case(data: st.DataObject) -> None:
    catalog = load_catalog()
    category = data.draw(st.sampled_from(catalog.categories))
    fields = [f for f in category.fields if f.type in ("code", "codes")]
    field = data.draw(st.sampled_from(fields))
    item = data.draw(st.sampled_from(field.codes))
    raw = data.draw(st.sampled_from([item.code, item.code.upper(), item.label_zh]))
    values, issues = category.validator()({field.code: raw})
    expected = item.code if field.type == "code" else [item.code]
    assert values[field.code] == expected
    assert not [i for i in issues if i.field == field.code]
