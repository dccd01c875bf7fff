from __future__ import annotations

from typing import Any

import pytest

from entcredit.catalog import FieldIssue, Values, load_catalog
from entcredit.core.idnum import make_resident_id
from entcredit.core.uscc import make_uscc

USCC = "9144030071526726XG"
USCC_ORG_WARNING = make_uscc("91440300715267260")  # main check fine, embedded code is not
PERSON_ID = make_resident_id("44030519900101123")

COMMON = {
    "dept_code": "GD-SAMR",
    "source_id": "S1",
    "uscc": USCC,
    "subject_name": "深圳市示例有限公司",
    "produced_on": "2024-03-05",
    "authority": "深圳市市场监督管理局",
}
BASE: dict[str, dict[str, str]] = {
    "penalty": {
        **COMMON,
        "decision_no": "深市监罚〔2024〕1号",
        "violation_type": "食品安全",
        "facts": "销售过期食品",
        "basis": "食品安全法第一百二十四条",
        "penalty_kinds": "fine",
    },
    "license": {
        **COMMON,
        "decision_no": "粤食许〔2024〕1号",
        "license_name": "食品经营许可证",
        "license_kind": "ordinary",
        "content": "预包装食品销售",
        "valid_from": "2024-03-05",
    },
    "enterprise": {
        "uscc": USCC,
        "name": "深圳市示例有限公司",
        "entity_type": "enterprise",
        "legal_rep": "张三",
        "established_on": "2010-01-02",
        "reg_authority": "深圳市市场监督管理局",
        "region_code": "440305",
        "address": "深圳市南山区示例路1号",
        "status": "active",
    },
    "person_role": {
        "uscc": USCC,
        "person_name": "张三",
        "person_id": PERSON_ID,
        "role": "director",
    },
    "department": {
        "dept_code": "GD-SAMR",
        "name": "广东省市场监督管理局",
        "region_code": "440000",
        "level": "province",
        "is_market_regulator": "true",
    },
    "abnormal_list": {**COMMON, "action": "list", "reason_code": "1", "decision_no": "D1"},
    "serious_list": {**COMMON, "action": "list", "article": "5", "decision_no": "D1"},
    "annual_report": {**COMMON, "year": "2023", "filed_on": "2024-05-01"},
    "product_check": {**COMMON, "product": "大米", "qualified": "true", "domain": "food"},
    "restriction": {**COMMON, "measure_code": "M01", "basis": "x", "start_on": "2024-01-01"},
}


def run(category: str, **changes: str | None) -> tuple[Values, list[FieldIssue]]:
    raw: dict[str, str | None] = {**BASE[category], **changes}
    return load_catalog().category(category).validator()(raw)


def ok(category: str, field: str, raw: str) -> Any:
    values, issues = run(category, **{field: raw})
    assert [i for i in issues if i.severity == "error"] == [], issues
    return values.get(field)


def error(category: str, field: str, raw: str | None) -> str:
    values, issues = run(category, **{field: raw})
    errors = [i for i in issues if i.severity == "error"]
    assert [i.field for i in errors] == [field], issues
    assert field not in values or values[field] is None
    return errors[0].reason


@pytest.mark.parametrize("category", sorted(BASE))
def test_base_rows_are_valid(category: str) -> None:
    values, issues = run(category)
    assert issues == []
    assert set(values) >= set(BASE[category])


def test_validator_is_compiled_once() -> None:
    cat = load_catalog().category("penalty")
    assert cat.validator() is cat.validator()


def test_cleaning_and_absence() -> None:
    values, issues = run("penalty", subject_name="\u3000 公司 \t", domain="  ", heavier=None)
    assert values["subject_name"] == "公司"
    assert "domain" not in values
    assert "heavier" not in values
    assert issues == []


def test_required_missing_and_unknown_keys_ignored() -> None:
    values, issues = run("penalty", facts="   ", whatever="x")
    assert issues == [FieldIssue("facts", "required field missing", "error")]
    assert "whatever" not in values


def test_op_defaults_to_upsert_and_accepts_withdraw() -> None:
    assert run("penalty")[0]["op"] == "upsert"
    assert ok("penalty", "op", "WITHDRAW") == "withdraw"
    assert ok("penalty", "op", "撤回") == "withdraw"
    assert "not in the code list" in error("penalty", "op", "delete")


def test_text_max_length() -> None:
    assert ok("penalty", "decision_no", "x" * 200) == "x" * 200
    reason = error("penalty", "decision_no", "y" * 201)
    assert reason == "'" + "y" * 40 + "…' is longer than 200 characters"


@pytest.mark.parametrize(
    "raw",
    ["2024-03-05", "2024/3/5", "2024/03/05", "20240305", "2024年3月5日", "２０２４-０３-０５"],
)
def test_dates_accepted(raw: str) -> None:
    assert ok("penalty", "produced_on", raw) == "2024-03-05"


