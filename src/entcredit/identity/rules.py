"""Pure identity rules: roles, the principal a request acts as, who may touch which
department's data, and the password policy. No database, clock or network here."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    regulator_admin = "regulator_admin"
    regulator_analyst = "regulator_analyst"
    department_staff = "department_staff"
    inspector = "inspector"


# Roles that see every department's data (the market regulator's own staff).
REGULATOR_ROLES: frozenset[Role] = frozenset({Role.regulator_admin, Role.regulator_analyst})
ALL_ROLES: frozenset[Role] = frozenset(Role)

PrincipalKind = Literal["staff", "department_token"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: a signed-in staff user or a department's API token."""

    kind: PrincipalKind
    user_id: int | None
    username: str | None
    dept_id: int | None
    dept_code: str | None
    roles: frozenset[Role]
    # Id of the API token for department tokens (for audit and revocation), else None.
    token_id: int | None = None

    @property
    def actor(self) -> str:
        """The audit actor string: ``user:<username>`` or ``dept:<dept_code>``."""
        if self.kind == "staff":
            return f"user:{self.username}"
        return f"dept:{self.dept_code}"

    def has_any_role(self, roles: frozenset[Role] | set[Role]) -> bool:
        return not self.roles.isdisjoint(roles)


def can_access_department(principal: Principal, dept_code: str) -> bool:
    """Regulator staff may act for any department; everyone else only for their own."""
    if principal.kind == "staff" and principal.has_any_role(REGULATOR_ROLES):
        return True
    return principal.dept_code is not None and principal.dept_code == dept_code


def parse_roles(values: str | list[str] | tuple[str, ...] | set[str]) -> frozenset[Role]:
    """Roles from a comma list or a sequence; unknown names raise ``ValueError`` naming them."""
    items = values.split(",") if isinstance(values, str) else list(values)
    names = [v.strip() for v in items if v.strip()]
    unknown = [n for n in names if n not in Role.__members__]
    if unknown:
        valid = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role(s): {', '.join(unknown)} (valid: {valid})")
    return frozenset(Role(n) for n in names)


def check_role_department(roles: frozenset[Role], dept_id: int | None) -> str | None:
    """Department staff must belong to a department; returns the problem, or None."""
    if Role.department_staff in roles and dept_id is None:
        return "department_staff users must belong to a department (--dept-code)"
    return None


PASSWORD_MIN_LENGTH = 12


def _char_class(ch: str) -> str:
    if ch.isdigit():
        return "digit"
    if ch.isalpha() and ch.isascii():
        return "upper" if ch.isupper() else "lower"
    if ch.isalpha():
        return "other_letter"
    return "symbol"


def password_problems(password: str) -> list[str]:
    """Why a password is refused (empty list: acceptable). Messages are bilingual."""
    password = unicodedata.normalize("NFC", password)
    problems: list[str] = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(
            f"密码至少 {PASSWORD_MIN_LENGTH} 个字符 / "
            f"password must be at least {PASSWORD_MIN_LENGTH} characters"
        )
    if password and len({_char_class(c) for c in password}) < 2:
        problems.append(
            "密码须混合至少两类字符（大写、小写、数字、符号） / "
            "password must mix at least two kinds of characters "
            "(upper case, lower case, digits, symbols)"
        )
    return problems


class PasswordPolicyError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check_password_policy(password: str) -> None:
    """Raise ``PasswordPolicyError`` listing every problem, or return."""
    problems = password_problems(password)
    if problems:
        raise PasswordPolicyError(problems)
