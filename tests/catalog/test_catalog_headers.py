from __future__ import annotations

from entcredit.catalog import HeaderMap, load_catalog


def _map(category: str, headers: list[str]) -> HeaderMap:
    return load_catalog().category(category).header_map(headers)


def test_codes_and_labels_in_any_order() -> None:
    m = _map("penalty", ["处罚决定书文号", "uscc", "罚款金额(万元)", "SOURCE_ID", "Fine_Amount "])
    assert m.columns == ["decision_no", "uscc", "fine_amount", "source_id", None]
    assert m.unknown == []
    assert m.duplicates == ["Fine_Amount"]


def test_bom_and_fullwidth_spaces_are_cleaned() -> None:
    m = _map("enterprise", ["\ufeff统一社会信用代码", "\u3000名称\u3000", " status\t"])
    assert m.columns == ["uscc", "name", "status"]


def test_fullwidth_parentheses_in_labels() -> None:
    m = _map("enterprise", ["法定代表人（负责人、经营者）", "住所（经营场所）", "注册资本（万元）"])
    assert m.columns == ["legal_rep", "address", "reg_capital"]
    assert m.fields == ["legal_rep", "address", "reg_capital"]


def test_fullwidth_code_letters() -> None:
    assert _map("enterprise", ["ＵＳＣＣ"]).columns == ["uscc"]


def test_unknown_headers_are_listed() -> None:
    m = _map("license", ["decision_no", "备注", "", "许可证书名称"])
    assert m.columns == ["decision_no", None, None, "license_name"]
    assert m.unknown == ["备注", ""]
    assert m.duplicates == []


def test_same_field_by_code_and_label_is_a_duplicate() -> None:
    m = _map("license", ["decision_no", "许可决定文书号"])
    assert m.columns == ["decision_no", None]
    assert m.duplicates == ["许可决定文书号"]


def test_common_fields_resolve_in_aggregated_categories() -> None:
    m = _map("inspection", ["归集部门代码", "源记录标识", "操作", "检查结果代码"])
    assert m.columns == ["dept_code", "source_id", "op", "result_code"]