@pytest.mark.parametrize("raw", ["2024-02-30", "05/03/2024", "2024-3", "yesterday", "2024-13-01"])
def test_dates_rejected(raw: str) -> None:
    assert repr(raw) in error("penalty", "produced_on", raw)
    assert "not a valid date" in error("penalty", "produced_on", raw)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("12.50", "12.5"),
        ("12.5", "12.5"),
        ("1,234.5", "1234.5"),
        ("1,234,567", "1234567"),
        ("0", "0"),
        ("0.00", "0"),
        ("-0", "0"),
        ("007", "7"),
        (".5", "0.5"),
        ("1E+3", "1000"),
        ("１２.５", "12.5"),
        ("+3", "3"),
        ("100", "100"),
        ("1e-7", "0.0000001"),
    ],
)
def test_decimals_canonical(raw: str, canonical: str) -> None:
    assert ok("penalty", "fine_amount", raw) == canonical


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", "'abc' is not a decimal number"),
        ("1,23.4", "misplaced thousands separator"),
        ("NaN", "is not a decimal number"),
        ("Infinity", "is not a decimal number"),
        ("-1", "'-1' is below the minimum 0"),
        ("-0.01", "below the minimum 0"),
        ("1e400", "is out of range"),
        ("١٢", "is not a decimal number"),
    ],
)
def test_decimals_rejected(raw: str, reason: str) -> None:
    assert reason in error("penalty", "fine_amount", raw)


def test_integers() -> None:
    assert ok("annual_report", "employees", "12") == 12
    assert ok("annual_report", "employees", "1,200") == 1200
    assert ok("annual_report", "employees", "12.0") == 12
    assert ok("annual_report", "employees", "０") == 0
    assert "is not an integer" in error("annual_report", "employees", "12.5")
    assert "is not an integer" in error("annual_report", "employees", "many")
    assert "below the minimum 0" in error("annual_report", "employees", "-3")
    assert "out of range" in error("annual_report", "employees", "9" * 25)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("是", True),
        ("1", True),
        ("yes", True),
        ("false", False),
        ("否", False),
        ("0", False),
        ("No", False),
    ],
)
def test_booleans(raw: str, expected: bool) -> None:
    assert ok("penalty", "heavier", raw) is expected


def test_boolean_with_labels_and_rejects() -> None:
    assert ok("product_check", "qualified", "合格") is True
    assert ok("product_check", "qualified", "不合格") is False
    assert "'maybe' is not a boolean" in error("penalty", "heavier", "maybe")


def test_codes_accept_code_label_case_and_fullwidth() -> None:
    assert ok("license", "license_kind", "ORDINARY") == "ordinary"
    assert ok("license", "license_kind", "特许") == "franchise"
    assert ok("enterprise", "status", "吊销") == "revoked"
    assert ok("abnormal_list", "action", "标记（个体工商户）") == "mark"
    assert ok("abnormal_list", "reason_code", "４") == "4"
    reason = error("license", "license_kind", "secret")
    assert reason.startswith("'secret' is not in the code list (ordinary, franchise")


def test_multi_codes() -> None:
    assert ok("penalty", "penalty_kinds", "警告") == ["warning"]
    assert ok("penalty", "penalty_kinds", "fine;warning;fine") == ["fine", "warning"]
    assert ok("penalty", "penalty_kinds", "罚款；警告") == ["fine", "warning"]
    assert ok("penalty", "penalty_kinds", "罚款,没收违法所得/非法财物") == ["confiscation", "fine"]
    assert ok("penalty", "penalty_kinds", "Fine ; ; warning;") == ["fine", "warning"]
    # the memo must hand out independent lists
    first = ok("penalty", "penalty_kinds", "fine;warning")
    first.append("x")
    assert ok("penalty", "penalty_kinds", "fine;warning") == ["fine", "warning"]
    reason = error("penalty", "penalty_kinds", "fine;flogging")
    assert reason.startswith("'flogging' not in the code list")
    assert error("penalty", "penalty_kinds", ";;") == "required field missing"


def test_uscc() -> None:
    assert ok("penalty", "uscc", USCC.lower()) == USCC
    assert ok("penalty", "uscc", "９１４４０３００７１５２６７２６ＸＧ") == USCC
    reason = error("penalty", "uscc", USCC[:-1] + "A")
    assert reason == f"'{USCC[:-1]}A': check character is A, expected G"
    assert "length 5, expected 18" in error("penalty", "uscc", "12345")


def test_uscc_warnings_keep_the_code() -> None:
    values, issues = run("penalty", uscc=USCC_ORG_WARNING)
    assert values["uscc"] == USCC_ORG_WARNING
    assert [i.severity for i in issues] == ["warning"]
    assert "embedded organisation code" in issues[0].reason


