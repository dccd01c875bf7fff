"""The catalogue implements shared/spec/exchange-format.md exactly.

The spec lives beside the checkout (``../shared``); CI has it. The project never reads it at
run time, but this test does, and it fails loudly (never skips) when the spec is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from entcredit.catalog import Catalog, Field, load_catalog

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "exchange-format.md"
COMMON = "__common__"

# The spec's "req" column in words -> (required at validation, required_when).
REQUIRED_TEXT: dict[str, tuple[bool, dict[str, tuple[str, ...]] | None]] = {
    "yes": (True, None),
    "no": (False, None),
    # dept_code: may be omitted when the department is known from its credentials.
    "see above": (False, None),
    "yes for entities that have one": (False, None),
    "yes for `list`": (False, {"action": ("list",)}),
}


@dataclass
class SpecField:
    code: str
    label: str
    type_text: str
    req_text: str


@dataclass
class SpecCategory:
    name: str
    label_zh: str
    fields: list[SpecField] = field(default_factory=list)


def _parse_spec(text: str) -> dict[str, SpecCategory]:
    categories: dict[str, SpecCategory] = {}
    current: SpecCategory | None = None
    for line in text.splitlines():
        if line.startswith("### "):
            m = re.match(r"### `(\w+)` — .*\(([^()]+)\)\s*$", line)
            assert m, f"unparsed category heading: {line}"
            current = categories.setdefault(m[1], SpecCategory(m[1], m[2]))
        elif line.startswith("## "):
            current = None
            if line.startswith("## Aggregated record categories"):
                current = categories.setdefault(COMMON, SpecCategory(COMMON, ""))
        elif current is not None and line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] in ("code", "---") or set(cells[0]) <= {"-"}:
                continue
            assert len(cells) == 4, f"unparsed table row: {line}"
            current.fields.append(SpecField(cells[0], cells[1], cells[2], cells[3]))
    return categories


@dataclass
class SpecType:
    type: str
    codes: list[tuple[str, str | None]]  # (code, Chinese label if the spec gives one)
    pii: bool = False


def _codes(text: str) -> list[tuple[str, str | None]]:
    text = text.split("; separated by")[0]
    parts = text.split("`")
    out: list[tuple[str, str | None]] = []
    k = 1
    while k < len(parts):
        code, after = parts[k], parts[k + 1] if k + 1 < len(parts) else ""
        if after.strip() == "-" and k + 2 < len(parts):  # a range `1`-`4`
            lo, hi = int(code), int(parts[k + 2])
            out += [(str(n), None) for n in range(lo, hi + 1)]
            k += 4
            continue
        label = after.strip().strip("/,").strip()
        label = re.split(r"\s+/\s+|,\s*", label)[0].strip() if label else ""
        if label.startswith("(") and label.endswith(")"):
            label = label[1:-1]
        out.append((code, label if label and not label.isascii() else None))
        k += 2
    unique: list[tuple[str, str | None]] = []
    for item in out:
        if item[0] not in [c for c, _ in unique]:
            unique.append(item)
    return unique


def _spec_type(type_text: str) -> SpecType:
    t = type_text
    if t == "USCC":
        return SpecType("uscc", [])
    if t.startswith("ID number (PII)"):
        return SpecType("id_number", [], pii=True)
    if t.startswith("text"):
        return SpecType("text", [])
    if t.startswith("date"):
        return SpecType("date", [])
    if t in ("decimal", "integer", "year"):
        return SpecType(t, [])
    if t.startswith("6 digits"):
        return SpecType("region_code", [])
    if t.startswith("GB/T 4754 code"):
        return SpecType("industry_code", [])
    if t.startswith("names separated by"):
        return SpecType("names", [])
    codes = _codes(t)
    assert codes, f"unknown type in the spec: {t!r} (teach this test)"
    if {c for c, _ in codes} == {"true", "false"}:
        return SpecType("boolean", [c for c in codes if c[1] is not None])
    return SpecType("codes" if t.startswith("one or more of") else "code", codes)


@pytest.fixture(scope="module")
def spec() -> dict[str, SpecCategory]:
    if not SPEC.is_file():
        pytest.fail(
            f"the exchange standard is not at {SPEC}: the catalogue must be checked against "
            "shared/spec/exchange-format.md (check out 'shared' beside the repository)"
        )
    parsed = _parse_spec(SPEC.read_text(encoding="utf-8"))
    assert COMMON in parsed, "the spec parser did not find the common fields"
    assert len(parsed) > 10, "the spec parser found too few categories"
    return parsed


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _expected_fields(spec: dict[str, SpecCategory], name: str, kind: str) -> list[SpecField]:
    own = spec[name].fields
    return [*spec[COMMON].fields, *own] if kind == "aggregated" else list(own)


def test_categories_match(spec: dict[str, SpecCategory], catalog: Catalog) -> None:
    names = [n for n in spec if n != COMMON]
    assert list(catalog.names[: len(names)]) == names
    for name in names:
        assert catalog.category(name).label_zh == spec[name].label_zh, name


def test_kinds_and_keys(catalog: Catalog) -> None:
    reference = {
        "enterprise": ("uscc",),
        "person_role": ("uscc", "person_id", "role"),
        "department": ("dept_code",),
    }
    for c in catalog.categories:
        if c.name in reference:
            assert c.kind == "reference"
            assert c.key == reference[c.name]
        else:
            assert c.kind == "aggregated"
            assert c.key == ("dept_code", "source_id")
            assert c.publish_working_days == 20
            expected_aggregate = None if c.name == "annual_report" else 7
            assert c.aggregate_working_days == expected_aggregate, c.name


def _check_field(where: str, f: Field, s: SpecField) -> None:
    assert f.code == s.code, where
    assert f.label_zh == s.label, f"{where}: label {f.label_zh!r} != spec {s.label!r}"
    st = _spec_type(s.type_text)
    assert f.type == st.type, f"{where}: type {f.type} != spec {st.type} ({s.type_text})"
    if st.pii:
        assert f.pii, f"{where}: PII must be flagged"
        assert not f.public, f"{where}: PII must not be public"
    assert s.req_text in REQUIRED_TEXT, f"{where}: unknown req text {s.req_text!r}"
    required, required_when = REQUIRED_TEXT[s.req_text]
    assert f.required is required, f"{where}: required"
    assert f.required_when == required_when, f"{where}: required_when"
    if st.type in ("code", "codes"):
        assert [c.code for c in f.codes] == [c for c, _ in st.codes], f"{where}: code list"
    if st.codes:
        labels = {c.code: c.label_zh for c in f.codes}
        for code, label in st.codes:
            if label is not None:
                assert labels[code] == label, f"{where}: label of code {code}"


def test_every_field_matches_the_spec(spec: dict[str, SpecCategory], catalog: Catalog) -> None:
    checked = 0
    for name in (n for n in spec if n != COMMON):
        category = catalog.category(name)
        expected = _expected_fields(spec, name, category.kind)
        spec_codes = [s.code for s in expected]
        # Spec fields come first and in the spec's order; additions must be optional.
        assert list(category.codes[: len(expected)]) == spec_codes, name
        for f, s in zip(category.fields, expected, strict=False):
            _check_field(f"{name}.{f.code}", f, s)
            checked += 1
        for extra in category.fields[len(expected) :]:
            assert not extra.required, f"{name}.{extra.code}: an added field must be optional"
    assert checked > 100


def test_conditional_rules_of_the_spec(catalog: Catalog) -> None:
    reason = catalog.category("abnormal_list").field("reason_code")
    rules = {tuple(sorted(r.when["action"])): r.codes for r in reason.codes_when}
    assert rules == {
        ("list", "mark"): ("1", "2", "3", "4"),
        ("remove", "unmark"): ("1", "2", "3", "4", "5", "6", "7"),
    }
    op = catalog.category("penalty").field("op")
    assert [c.code for c in op.codes] == ["upsert", "withdraw"]
    assert op.default == "upsert"


def test_public_and_pii_flags(catalog: Catalog) -> None:
    enterprise = catalog.category("enterprise")
    for code in ("phone", "email", "legal_rep_id"):
        assert not enterprise.field(code).public, code
    assert enterprise.field("name").public
    pii = {(c.name, f.code) for c in catalog.categories for f in c.fields if f.pii}
    assert pii == {
        ("enterprise", "legal_rep_id"),
        ("person_role", "person_id"),
        ("restriction", "subject_person_id"),
    }
    assert catalog.category("penalty").field("facts").public
    assert not any(f.public for f in catalog.category("address_signal").fields)


def test_amount_fields_are_not_negative(catalog: Catalog) -> None:
    amounts = {
        ("enterprise", "reg_capital"),
        ("penalty", "fine_amount"),
        ("penalty", "confiscated_amount"),
        ("support", "amount"),
        ("annual_report", "revenue"),
        ("annual_report", "tax_paid"),
    }
    for name, code in amounts:
        assert catalog.category(name).field(code).min == 0, (name, code)


def test_spec_parser_reads_code_lists() -> None:
    assert _codes("`active` (存续) / `suspended` (歇业)") == [
        ("active", "存续"),
        ("suspended", "歇业"),
    ]
    assert _codes("`upsert` (default) / `withdraw`") == [("upsert", None), ("withdraw", None)]
    assert _codes("`5`-`10`, or `legacy_abnormal_3y`")[-1] == ("legacy_abnormal_3y", None)
    assert _codes("`mark` 标记(个体工商户) / `x`")[0] == ("mark", "标记(个体工商户)")
