"""The compiled row validator: one closure per field, built once per category.

This is the ingest hot path (100-million-row loads), so everything that can be decided from
the catalogue is decided when the validator is built: each field becomes a small closure
that already holds its code list lookup, bounds and messages; the row loop does no lookups
of field definitions, no pydantic and no regex. Every type has a fast path for values that
are already canonical ('2024-05-01', '12.5', a valid USCC) and falls back to the exact but
slower parsers of ``entcredit.core`` only for everything else, so messages stay those of core.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, InvalidOperation
from types import FunctionType
from typing import TYPE_CHECKING, Literal, cast

from pydantic import JsonValue

from entcredit.catalog.headers import normalise_label
from entcredit.catalog.model import MULTI_SEPARATORS
from entcredit.core.dates import DateFormatError, parse_date
from entcredit.core.idnum import PROVINCE_CODES, check_resident_id, mask_id
from entcredit.core.text import TRIM_CHARS, to_halfwidth
from entcredit.core.uscc import (
    ALPHABET,
    DEPARTMENT_CATEGORIES,
    check_uscc,
    is_organisation_code,
    normalize_code,
)

if TYPE_CHECKING:
    from entcredit.catalog.model import Category, Field

__all__ = [
    "LEGACY_ORG_CODE_FIELD",
    "LEGACY_REG_NO_FIELD",
    "REQUIRED_MISSING",
    "FieldIssue",
    "RowValidator",
    "Severity",
    "Values",
    "compile_validator",
]

Severity = Literal["error", "warning"]
Values = dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class FieldIssue:
    field: str
    reason: str
    severity: Severity = "error"


RowValidator = Callable[[Mapping[str, str | None]], tuple[Values, list[FieldIssue]]]
_Step = Callable[[str, Values, list[FieldIssue]], None]
_Check = Callable[[Mapping[str, str | None], Values, list[FieldIssue]], None]

REQUIRED_MISSING = "required field missing"
# Keys the validator may add to ``values`` beside the category's fields when a legacy
# identifier stands in a uscc column: the pipeline attributes them as secondary identifiers.
LEGACY_REG_NO_FIELD = "reg_no"
LEGACY_ORG_CODE_FIELD = "org_code"
_SHOW = 40
_MAX_DIGITS_EXPONENT = 30  # |adjusted exponent| of a decimal; beyond it is garbage, not money
_INT_LIMIT = 2**63  # what a BIGINT column holds
_MEMO_LIMIT = 4096
_DEC_CONTEXT = Context(prec=100)
_BOOLEAN_WORDS: dict[str, bool] = {
    "true": True,
    "false": False,
    "t": True,
    "f": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
    "是": True,
    "否": False,
}
_MULTI_OTHER = tuple(s for s in MULTI_SEPARATORS if s != ";")


def _show(value: str) -> str:
    """The offending value as it appears in a reason: quoted, at most 40 characters."""
    return repr(value if len(value) <= _SHOW else value[:_SHOW] + "…")


def compile_validator(category: Category) -> RowValidator:
    """Build the row validator of ``category``. Prefer ``Category.validator()`` (cached).

    The row function is generated as straight-line Python source, one block per field, and
    compiled once: a loop over a field plan costs about 200 ns a field in interpreter
    overhead alone, a third of the per-row budget. Only identifiers the catalogue model has
    checked (field codes) and integers are written into the source; every other value
    (defaults, lookups, steps) is bound through the namespace, never spliced in as text.
    """
    ns: dict[str, object] = {
        "FieldIssue": FieldIssue,
        "_coerce": _coerce,
        "_show": _show,
        "_trim": TRIM_CHARS,
        "_missing": REQUIRED_MISSING,
        "_fromiso": date.fromisoformat,
    }
    src = [
        "def validate(raw):",
        "    values = {}",
        "    issues = []",
        "    get = raw.get",
    ]
    for i, f in enumerate(category.fields):
        if not (f.code.isidentifier() and f.code.isascii()):  # the model guarantees it
            raise ValueError(f"field code {f.code!r} is not an identifier")
        code = repr(f.code)
        src += [
            f"    v = get({code})",
            "    if v.__class__ is str:",
            "        v = v.strip(_trim)",
            "    elif v is not None:",
            "        v = _coerce(v)",
            "    if v:",
        ]
        step = _compile_step(f)
        if step is not None:
            ns[f"_s{i}"] = step
        if f.type == "text":
            if f.max_length is None:
                src.append(f"        values[{code}] = v")
            else:
                n = int(f.max_length)
                src += [
                    f"        if len(v) <= {n}:",
                    f"            values[{code}] = v",
                    "        else:",
                    f"            issues.append(FieldIssue({code}, "
                    f"_show(v) + ' is longer than {n} characters'))",
                ]
        elif f.type == "date":
            # Canonical 'YYYY-MM-DD' (nearly every row): fromisoformat only validates it.
            src += [
                "        if len(v) == 10 and v[4] == '-' and v[7] == '-':",
                "            try:",
                "                _fromiso(v)",
                f"                values[{code}] = v",
                "            except ValueError:",
                f"                _s{i}(v, values, issues)",
                "        else:",
                f"            _s{i}(v, values, issues)",
            ]
        elif f.type == "code":
            ns[f"_l{i}"] = _code_lookup(f).get
            src += [
                f"        c = _l{i}(v)",
                "        if c is None:",
                f"            _s{i}(v, values, issues)",
                "        else:",
                f"            values[{code}] = c",
            ]
        else:
            src.append(f"        _s{i}(v, values, issues)")
        if f.required:
            src += ["    else:", f"        issues.append(FieldIssue({code}, _missing))"]
        elif f.default is not None:
            ns[f"_d{i}"] = f.default
            src += ["    else:", f"        values[{code}] = _d{i}"]
    checks = tuple(c for f in category.fields for c in _compile_checks(f))
    if checks:
        ns["_checks"] = checks
        src += ["    for check in _checks:", "        check(raw, values, issues)"]
    src.append("    return values, issues")
    code_obj = compile("\n".join(src), f"<validator {category.name}>", "exec")
    exec(code_obj, ns)  # noqa: S102 - source built above from checked identifiers only
    validate = cast(FunctionType, ns["validate"])
    validate.__qualname__ = validate.__name__ = f"validate_{category.name}"
    return cast(RowValidator, validate)


def _coerce(v: object) -> str:
    """A JSONL reader may hand over JSON numbers, booleans or lists: read them as text."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return ";".join(str(x) for x in v).strip(TRIM_CHARS)
    return str(v).strip(TRIM_CHARS)


