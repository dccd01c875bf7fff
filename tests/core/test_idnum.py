from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entcredit.core.idnum import (
    IdCheck,
    check_resident_id,
    compute_id_check_char,
    hash_id,
    make_resident_id,
    mask_id,
    normalize_id,
    upgrade_15_to_18,
)

KEY = b"test-key"
FULLWIDTH = {i: i + 0xFEE0 for i in range(0x21, 0x7F)}


def _full(s: str) -> str:
    return s.translate(FULLWIDTH)


def _find_with_check(prefix14: str, check: str) -> str:
    """A synthetic ID with the wanted check character (sequence digits searched)."""
    for seq in range(1000):
        number = make_resident_id(f"{prefix14}{seq:03d}")
        if number.endswith(check):
            return number
    raise AssertionError("unreachable: 1000 sequences cover all 11 check characters")


def test_known_check_digit() -> None:
    # The worked example of GB 11643 (Annex A): 11010519491231002X.
    assert compute_id_check_char("11010519491231002") == "X"
    assert check_resident_id("11010519491231002X").valid


def test_constructed_ids_are_valid() -> None:
    number = make_resident_id("44030519900307123")
    result = check_resident_id(number)
    assert result == IdCheck(number, (), date(1990, 3, 7), legacy=False)
    assert result.valid


def test_check_character_x_and_lower_case() -> None:
    number = _find_with_check("44030519900307", "X")
    assert check_resident_id(number).valid
    lower = check_resident_id(number.lower())
    assert lower.valid
    assert lower.number == number
    assert check_resident_id(_full(number.lower())).valid


def test_wrong_check_character() -> None:
    number = make_resident_id("44030519900307123")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    result = check_resident_id(wrong)
    assert not result.valid
    assert "check character" in result.errors[0]


@pytest.mark.parametrize("birth", ["19900230", "19901301", "18991231", "20230229", "00000000"])
def test_invalid_birth_dates(birth: str) -> None:
    result = check_resident_id(make_resident_id(f"440305{birth}123"))
    assert not result.valid
    assert result.birth_date is None
    assert any("birth date" in e for e in result.errors)


def test_bad_province() -> None:
    result = check_resident_id(make_resident_id("99030519900307123"))
    assert not result.valid
    assert "province" in result.errors[0]


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hong_kong_macau_taiwan_residence_permits(prefix: str) -> None:
    assert check_resident_id(make_resident_id(f"{prefix}19900307123")).valid


def test_legacy_15_digit() -> None:
    result = check_resident_id("440305900307123")
    assert result.valid
    assert result.legacy
    assert result.birth_date == date(1990, 3, 7)
    bad = check_resident_id("440305901307123")
    assert not bad.valid
    assert "birth date 19901307" in bad.errors[0]


def test_upgrade_15_to_18() -> None:
    upgraded = upgrade_15_to_18("440305900307123")
    assert upgraded is not None
    assert upgraded.startswith("44030519900307123")
    assert check_resident_id(upgraded).valid
    assert upgrade_15_to_18("12345") is None


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "length 0"),
        ("4403051990030712", "length 16"),
        ("44030519900307123Y", "17 digits"),
        ("44030519900307X123", "17 digits"),
        ("44030590030712A", "15 digits"),
    ],
)
def test_shape_errors(raw: str, fragment: str) -> None:
    result = check_resident_id(raw)
    assert not result.valid
    assert fragment in result.errors[0]


def test_mask_examples() -> None:
    assert mask_id("44030519900307123X") == "440305********123X"
    assert mask_id("44030519900307123x") == "440305********123X"
    assert mask_id("440305900307123") == "440305******123"
    assert mask_id("E12345678") == "*****5678"
    assert mask_id("H1234567") == "****4567"
    assert mask_id("AB123") == "****B123"
    assert mask_id("1234") == "****"
    assert mask_id("") == ""


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(alphabet="0123456789", min_size=17, max_size=17).map(make_resident_id),
        st.text(alphabet="0123456789", min_size=15, max_size=15),
        st.text(alphabet="0123456789ABCDEFGHXYZ()-", min_size=1, max_size=30),
    )
)
def test_mask_never_leaks_more_than_the_kept_parts(raw: str) -> None:
    masked = mask_id(raw)
    number = normalize_id(raw)
    visible = [c for c in masked if c != "*"]
    assert len(masked) >= min(len(number), 4)
    if len(number) == 18 and number[:17].isdigit():
        assert masked == number[:6] + "*" * 8 + number[-4:]
    elif len(number) == 15 and number.isdigit():
        assert masked == number[:6] + "*" * 6 + number[-3:]
    else:
        assert len(visible) <= 4
        assert masked.count("*") >= 4
        if visible:
            assert number.endswith("".join(visible))
    assert masked != number


def test_hash_is_stable_across_input_forms() -> None:
    number = _find_with_check("44030519900307", "X")
    expected = hash_id(KEY, number)
    assert len(expected) == 64
    for form in (
        number.lower(),
        _full(number),
        _full(number.lower()),
        f"\u3000{number} ",
        number[:6] + " " + number[6:],
    ):
        assert hash_id(KEY, form) == expected
    assert hash_id(b"other-key", number) != expected
    assert hash_id(KEY, make_resident_id("44030519900307124")) != expected


def test_hash_needs_a_key() -> None:
    with pytest.raises(ValueError, match="key"):
        hash_id(b"", "44030519900307123X")


def test_make_resident_id_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="17 digits"):
        make_resident_id("4403051990030712")
    with pytest.raises(ValueError, match="17 digits"):
        make_resident_id("4403051990030712A")


@given(
    st.text(alphabet="0123456789", min_size=17, max_size=17),
    st.integers(0, 17),
    st.sampled_from("0123456789X"),
)
def test_single_substitution_is_detected(first17: str, pos: int, new: str) -> None:
    number = make_resident_id(first17)
    if pos < 17 and new == "X":
        new = "0"
    if number[pos] == new:
        return
    mutated = number[:pos] + new + number[pos + 1 :]
    assert any("check character" in e for e in check_resident_id(mutated).errors)
