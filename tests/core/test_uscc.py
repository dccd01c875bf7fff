from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entcredit.core.uscc import (
    ALPHABET,
    DEPARTMENT_CATEGORIES,
    WEIGHTS,
    check_uscc,
    compute_check_char,
    compute_org_check_char,
    is_legacy_registration_number,
    is_organisation_code,
    is_valid_uscc,
    make_uscc,
    normalize_code,
)

VECTOR = "9144030071526726XG"


def test_public_vector_is_valid() -> None:
    result = check_uscc(VECTOR)
    assert result.valid
    assert result.code == VECTOR
    assert result.warnings == ()


@pytest.mark.parametrize(
    "raw",
    ["９１４４０３００７１５２６７２６ＸＧ", "9144030071526726xg", " 9144 0300 7152 6726 XG\u3000"],
)
def test_input_forms_are_normalised(raw: str) -> None:
    assert normalize_code(raw) == VECTOR
    assert check_uscc(raw).valid


def test_weights_are_powers_of_three() -> None:
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("dept", ["A", "N", "Y"])
def test_letter_department_codes_are_valid(dept: str) -> None:
    # An embedded organisation code with a correct check character, so no warning either.
    org = "MA5D1234"
    code = make_uscc(f"{dept}1440300{org}{compute_org_check_char(org)}")
    result = check_uscc(code)
    assert result.valid, result
    assert result.warnings == ()


def test_embedded_organisation_code_failure_is_a_warning_only() -> None:
    org_wrong = "0" if compute_org_check_char("71526726") != "0" else "1"
    code = make_uscc("9144030071526726" + org_wrong)
    result = check_uscc(code)
    assert result.valid
    assert any("organisation code" in w for w in result.warnings)


def test_unusual_category_is_a_warning_only() -> None:
    result = check_uscc(make_uscc("9544030071526726X"))
    assert result.valid
    assert any("category" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("9144030071526726X", "length 17"),
        ("9144030071526726XI", "alphabet"),
        ("B144030071526726XG", "department"),
        ("91440A0071526726XG", "administrative-division"),
        ("9144030071526726XH", "check character"),
        ("440301000000001", "legacy"),
        ("", "length 0"),
    ],
)
def test_errors(raw: str, fragment: str) -> None:
    result = check_uscc(raw)
    assert not result.valid
    assert not is_valid_uscc(raw)
    assert fragment in result.errors[0]


def test_make_uscc_rejects_bad_bodies() -> None:
    with pytest.raises(ValueError, match="17 characters"):
        make_uscc("91440300715267")
    with pytest.raises(ValueError, match="17 characters"):
        make_uscc("9144030071526726I")


def test_legacy_registration_number() -> None:
    assert is_legacy_registration_number("440301000000001")
    assert is_legacy_registration_number("".join(chr(ord(c) + 0xFEE0) for c in "440301000000001"))
    assert not is_legacy_registration_number("44030100000000")
    assert not is_legacy_registration_number("440301000000001\n1")
    assert not is_legacy_registration_number(VECTOR)


def test_organisation_code() -> None:
    assert is_organisation_code("71526726-X")
    assert is_organisation_code("71526726X")
    assert not is_organisation_code("71526726-1")
    assert not is_organisation_code("7152672-X")


_dept_cat = st.sampled_from(
    [(d, c) for d, cats in DEPARTMENT_CATEGORIES.items() for c in cats]
).map("".join)
_body = st.builds(
    lambda head, region, org: head + region + org,
    _dept_cat
    | st.tuples(st.sampled_from(sorted(DEPARTMENT_CATEGORIES)), st.sampled_from(ALPHABET)).map(
        "".join
    ),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)


@settings(max_examples=300)
@given(_body)
def test_make_uscc_is_always_valid(body: str) -> None:
    code = make_uscc(body)
    assert len(code) == 18
    assert check_uscc(code).valid
    assert compute_check_char(body) == code[-1]


@settings(max_examples=300)
@given(_body, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_detected(body: str, pos: int, new: str) -> None:
    # Every weight 3^i mod 31 is a unit mod the prime 31, so changing one character always
    # changes the weighted sum mod 31 and with it the expected check character.
    code = make_uscc(body)
    if code[pos] == new:
        new = ALPHABET[(ALPHABET.index(new) + 1) % 31]
    mutated = code[:pos] + new + code[pos + 1 :]
    assert not check_uscc(mutated).valid


def test_every_single_substitution_of_the_vector_is_detected() -> None:
    for pos in range(18):
        for new in ALPHABET:
            if new != VECTOR[pos]:
                assert not check_uscc(VECTOR[:pos] + new + VECTOR[pos + 1 :]).valid