# --------------------------------------------------------------------------- field steps


def _compile_step(f: Field) -> _Step | None:
    """The closure that parses one cleaned, non-empty value; None for plain text."""
    t = f.type
    if t == "text":
        return None  # inlined in the row loop (length check included)
    if t == "date":
        return _date_step(f.code)
    if t == "decimal":
        return _decimal_step(f)
    if t == "integer":
        return _integer_step(f)
    if t == "boolean":
        return _boolean_step(f)
    if t == "code":
        return _code_step(f)
    if t == "codes":
        return _codes_step(f)
    if t == "uscc":
        return _uscc_step(f)
    if t == "id_number":
        return _id_step(f.code)
    if t == "year":
        return _year_step(f.code)
    if t == "region_code":
        return _region_step(f.code)
    if t == "industry_code":
        return _industry_step(f.code)
    if t == "names":
        return _names_step(f)
    if t == "reg_no":
        return _reg_no_step(f.code)
    raise AssertionError(f"unhandled field type {t!r}")  # the model's Literal forbids it


def _date_step(code: str) -> _Step:
    fromiso = date.fromisoformat

    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        # Canonical 'YYYY-MM-DD' (nearly every row): fromisoformat only validates it.
        if len(v) == 10 and v[4] == "-" and v[7] == "-":
            try:
                fromiso(v)
            except ValueError:
                pass
            else:
                values[code] = v
                return
        try:
            values[code] = parse_date(v).isoformat()
        except DateFormatError as exc:
            issues.append(FieldIssue(code, str(exc)))

    return step