def test_legacy_registration_number_in_uscc() -> None:
    values, issues = run("penalty", uscc="440301000012345")
    assert values["uscc"] is None
    assert values["reg_no"] == "440301000012345"
    assert issues == [
        FieldIssue(
            "uscc",
            "legacy registration number 440301000012345, attributed as secondary identifier",
            "warning",
        )
    ]
    # never as a primary key
    assert "is a legacy registration number, not a USCC" in error(
        "enterprise", "uscc", "440301000012345"
    )


def test_legacy_organisation_code_in_uscc() -> None:
    values, issues = run("penalty", uscc="71526726-X")
    assert values["uscc"] is None
    assert values["org_code"] == "71526726X"
    assert issues[0].severity == "warning"


def test_enterprise_reg_no_field() -> None:
    assert ok("enterprise", "reg_no", "４40301000012345") == "440301000012345"
    assert "not a 15-digit registration number" in error("enterprise", "reg_no", "12")


def test_id_numbers() -> None:
    assert ok("person_role", "person_id", PERSON_ID.lower()) == PERSON_ID
    assert ok("person_role", "person_id", f" {PERSON_ID[:6]} {PERSON_ID[6:]} ") == PERSON_ID
    wrong = PERSON_ID[:-1] + ("0" if PERSON_ID[-1] != "0" else "1")
    assert "check character" in error("person_role", "person_id", wrong)
    assert "birth date" in error("person_role", "person_id", make_resident_id("44030519901301123"))


def test_other_documents_are_a_warning() -> None:
    for raw in ("E12345678", "H01234567", "12345678901"):
        values, issues = run("person_role", person_id=raw)
        assert values["person_id"] == raw
        assert [i.severity for i in issues] == ["warning"], raw
        assert "not a resident ID number" in issues[0].reason


def test_year_region_industry() -> None:
    assert ok("annual_report", "year", "2023年") == 2023
    assert ok("annual_report", "year", "２０２３") == 2023
    assert "outside 1900-2100" in error("annual_report", "year", "1899")
    assert "not a 4-digit year" in error("annual_report", "year", "23")
    assert ok("enterprise", "region_code", "４40305") == "440305"
    assert "not a 6-digit region code" in error("enterprise", "region_code", "44030")
    assert "province code" in error("enterprise", "region_code", "990305")
    assert ok("enterprise", "industry_code", "c3511") == "C3511"
    assert ok("enterprise", "industry_code", "F") == "F"
    assert "not an industry code" in error("enterprise", "industry_code", "3511")
    assert "not an industry code" in error("enterprise", "industry_code", "C35111")


def test_names() -> None:
    assert ok("enterprise", "former_names", "甲公司; 乙公司；甲公司;") == ["甲公司", "乙公司"]


def test_required_when() -> None:
    _, issues = run("serious_list", article=None)
    assert issues == [FieldIssue("article", "required when action is list", "error")]
    _, issues = run("serious_list", action="remove", article=None)
    assert issues == []
    # an invalid article is reported once, not also as missing
    _values, issues = run("serious_list", article="99")
    assert [i.field for i in issues] == ["article"]
    assert "not in the code list" in issues[0].reason


def test_codes_when() -> None:
    assert ok("abnormal_list", "reason_code", "4") == "4"
    values, issues = run("abnormal_list", reason_code="6")
    assert "reason_code" not in values
    assert issues == [
        FieldIssue("reason_code", "'6' is not allowed when action is list/mark (1, 2, 3, 4)")
    ]
    values, issues = run("abnormal_list", action="unmark", reason_code="7")
    assert values["reason_code"] == "7"
    assert issues == []
    values, issues = run("abnormal_list", action="mark", reason_code="5")
    assert [i.field for i in issues] == ["reason_code"]


def test_cross_field_dates() -> None:
    _, issues = run("license", valid_to="2024-03-04")
    assert issues == [FieldIssue("valid_to", "2024-03-04 is before valid_from 2024-03-05")]
    assert run("license", valid_to="2024-03-05")[1] == []
    _values, issues = run("person_role", since="2020-01-01", until="2019-12-31")
    assert [i.field for i in issues] == ["until"]
    assert run("person_role", since="2020-01-01", until="2020-06-30")[1] == []


def test_non_string_values_from_jsonl() -> None:
    raw: dict[str, Any] = {**BASE["penalty"], "fine_amount": 12.5, "heavier": True}
    raw["penalty_kinds"] = ["fine", "warning"]
    values, issues = load_catalog().category("penalty").validator()(raw)
    assert issues == []
    assert values["fine_amount"] == "12.5"
    assert values["heavier"] is True
    assert values["penalty_kinds"] == ["fine", "warning"]


def test_long_values_are_truncated_in_reasons() -> None:
    reason = error("penalty", "produced_on", "z" * 500)
    assert len(reason) < 150


def test_every_category_validates_an_empty_row_without_crashing() -> None:
    for category in load_catalog().categories:
        _values, issues = category.validator()({})
        required = {f.code for f in category.fields if f.required}
        assert {i.field for i in issues} == required
        assert all(i.reason == "required field missing" for i in issues)
