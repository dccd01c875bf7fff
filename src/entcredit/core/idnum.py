"""Resident identity card numbers (GB 11643-1999) and other identity documents. Pure functions.

ID numbers are PII: callers store ``hash_id`` for matching and ``mask_id`` for display, never
the number itself outside the PII column.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from entcredit.core.text import to_halfwidth

__all__ = [
    "PROVINCE_CODES",
    "IdCheck",
    "check_resident_id",
    "compute_id_check_char",
    "hash_id",
    "make_resident_id",
    "mask_id",
    "normalize_id",
    "upgrade_15_to_18",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
_CHECK_CHARS = "10X98765432"
# GB/T 2260 provinces, plus 71 (Taiwan) and 81/82/83: the residence permits of Hong Kong,
# Macau and Taiwan residents (港澳台居民居住证, 2018) carry 810000 / 820000 / 830000.
_PROVINCES = """
    11 12 13 14 15  21 22 23  31 32 33 34 35 36 37  41 42 43 44 45 46  50 51 52 53 54
    61 62 63 64 65  71  81 82 83
"""
PROVINCE_CODES = frozenset(_PROVINCES.split())
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_WHITESPACE = re.compile(r"\s+")
_MIN_BIRTH_YEAR = 1900


def normalize_id(raw: str) -> str:
    """Half-width, upper case, all whitespace removed: the form that is hashed and checked."""
    s = to_halfwidth(raw)
    if not s.isalnum():  # cheap test before the regex: most values carry no space at all
        s = _WHITESPACE.sub("", s)
    return s.upper()


def compute_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character over 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def make_resident_id(first17: str) -> str:
    """Complete 17 digits with their check character (synthetic data, tests)."""
    return first17 + compute_id_check_char(first17)


def upgrade_15_to_18(raw: str) -> str | None:
    """The 18-digit number a legacy 15-digit number became (born 19xx), or None if not 15 digits.

    Lets ``hash_id`` match a person across old and new records.
    """
    n = normalize_id(raw)
    if not _ID15.fullmatch(n):
        return None
    return make_resident_id(n[:6] + "19" + n[6:])


@dataclass(frozen=True, slots=True)
class IdCheck:
    number: str  # normalised: half-width, upper case, no whitespace
    errors: tuple[str, ...] = ()
    birth_date: date | None = None
    legacy: bool = False  # 15-digit number from before 1999

    @property
    def valid(self) -> bool:
        return not self.errors


def _birth_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def check_resident_id(raw: str) -> IdCheck:
    """Validate a resident ID number: 18-digit with check character, or legacy 15-digit.

    No clock here: a birth date is checked for being a real date from 1900 on, not for being
    in the past (callers with an ``as_of`` can compare ``birth_date``).
    """
    n = normalize_id(raw)
    if _ID18.fullmatch(n):
        legacy = False
        birth = _birth_date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
        birth_text = n[6:14]
    elif _ID15.fullmatch(n):
        legacy = True
        birth = _birth_date(1900 + int(n[6:8]), int(n[8:10]), int(n[10:12]))
        birth_text = "19" + n[6:12]
    elif len(n) in (15, 18):
        what = "15 digits" if len(n) == 15 else "17 digits and a check digit or X"
        return IdCheck(n, (f"expected {what}",))
    else:
        return IdCheck(n, (f"length {len(n)}, expected 18 (or a legacy 15-digit number)",))
    errors: list[str] = []
    if n[:2] not in PROVINCE_CODES:
        errors.append(f"region code {n[:6]} does not start with a province code")
    if birth is None or birth.year < _MIN_BIRTH_YEAR:
        errors.append(f"birth date {birth_text} is not a valid date")
        birth = None
    if not legacy:
        expected = compute_id_check_char(n[:17])
        if n[17] != expected:
            errors.append(f"check character is {n[17]}, expected {expected}")
    return IdCheck(n, tuple(errors), birth, legacy)


def mask_id(raw: str) -> str:
    """Display form: ``440305********123X``; 15-digit keeps 6 + 3; other documents (passports,
    permits) keep the last 4 only, and a value of 4 characters or fewer is masked entirely."""
    n = normalize_id(raw)
    if not n:
        return ""
    if _ID18.fullmatch(n):
        return n[:6] + "*" * 8 + n[14:]
    if _ID15.fullmatch(n):
        return n[:6] + "*" * 6 + n[12:]
    if len(n) <= 4:
        return "*" * 4
    return "*" * max(4, len(n) - 4) + n[-4:]


def hash_id(key: bytes, raw: str) -> str:
    """HMAC-SHA256 (hex) of the normalised number: stable across full-width, lower-case and
    space-padded forms of the same number, and a legacy 15-digit number hashes as the 18-digit
    number it became, so a person is one person on old and new records. Keyed so the small ID
    space cannot be enumerated."""
    if not key:
        raise ValueError("hash_id needs a non-empty secret key")
    number = upgrade_15_to_18(raw) or normalize_id(raw)
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()