def _bounds_reason(
    v: str, num: Decimal | int, lo: Decimal | None, hi: Decimal | None
) -> str | None:
    if lo is not None and num < lo:
        return f"{_show(v)} is below the minimum {lo}"
    if hi is not None and num > hi:
        return f"{_show(v)} is above the maximum {hi}"
    return None


def _strip_thousands(s: str) -> str | None:
    """'1,234,567.5' -> '1234567.5'; None when the commas are not thousands separators."""
    sign = s[0] if s[:1] in ("+", "-") else ""
    whole, dot, frac = s[len(sign) :].partition(".")
    groups = whole.split(",")
    if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        return None
    return sign + "".join(groups) + dot + frac


def _parse_decimal(v: str) -> Decimal | str:
    """The number, or the reason it is not one."""
    s = to_halfwidth(v)
    if "," in s:
        stripped = _strip_thousands(s)
        if stripped is None:
            return f"{_show(v)} is not a decimal number (misplaced thousands separator)"
        s = stripped
    if not s.isascii():
        return f"{_show(v)} is not a decimal number"
    try:
        d = Decimal(s)
    except InvalidOperation:
        return f"{_show(v)} is not a decimal number"
    if not d.is_finite():
        return f"{_show(v)} is not a decimal number"
    if d and not -_MAX_DIGITS_EXPONENT <= d.adjusted() <= _MAX_DIGITS_EXPONENT:
        return f"{_show(v)} is out of range"
    return d


def _canonical_decimal(d: Decimal) -> str:
    if not d:
        return "0"  # also for -0 and 0E-5
    return format(d.normalize(_DEC_CONTEXT), "f")


def _decimal_step(f: Field) -> _Step:
    code, lo, hi = f.code, f.min, f.max
    fast_ok = (lo is None or lo <= 0) and hi is None

    def slow(v: str, values: Values, issues: list[FieldIssue]) -> None:
        d = _parse_decimal(v)
        if isinstance(d, str):
            issues.append(FieldIssue(code, d))
            return
        reason = _bounds_reason(v, d, lo, hi)
        if reason is not None:
            issues.append(FieldIssue(code, reason))
            return
        values[code] = _canonical_decimal(d)

    if not fast_ok:
        return slow

    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        # Already canonical and non-negative: digits, no leading zero, no trailing zero.
        whole, dot, frac = v.partition(".")
        if (
            whole.isdigit()
            and whole.isascii()
            and (whole[0] != "0" or len(whole) == 1)
            and (not dot or (frac.isdigit() and frac.isascii() and frac[-1] != "0"))
            and len(whole) <= _MAX_DIGITS_EXPONENT
        ):
            values[code] = v
            return
        slow(v, values, issues)

    return step


def _integer_step(f: Field) -> _Step:
    code, lo, hi = f.code, f.min, f.max

    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        if v.isdigit() and v.isascii() and len(v) < 19:
            n = int(v)
        else:
            d = _parse_decimal(v)
            if isinstance(d, str):
                issues.append(FieldIssue(code, d.replace("a decimal number", "an integer")))
                return
            if d != d.to_integral_value():
                issues.append(FieldIssue(code, f"{_show(v)} is not an integer"))
                return
            n = int(d)
            if not -_INT_LIMIT < n < _INT_LIMIT:
                issues.append(FieldIssue(code, f"{_show(v)} is out of range"))
                return
        reason = _bounds_reason(v, n, lo, hi)
        if reason is not None:
            issues.append(FieldIssue(code, reason))
            return
        values[code] = n

    return step


def _boolean_step(f: Field) -> _Step:
    code = f.code
    words = dict(_BOOLEAN_WORDS)
    for item in f.codes:  # e.g. 合格 / 不合格 for product_check.qualified
        words[normalise_label(item.label_zh).lower()] = item.code == "true"
    lookup = words.get
    allowed = (
        "true/false, 是/否, yes/no, 1/0"
        + "".join(f", {c.label_zh}" for c in f.codes if c.code == "true")
        + "".join(f"/{c.label_zh}" for c in f.codes if c.code == "false")
    )

    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        b = lookup(v)
        if b is None:
            b = lookup(to_halfwidth(v).replace(" ", "").lower())
            if b is None:
                issues.append(FieldIssue(code, f"{_show(v)} is not a boolean ({allowed})"))
                return
        values[code] = b

    return step


