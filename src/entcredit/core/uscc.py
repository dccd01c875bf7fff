"""Unified social credit code (GB 32100-2015) and legacy identifiers. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import mul

from entcredit.core.text import to_halfwidth

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Registration-department code -> the organisation-category codes it may issue.
DEPARTMENT_CATEGORIES: dict[str, str] = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "12345",  # 司法行政 (律师事务所, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会)
    "4": "19",  # 文化
    "5": "1239",  # 民政
    "6": "19",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商/市场监管: 1 enterprise, 2 individual business, 3 cooperative
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}
# fullmatch with [0-9], not ^\d$: \d takes any Unicode digit and $ a trailing newline.
_LEGACY_REGNO = re.compile(r"[0-9]{15}")
_ORG_CODE = re.compile(r"[0-9A-Z]{8}-?[0-9X]")
_ORG_BODY = re.compile(r"[0-9A-Z]{8}")
_WHITESPACE = re.compile(r"\s+")
_ALPHABET_SET = frozenset(ALPHABET)
_ORG_VALUE = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}  # A=10 ... Z=35


def normalize_code(raw: str) -> str:
    """Half-width, upper case, whitespace removed: what a department meant to type."""
    s = to_halfwidth(raw)
    if not s.isalnum():  # cheap pre-test: the regex only runs on values with a stray char
        s = _WHITESPACE.sub("", s)
    return s.upper()


def compute_check_char(first17: str) -> str:
    """The 18th character for the first 17 (which must use the USCC alphabet)."""
    if len(first17) != 17 or not _ALPHABET_SET.issuperset(first17):
        raise ValueError(f"expected 17 characters of {ALPHABET}, got {first17!r}")
    return _check_char(first17)


def _check_char(first17: str) -> str:
    # map() over C callables: check_uscc runs once per row on the ingest hot path.
    total = sum(map(mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def compute_org_check_char(first8: str) -> str:
    """GB 11714 check character of an organisation code's first 8 characters."""
    if not _ORG_BODY.fullmatch(first8):
        raise ValueError(f"expected 8 characters 0-9 or A-Z, got {first8!r}")
    return _org_check_char(first8)


def _org_check_char(first8: str) -> str:
    total = sum(map(mul, map(_ORG_VALUE.__getitem__, first8), _ORG_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


@dataclass(frozen=True, slots=True)
class UsccCheck:
    code: str
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return not self.errors


def check_uscc(raw: str) -> UsccCheck:
    """Validate a USCC. Errors make it unusable; warnings (embedded organisation code,
    department/category pairing) are recorded but the code stands, because some legitimately
    issued codes fail them."""
    code = normalize_code(raw)
    if len(code) != 18:
        hint = " (a legacy registration number?)" if _LEGACY_REGNO.fullmatch(code) else ""
        return UsccCheck(code, (f"length {len(code)}, expected 18{hint}",))
    if not _ALPHABET_SET.issuperset(code):
        bad = next(c for c in code if c not in _ALPHABET_SET)
        return UsccCheck(code, (f"character {bad!r} is not in the USCC alphabet",))
    dept, cat = code[0], code[1]
    if dept not in DEPARTMENT_CATEGORIES:
        return UsccCheck(code, (f"registration department code {dept!r} does not exist",))
    if not code[2:8].isdigit():
        return UsccCheck(code, ("positions 3-8 must be an administrative-division code",))
    expected = _check_char(code[:17])
    if code[17] != expected:
        return UsccCheck(code, (f"check character is {code[17]}, expected {expected}",))
    warnings: list[str] = []
    if cat not in DEPARTMENT_CATEGORIES[dept]:
        warnings.append(f"organisation category {cat!r} is unusual for department {dept!r}")
    org = code[8:17]
    org_expected = _org_check_char(org[:8])
    if org[8] != org_expected:
        warnings.append(
            f"embedded organisation code check character is {org[8]}, expected {org_expected}"
        )
    return UsccCheck(code, (), tuple(warnings))


def is_valid_uscc(raw: str) -> bool:
    return check_uscc(raw).valid


def is_legacy_registration_number(raw: str) -> bool:
    """15-digit registration number (GS15-2006): a secondary identifier only."""
    return _LEGACY_REGNO.fullmatch(normalize_code(raw)) is not None


def is_organisation_code(raw: str) -> bool:
    """9-character organisation code (GB 11714), with or without the hyphen."""
    code = normalize_code(raw)
    if not _ORG_CODE.fullmatch(code):
        return False
    code = code.replace("-", "")
    return _org_check_char(code[:8]) == code[8]


def make_uscc(prefix: str) -> str:
    """Complete a 17-character body with its check character (used by the synthetic data).

    Raises ValueError when the body is not 17 characters of the USCC alphabet.
    """
    return prefix + compute_check_char(prefix)
