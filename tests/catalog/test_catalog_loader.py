from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from entcredit.catalog import CatalogError, load_catalog, parse_catalog
from entcredit.catalog.loader import default_catalog_text


def _base() -> dict[str, Any]:
    return {
        "version": 1,
        "common_fields": [
            {"code": "dept_code", "label_zh": "归集部门代码", "label_en": "Dept", "type": "text"},
            {
                "code": "source_id",
                "label_zh": "源记录标识",
                "label_en": "Source",
                "type": "text",
                "required": True,
            },
        ],
        "categories": [
            {
                "name": "thing",
                "label_zh": "事项",
                "label_en": "Thing",
                "kind": "aggregated",
                "key": ["dept_code", "source_id"],
                "aggregate_working_days": 7,
                "publish_working_days": 20,
                "fields": [
                    {
                        "code": "action",
                        "label_zh": "动作",
                        "label_en": "Action",
                        "type": "code",
                        "required": True,
                        "codes": [
                            {"code": "list", "label_zh": "列入", "label_en": "List"},
                            {"code": "remove", "label_zh": "移出", "label_en": "Remove"},
                        ],
                    },
                    {
                        "code": "article",
                        "label_zh": "条款",
                        "label_en": "Article",
                        "type": "code",
                        "required_when": {"action": ["list"]},
                        "codes": [{"code": "5", "label_zh": "第五条", "label_en": "Art. 5"}],
                    },
                ],
            }
        ],
    }


def _load(data: dict[str, Any]) -> None:
    parse_catalog(yaml.safe_dump(data, allow_unicode=True), source="test.yaml")


def test_base_fixture_loads_and_prepends_common_fields() -> None:
    cat = parse_catalog(yaml.safe_dump(_base(), allow_unicode=True))
    assert cat.category("thing").codes == ("dept_code", "source_id", "action", "article")


def test_default_catalog_is_cached_and_packaged(tmp_path: Path) -> None:
    assert load_catalog() is load_catalog()
    path = tmp_path / "c.yaml"
    path.write_text(default_catalog_text(), encoding="utf-8")
    other = load_catalog(path)
    assert other is not load_catalog()
    assert other.names == load_catalog().names


def test_catalog_lookup() -> None:
    cat = load_catalog()
    assert cat.category("penalty").name == "penalty"
    assert "penalty" in cat
    with pytest.raises(KeyError, match=r"unknown category 'nope'; known: enterprise, person_role"):
        cat.category("nope")
    with pytest.raises(KeyError, match="has no field 'nope'"):
        cat.category("penalty").field("nope")


def _mutate(path: str, value: Any) -> dict[str, Any]:
    data = _base()
    target: Any = data
    keys = path.split(".")
    for k in keys[:-1]:
        target = target[int(k)] if k.isdigit() else target[k]
    last = keys[-1]
    if value is _DELETE:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


_DELETE = object()
_F = "categories.0.fields"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (f"{_F}.0.type", "colour", r"category 'thing'.*field 'action'.*type"),
        (f"{_F}.1.code", "action", r"category 'thing'.*duplicate field code 'action'"),
        (f"{_F}.1.label_zh", "动作", r"category 'thing'.*label '动作' is already used"),
        (f"{_F}.0.codes", [], r"field 'action'.*needs a non-empty code list"),
        (
            f"{_F}.0.codes.1",
            {"code": "list", "label_zh": "再列", "label_en": "x"},
            r"field 'action'.*duplicate code 'list'",
        ),
        ("categories.0.key", ["dept_code", "nope"], r"key field 'nope' is not a field"),
        (f"{_F}.1.required_when", {"nope": ["list"]}, r"field 'article'.*unknown field 'nope'"),
        (f"{_F}.1.required_when", {"action": ["keep"]}, r"field 'article'.*unknown codes"),
        (f"{_F}.0.colour", "red", r"field 'action'.*colour.*Extra inputs"),
        (f"{_F}.0.label_zh", _DELETE, r"field 'action'.*label_zh.*Field required"),
        ("categories.0.kind", "other", r"category 'thing'.*kind"),
        (f"{_F}.0.max_length", 10, r"max_length applies to text fields only"),
        (
            f"{_F}.1.codes_when",
            [{"when": {"action": ["list"]}, "codes": ["6"]}],
            r"codes_when lists codes not in its code list",
        ),
        ("version", "one", r"'version' must be an integer"),
    ],
)
def test_broken_catalogues_are_refused(path: str, value: Any, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        _load(_mutate(path, value))


def test_common_field_repeated_in_category_is_refused() -> None:
    data = _base()
    data["categories"][0]["fields"].append(copy.deepcopy(data["common_fields"][0]))
    with pytest.raises(CatalogError, match=r"repeat common fields"):
        _load(data)


def test_duplicate_category_is_refused() -> None:
    data = _base()
    data["categories"].append(copy.deepcopy(data["categories"][0]))
    with pytest.raises(CatalogError, match=r"duplicate category 'thing'"):
        _load(data)


def test_not_before_must_name_a_date_field() -> None:
    data = _base()
    data["categories"][0]["fields"].append(
        {
            "code": "until",
            "label_zh": "至",
            "label_en": "Until",
            "type": "date",
            "not_before": "action",
        }
    )
    with pytest.raises(CatalogError, match=r"field 'until': not_before refers to 'action'"):
        _load(data)


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="not valid YAML"):
        parse_catalog("categories: [", source="x")
    with pytest.raises(CatalogError, match="cannot read catalogue"):
        load_catalog(tmp_path / "missing.yaml")
    with pytest.raises(CatalogError, match="unknown top-level keys"):
        parse_catalog("version: 1\ncategory: []\n")


def test_category_public_false_hides_common_fields() -> None:
    data = _base()
    data["categories"][0]["public"] = False
    cat = parse_catalog(yaml.safe_dump(data, allow_unicode=True))
    assert not any(f.public for f in cat.category("thing").fields)