def _code_lookup(f: Field) -> dict[str, str]:
    """Accepted spellings -> canonical code: the code itself, any case, half-width or not,
    and the Chinese label (half-width punctuation, no spaces)."""
    lookup: dict[str, str] = {}
    for item in f.codes:
        lookup[item.code] = item.code
        lookup[item.code.lower()] = item.code
    for item in f.codes:
        lookup.setdefault(item.label_zh, item.code)
        lookup.setdefault(normalise_label(item.label_zh).lower(), item.code)
    return lookup


def _normalise_value(v: str) -> str:
    return to_halfwidth(v).replace(" ", "").lower()


def _allowed(codes: tuple[str, ...] | list[str]) -> str:
    shown = ", ".join(codes)
    return shown if len(shown) <= 120 else shown[:120] + "…"


def _code_step(f: Field) -> _Step:
    code = f.code
    lookup = _code_lookup(f).get
    allowed = _allowed([c.code for c in f.codes])

    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        c = lookup(v)
        if c is None:
            c = lookup(_normalise_value(v))
            if c is None:
                issues.append(FieldIssue(code, f"{_show(v)} is not in the code list ({allowed})"))
                return
        values[code] = c

    return step


def _codes_step(f: Field) -> _Step:
    code, required = f.code, f.required
    lookup = _code_lookup(f).get
    allowed = _allowed([c.code for c in f.codes])
    others = _MULTI_OTHER
    trim = TRIM_CHARS

    # The combinations a department writes are few: remember the parsed ones (bounded).
    memo: dict[str, tuple[str, ...]] = {}
    memo_get = memo.get

    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        known = memo_get(v)
        if known is not None:
            values[code] = list(known)
            return
        raw = v
        for sep in others:
            if sep in v:
                v = v.replace(sep, ";")
        found: set[str] = set()
        bad: list[str] = []
        for part in v.split(";"):
            c = lookup(part)
            if c is None:
                part = part.strip(trim)
                if not part:
                    continue
                c = lookup(part) or lookup(_normalise_value(part))
                if c is None:
                    bad.append(part)
                    continue
            found.add(c)
        if bad:
            shown = ", ".join(_show(b) for b in bad[:5])
            issues.append(FieldIssue(code, f"{shown} not in the code list ({allowed})"))
            return
        if found:
            result = sorted(found)
            if len(memo) < _MEMO_LIMIT:
                memo[raw] = tuple(result)
            values[code] = list(result)
        elif required:
            issues.append(FieldIssue(code, REQUIRED_MISSING))

    return step


def _names_step(f: Field) -> _Step:
    code, max_len = f.code, f.max_length
    trim = TRIM_CHARS

    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        names: list[str] = []
        for part in v.replace("；", ";").split(";"):
            part = part.strip(trim)
            if part and part not in names:
                if max_len is not None and len(part) > max_len:
                    issues.append(
                        FieldIssue(code, f"{_show(part)} is longer than {max_len} characters")
                    )
                    return
                names.append(part)
        if names:
            values[code] = list(names)  # a fresh list[JsonValue]

    return step


# USCC fast path. The check sum sum(v_i * 3^i) mod 31 equals int(reversed body, 34) mod 31,
# because 34 = 3 (mod 31): one C-level int() instead of 17 Python multiplications. Likewise
# the embedded organisation code's weights are 3 * 6^k (mod 11), i.e. 3 * 6^7 * 2^(7-k), and
# 35 = 2 (mod 11). For the USCC sum, letters are first mapped from the USCC alphabet (which
# skips I, O, S, V, Z) to the base-36 digit of the same value; the organisation code uses
# plain base-36 values (A=10 ... Y=34), so it reads the original characters. Only codes that
# pass everything (no error, no warning) take this path; anything else goes through
# core.uscc.check_uscc for its exact reasons.
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TO_BASE36 = bytes.maketrans(
    (ALPHABET + "IOSVZ").encode(), (_BASE36[: len(ALPHABET)] + "!!!!!").encode()
)
_ORG_FACTOR = 3 * pow(6, 7, 11)
_ORG_CHECK = ("0", "X", "9", "8", "7", "6", "5", "4", "3", "2", "1")  # by sum mod 11


