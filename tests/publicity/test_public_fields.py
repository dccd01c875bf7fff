"""``public_fields``: only catalogue-public fields, never an ID number in full."""

from __future__ import annotations

from entcredit.catalog.model import Catalog
from entcredit.core.idnum import mask_id
from entcredit.publicity import PublicityConfig, mask_digit_runs, mask_person_name, public_fields
from tests.publicity.builders import ID18

USCC = "9144030071526726XG"


def test_keeps_only_public_fields_in_catalogue_order(catalog: Catalog) -> None:
    fields = {
        "decision_no": "粤市监罚〔2024〕1号",
        "source_id": "S-1",  # public: false in the catalogue
        "op": "upsert",  # public: false
        "uscc": USCC,
        "penalty_kinds": ["fine"],
        "not_in_catalogue": "x",
    }
    out = public_fields("penalty", fields, catalog)
    assert list(out) == ["uscc", "decision_no", "penalty_kinds"]
    assert out["uscc"] == USCC


def test_pii_and_hash_companions_never_leave(catalog: Catalog) -> None:
    fields = {
        "measure_code": "M1",
        "subject_person_id": mask_id(ID18),
        "subject_person_id_hash": "ab" * 32,
        "basis": "依据",
    }
    out = public_fields("restriction", fields, catalog)
    assert "subject_person_id" not in out and "subject_person_id_hash" not in out
    assert out == {"measure_code": "M1", "basis": "依据"}


def test_key_personnel_id_is_shown_masked(catalog: Catalog) -> None:
    # Issue 3: key personnel, "ID numbers masked".
    raw = public_fields("person_role", {"person_name": "张三", "person_id": ID18}, catalog)
    assert raw["person_id"] == mask_id(ID18) and raw["person_name"] == "张三"
    stored = public_fields(
        "person_role", {"person_id": mask_id(ID18), "person_id_hash": "0" * 64}, catalog
    )
    assert stored == {"person_id": mask_id(ID18)}
    hidden = public_fields(
        "person_role", {"person_id": ID18}, catalog, config=PublicityConfig(masked_pii_fields={})
    )
    assert hidden == {}


def test_legal_representative_is_shown_by_full_name(catalog: Catalog) -> None:
    # The national system shows legal representatives in full; their ID number never.
    out = public_fields(
        "enterprise", {"legal_rep": "李四", "legal_rep_id": ID18, "phone": "123"}, catalog
    )
    assert out == {"legal_rep": "李四"}
    masked = public_fields(
        "enterprise",
        {"legal_rep": "李小四"},
        catalog,
        config=PublicityConfig(masked_name_fields={"enterprise": frozenset({"legal_rep"})}),
    )
    assert masked == {"legal_rep": "李*四"}


def test_id_numbers_in_free_text_are_masked(catalog: Catalog) -> None:
    fields = {"facts": f"当事人(身份证{ID18})销售过期食品", "decision_no": "A1"}
    out = public_fields("penalty", fields, catalog)
    assert ID18 not in str(out)
    assert out["facts"] == f"当事人(身份证{mask_id(ID18)})销售过期食品"


def test_category_not_public_yields_nothing(catalog: Catalog) -> None:
    assert public_fields("address_signal", {"signal": "complaint"}, catalog) == {}


def test_annual_report_optional_parts_hidden_unless_chosen(catalog: Catalog) -> None:
    # Issue 3 / 企业信息公示暂行条例 art. 9: optional parts stay hidden unless published by
    # choice.
    fields = {"year": 2023, "filed_on": "2024-03-01", "employees": 3, "revenue": "12.5"}
    assert public_fields("annual_report", fields, catalog) == {
        "year": 2023,
        "filed_on": "2024-03-01",
    }
    chosen = public_fields("annual_report", fields, catalog, chosen_public={"employees", "year"})
    assert chosen == {"year": 2023, "filed_on": "2024-03-01", "employees": 3}


def test_chosen_cannot_open_a_non_optional_hidden_field(catalog: Catalog) -> None:
    out = public_fields("penalty", {"source_id": "S"}, catalog, chosen_public={"source_id"})
    assert out == {}


def test_mask_digit_runs() -> None:
    assert mask_digit_runs(ID18) == mask_id(ID18)
    assert mask_digit_runs("电话13800138000") == "电话13800138000"  # 11 digits: a phone
    long = "12" + ID18 + "99"
    masked = mask_digit_runs(long)
    assert ID18 not in masked and masked.startswith("12") and len(masked) == len(long)
    assert mask_digit_runs("１" * 18).count("*") == 8  # full-width digits too
    assert mask_digit_runs("110101800101123") == "110101******123"  # legacy 15 digits


def test_mask_person_name() -> None:
    assert mask_person_name("张三") == "张*"
    assert mask_person_name("张三丰") == "张*丰"
    assert mask_person_name("欧阳娜娜") == "欧**娜"
    assert mask_person_name("Li Lei") == "L* L**"
    assert mask_person_name(" ") == ""
