from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entcredit.identity.rules import (
    PASSWORD_MIN_LENGTH,
    PasswordPolicyError,
    Principal,
    Role,
    can_access_department,
    check_password_policy,
    check_role_department,
    parse_roles,
    password_problems,
)


def staff(*roles: Role, dept: str | None = None) -> Principal:
    return Principal("staff", 1, "u", 1 if dept else None, dept, frozenset(roles))


def token(dept: str) -> Principal:
    return Principal(
        "department_token", None, None, 7, dept, frozenset({Role.department_staff}), token_id=3
    )


def test_roles_are_the_four_of_the_contract() -> None:
    assert {r.value for r in Role} == {
        "regulator_admin",
        "regulator_analyst",
        "department_staff",
        "inspector",
    }


@pytest.mark.parametrize(
    ("principal", "dept", "allowed"),
    [
        (staff(Role.regulator_admin), "440000SW", True),
        (staff(Role.regulator_analyst), "440000HB", True),
        (staff(Role.department_staff, dept="440000SW"), "440000SW", True),
        (staff(Role.department_staff, dept="440000SW"), "440000HB", False),
        (staff(Role.inspector), "440000SW", False),
        (staff(Role.inspector, dept="440000SW"), "440000SW", True),
        (token("440000SW"), "440000SW", True),
        (token("440000SW"), "440000HB", False),
        (token("440000SW"), "", False),
    ],
)
def test_can_access_department(principal: Principal, dept: str, allowed: bool) -> None:
    assert can_access_department(principal, dept) is allowed


def test_a_token_never_gains_regulator_reach_even_with_regulator_roles() -> None:
    forged = Principal(
        "department_token", None, None, 7, "440000SW", frozenset({Role.regulator_admin})
    )
    assert not can_access_department(forged, "440000HB")


def test_actor_strings() -> None:
    assert staff(Role.inspector).actor == "user:u"
    assert token("440000SW").actor == "dept:440000SW"


def test_parse_roles() -> None:
    assert parse_roles("inspector, regulator_admin") == {Role.inspector, Role.regulator_admin}
    assert parse_roles(["department_staff"]) == {Role.department_staff}
    with pytest.raises(ValueError, match="unknown role"):
        parse_roles("root,inspector")


def test_department_staff_need_a_department() -> None:
    assert check_role_department(frozenset({Role.department_staff}), None)
    assert check_role_department(frozenset({Role.department_staff}), 3) is None
    assert check_role_department(frozenset({Role.regulator_admin}), None) is None


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Correct-Horse-42", True),
        ("correcthorse42", True),
        ("企业信用信息归集公示平台2025", True),
        ("short-Pw1", False),
        ("aaaaaaaaaaaaaaaa", False),
        ("1234567890123456", False),
        ("ABCDEFGHIJKLMNOP", False),
        ("", False),
    ],
)
def test_password_policy(password: str, ok: bool) -> None:
    assert (password_problems(password) == []) is ok


def test_password_policy_message_is_clear() -> None:
    with pytest.raises(PasswordPolicyError) as info:
        check_password_policy("abc")
    assert len(info.value.problems) == 2
    assert "at least 12 characters" in str(info.value)
    assert "至少 12 个字符" in str(info.value)


@given(st.text(min_size=PASSWORD_MIN_LENGTH, alphabet=st.sampled_from("abcdefghij")))
def test_a_single_class_is_never_enough(password: str) -> None:
    assert password_problems(password)