def fast_uscc(code: str) -> bool:
    """True when ``code`` (upper-case ASCII letters and digits, 18 long) is a USCC that
    ``check_uscc`` accepts without error or warning."""
    cats = DEPARTMENT_CATEGORIES.get(code[0])
    if cats is None or code[1] not in cats:
        return False
    body = code[:17]
    if not body.isdigit():
        if not code[2:8].isdigit():
            return False
        mapped = body.encode().translate(_TO_BASE36)
        if b"!" in mapped:
            return False
        body = mapped.decode()
    try:
        total = int(body[::-1], 34) % 31
        org = _ORG_FACTOR * int(code[8:16], 35) % 11  # base-36 values, not the USCC ones
    except ValueError:
        return False
    return ALPHABET[(31 - total) % 31] == code[17] and _ORG_CHECK[org] == code[16]


def _uscc_step(f: Field) -> _Step:
    code, required = f.code, f.required

    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        if len(v) == 18 and v.isascii() and v.isalnum():
            u = v.upper()
            if fast_uscc(u):
                values[code] = u
                return
        result = check_uscc(v)
        if result.valid:
            values[code] = result.code
            for w in result.warnings:
                issues.append(FieldIssue(code, w, "warning"))
            return
        n = normalize_code(v)
        legacy: tuple[str, str] | None = None
        if len(n) == 15 and n.isdigit() and n.isascii():
            legacy = (LEGACY_REG_NO_FIELD, "legacy registration number")
        elif is_organisation_code(n):
            legacy = (LEGACY_ORG_CODE_FIELD, "legacy organisation code")
            n = n.replace("-", "")
        if legacy is None:
            issues.append(FieldIssue(code, f"{_show(v)}: {result.errors[0]}"))
            return
        key, what = legacy
        if required:
            # A secondary identifier never stands in for the primary key.
            issues.append(FieldIssue(code, f"{_show(v)} is a {what}, not a USCC"))
            return
        issues.append(
            FieldIssue(code, f"{what} {n}, attributed as secondary identifier", "warning")
        )
        values[code] = None
        values.setdefault(key, n)

    return step


_ID_CHECK = "10X98765432"


def _fast_resident_id(n: str) -> bool:
    """True when ``n`` (ASCII letters and digits, upper case, 18 long) is a number that
    ``check_resident_id`` accepts. Weights 2^(17-i) mod 11: 13 = 2 (mod 11), so the check sum
    is 2 * int(first 17, 13) mod 11."""
    if n[:2] not in PROVINCE_CODES or not n[:17].isdigit():
        return False
    if _ID_CHECK[2 * int(n[:17], 13) % 11] != n[17]:
        return False
    year = int(n[6:10])
    if year < 1900:
        return False
    try:
        date(year, int(n[10:12]), int(n[12:14]))
    except ValueError:
        return False
    return True


def _id_step(code: str) -> _Step:
    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        if len(v) == 18 and v.isascii() and v.isalnum():
            u = v.upper()
            if _fast_resident_id(u):
                values[code] = u
                return
        result = check_resident_id(v)
        n = result.number
        if result.valid:
            values[code] = n
            return
        body = n[:-1] if n.endswith("X") else n
        if len(n) not in (15, 18) or not body.isdigit() or not body.isascii():
            # A passport, a permit or another document: kept, but flagged.
            issues.append(
                FieldIssue(
                    code,
                    f"{mask_id(n)} is not a resident ID number, kept as another document",
                    "warning",
                )
            )
            values[code] = n
            return
        # Reasons reach reports and screens: an ID number appears masked there too.
        issues.append(FieldIssue(code, f"{mask_id(v)}: {'; '.join(result.errors)}"))

    return step


