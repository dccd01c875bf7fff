"""Identifiers built bijectively from an index, so they never collide and need no memory."""

from __future__ import annotations

from datetime import date, timedelta
from math import gcd
from typing import Final

from entcredit.core.idnum import make_resident_id
from entcredit.core.uscc import ALPHABET, compute_org_check_char, make_uscc
from entcredit.synth._geo import ID_REGIONS

_ORG_MODULUS: Final = 31**6  # "MA" + 6 characters of the USCC alphabet
_LEGACY_MODULUS: Final = 10**8  # 8 digits (pre-2015 organisation codes)
_MIX_A: Final = 1_000_003  # odd, not a multiple of 5 or 31: coprime to both moduli
_MIX_B: Final = 7_777_777

_BIRTH_FIRST: Final = date(1950, 1, 1)
_BIRTH_DAYS: Final = (date(2003, 12, 31) - _BIRTH_FIRST).days + 1
_ID_MODULUS: Final = len(ID_REGIONS) * _BIRTH_DAYS * 1000
_ID_A: Final = 2_654_435_761
_ID_B: Final = 123_456_789
assert gcd(_ID_A, _ID_MODULUS) == 1


def org_body(index: int, legacy: bool) -> str:
    """The 9-character organisation part (with its GB 11714 check) of entity ``index``."""
    if legacy:
        n = (index * _MIX_A + _MIX_B) % _LEGACY_MODULUS
        first8 = f"{n:08d}"
    else:
        n = (index * _MIX_A + _MIX_B) % _ORG_MODULUS
        chars = []
        for _ in range(6):
            n, r = divmod(n, 31)
            chars.append(ALPHABET[r])
        first8 = "MA" + "".join(chars)
    return first8 + compute_org_check_char(first8)


def uscc_for(index: int, category: str, region: str, legacy: bool) -> str:
    """USCC of a market-regulation registration (department 9, category 1/2/3)."""
    return make_uscc("9" + category + region + org_body(index, legacy)[:9])


_BIRTH_STRINGS: list[str] = []


def resident_id(person_index: int) -> str:
    """An 18-digit resident ID, unique per ``person_index``: Guangdong region, born 1950-2003."""
    p = (person_index * _ID_A + _ID_B) % _ID_MODULUS
    p, r = divmod(p, len(ID_REGIONS))
    seq, d = divmod(p, _BIRTH_DAYS)
    if not _BIRTH_STRINGS:
        _BIRTH_STRINGS.extend(
            f"{_BIRTH_FIRST + timedelta(days=i):%Y%m%d}" for i in range(_BIRTH_DAYS)
        )
    return make_resident_id(f"{ID_REGIONS[r]}{_BIRTH_STRINGS[d]}{seq:03d}")