def _year_step(code: str) -> _Step:
    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        s = v
        if not (len(s) == 4 and s.isdigit() and s.isascii()):
            s = to_halfwidth(v).replace(" ", "").removesuffix("年度").removesuffix("年")
        if len(s) == 4 and s.isdigit() and s.isascii():
            y = int(s)
            if 1900 <= y <= 2100:
                values[code] = y
                return
            issues.append(FieldIssue(code, f"{_show(v)} is outside 1900-2100"))
            return
        issues.append(FieldIssue(code, f"{_show(v)} is not a 4-digit year"))

    return step


def _region_step(code: str) -> _Step:
    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        s = v if v.isascii() else to_halfwidth(v)
        if len(s) != 6 or not s.isdigit() or not s.isascii():
            issues.append(FieldIssue(code, f"{_show(v)} is not a 6-digit region code"))
            return
        if s[:2] not in PROVINCE_CODES:
            issues.append(
                FieldIssue(code, f"{_show(v)} does not start with a province code (GB/T 2260)")
            )
            return
        values[code] = s

    return step


def _industry_step(code: str) -> _Step:
    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        s = to_halfwidth(v).upper()
        if (
            1 <= len(s) <= 5
            and s.isascii()
            and "A" <= s[0] <= "Z"
            and (len(s) == 1 or s[1:].isdigit())
        ):
            values[code] = s
            return
        issues.append(
            FieldIssue(code, f"{_show(v)} is not an industry code (a letter and up to 4 digits)")
        )

    return step


def _reg_no_step(code: str) -> _Step:
    def step(v: str, values: Values, issues: list[FieldIssue]) -> None:
        n = normalize_code(v)
        if len(n) == 15 and n.isdigit() and n.isascii():
            values[code] = n
            return
        issues.append(FieldIssue(code, f"{_show(v)} is not a 15-digit registration number"))

    return step


# ------------------------------------------------------------------- row-level checks


def _compile_checks(f: Field) -> list[_Check]:
    checks: list[_Check] = []
    code = f.code
    trim = TRIM_CHARS

    def condition(when: Mapping[str, tuple[str, ...]]) -> tuple[Callable[[Values], bool], str]:
        pairs = tuple((k, frozenset(v)) for k, v in when.items())
        text = " and ".join(f"{k} is {'/'.join(v)}" for k, v in when.items())

        def holds(values: Values) -> bool:
            for k, allowed in pairs:
                got = values.get(k)
                if not isinstance(got, str) or got not in allowed:
                    return False
            return True

        return holds, text

    if f.required_when:
        holds, text = condition(f.required_when)
        reason = f"required when {text}"

        def required_when(
            raw: Mapping[str, str | None], values: Values, issues: list[FieldIssue]
        ) -> None:
            if code in values or not holds(values):
                return
            v = raw.get(code)
            if v is None or not str(v).strip(trim):
                issues.append(FieldIssue(code, reason))

        checks.append(required_when)

    for rule in f.codes_when:
        holds, text = condition(rule.when)
        allowed = frozenset(rule.codes)
        shown = _allowed(list(rule.codes))

        def codes_when(
            raw: Mapping[str, str | None],
            values: Values,
            issues: list[FieldIssue],
            holds: Callable[[Values], bool] = holds,
            allowed: frozenset[str] = allowed,
            text: str = text,
            shown: str = shown,
        ) -> None:
            got = values.get(code)
            if got is None or not holds(values):
                return
            items = got if isinstance(got, list) else [got]
            bad = [x for x in items if x not in allowed]
            if bad:
                del values[code]
                issues.append(
                    FieldIssue(code, f"{_show(str(bad[0]))} is not allowed when {text} ({shown})")
                )

        checks.append(codes_when)

    if f.not_before is not None:
        other = f.not_before

        def not_before(
            raw: Mapping[str, str | None], values: Values, issues: list[FieldIssue]
        ) -> None:
            mine = values.get(code)
            theirs = values.get(other)
            # ISO dates compare correctly as strings.
            if isinstance(mine, str) and isinstance(theirs, str) and mine < theirs:
                issues.append(FieldIssue(code, f"{mine} is before {other} {theirs}"))

        checks.append(not_before)
    return checks
