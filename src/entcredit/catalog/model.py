"""The information catalogue (信用信息目录) as typed, validated data.

The models check a catalogue's internal consistency when it is loaded (unique codes and
labels, known types, sane code lists, keys and conditional rules that point at real fields),
so every consumer can trust what it reads. Behaviour that runs per row lives in
``validator.py`` and ``headers.py``; the models only hold data and hand out cached compiled
objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator

if TYPE_CHECKING:
    from entcredit.catalog.headers import HeaderMap
    from entcredit.catalog.validator import RowValidator

__all__ = [
    "FIELD_TYPES",
    "MULTI_SEPARATORS",
    "Catalog",
    "Category",
    "CodeItem",
    "CodesWhen",
    "Field",
    "FieldType",
    "Kind",
]

FieldType = Literal[
    "text",
    "uscc",
    "id_number",
    "date",
    "decimal",
    "integer",
    "boolean",
    "code",
    "codes",
    "year",
    "region_code",
    "industry_code",
    "names",
    "reg_no",
]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
Kind = Literal["reference", "aggregated"]
# Separators accepted between the values of a `codes` field. A code or label of such a field
# must not contain one, which the model checks.
MULTI_SEPARATORS: tuple[str, ...] = (";", "；", ",", "，", "、")
_BOOLEAN_CODES = frozenset({"true", "false"})
_NUMERIC_TYPES = frozenset({"decimal", "integer"})


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class CodeItem(_Strict):
    code: str
    label_zh: str
    label_en: str


class CodesWhen(_Strict):
    """When every field named in ``when`` holds one of the listed codes, this field must hold
    one of ``codes`` (a subset of its code list)."""

    when: dict[str, tuple[str, ...]]
    codes: tuple[str, ...]


class Field(_Strict):
    code: str
    label_zh: str
    label_en: str
    type: FieldType
    required: bool = False
    public: bool = True
    pii: bool = False
    max_length: int | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    codes: tuple[CodeItem, ...] = ()
    default: str | None = None
    required_when: dict[str, tuple[str, ...]] | None = None
    codes_when: tuple[CodesWhen, ...] = ()
    not_before: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Field:
        if not self.code.isidentifier() or not self.code.isascii():
            raise ValueError(f"field code {self.code!r} must be an ASCII identifier")
        if self.type in ("code", "codes") and not self.codes:
            raise ValueError(f"field {self.code!r} of type {self.type} needs a non-empty code list")
        if self.codes and self.type not in ("code", "codes", "boolean"):
            raise ValueError(f"field {self.code!r} of type {self.type} cannot have a code list")
        if self.type == "boolean" and self.codes:
            got = {c.code for c in self.codes}
            if got != _BOOLEAN_CODES:
                raise ValueError(
                    f"field {self.code!r}: a boolean's code list must be exactly true/false"
                )
        _unique(self.code, "code", [c.code for c in self.codes])
        _unique(self.code, "code label_zh", [c.label_zh for c in self.codes])
        lowered = [c.code.lower() for c in self.codes]
        _unique(self.code, "code (case-insensitive)", lowered)
        for item in self.codes:
            if not item.code or not item.label_zh:
                raise ValueError(f"field {self.code!r}: empty code or label in the code list")
            if self.type == "codes":
                for text in (item.code, item.label_zh):
                    if any(sep in text for sep in MULTI_SEPARATORS):
                        raise ValueError(
                            f"field {self.code!r}: code list entry {text!r} contains a separator"
                        )
        # A code must not be another entry's label, or a value would be ambiguous.
        codes = set(lowered)
        for item in self.codes:
            if item.label_zh.lower() in codes and item.label_zh.lower() != item.code.lower():
                raise ValueError(
                    f"field {self.code!r}: label {item.label_zh!r} is also a code of the list"
                )
        if self.max_length is not None and self.type not in ("text", "names"):
            raise ValueError(f"field {self.code!r}: max_length applies to text fields only")
        if self.max_length is not None and self.max_length < 1:
            raise ValueError(f"field {self.code!r}: max_length must be positive")
        if (self.min is not None or self.max is not None) and self.type not in _NUMERIC_TYPES:
            raise ValueError(f"field {self.code!r}: min/max apply to decimal and integer fields")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"field {self.code!r}: min {self.min} is above max {self.max}")
        if self.required and self.required_when:
            raise ValueError(f"field {self.code!r}: required and required_when together")
        if self.required and self.default is not None:
            raise ValueError(f"field {self.code!r}: a required field cannot have a default")
        if self.codes_when and self.type not in ("code", "codes"):
            raise ValueError(f"field {self.code!r}: codes_when needs a code list")
        known = {c.code for c in self.codes}
        for rule in self.codes_when:
            unknown = [c for c in rule.codes if c not in known]
            if unknown or not rule.codes:
                raise ValueError(
                    f"field {self.code!r}: codes_when lists codes not in its code list: {unknown}"
                )
        if self.default is not None and self.codes and self.default not in known:
            raise ValueError(
                f"field {self.code!r}: default {self.default!r} is not in the code list"
            )
        if self.not_before is not None and self.type != "date":
            raise ValueError(f"field {self.code!r}: not_before applies to date fields only")
        return self

    @cached_property
    def code_set(self) -> frozenset[str]:
        return frozenset(c.code for c in self.codes)


def _unique(where: str, what: str, items: Sequence[str]) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"field {where!r}: duplicate {what} {item!r}")
        seen.add(item)


class Category(_Strict):
    name: str
    label_zh: str
    label_en: str
    kind: Kind
    key: tuple[str, ...]
    aggregate_working_days: int | None = None
    publish_working_days: int | None = None
    public: bool = True
    description: str = ""
    fields: tuple[Field, ...]

    _validator: RowValidator | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> Category:
        if not self.fields:
            raise ValueError("a category needs fields")
        by_code: dict[str, Field] = {}
        labels: dict[str, str] = {}
        from entcredit.catalog.headers import normalise_label

        for f in self.fields:
            if f.code in by_code:
                raise ValueError(f"duplicate field code {f.code!r}")
            by_code[f.code] = f
            label = normalise_label(f.label_zh)
            if label in labels:
                raise ValueError(
                    f"field {f.code!r}: label {f.label_zh!r} is already used by {labels[label]!r}"
                )
            labels[label] = f.code
        lowered = [c.lower() for c in by_code]
        if len(set(lowered)) != len(lowered):
            raise ValueError("field codes differ only in case")
        if not self.key:
            raise ValueError("key is empty")
        for k in self.key:
            if k not in by_code:
                raise ValueError(f"key field {k!r} is not a field of the category")
        for days_name in ("aggregate_working_days", "publish_working_days"):
            days = getattr(self, days_name)
            if days is not None and days < 0:
                raise ValueError(f"{days_name} must not be negative")
        if self.kind == "aggregated" and self.publish_working_days is None:
            raise ValueError("an aggregated category needs publish_working_days")
        for f in self.fields:
            conditions: list[dict[str, tuple[str, ...]]] = [r.when for r in f.codes_when]
            if f.required_when:
                conditions.append(f.required_when)
            for when in conditions:
                if not when:
                    raise ValueError(f"field {f.code!r}: empty condition")
                for other, values in when.items():
                    target = by_code.get(other)
                    if target is None or other == f.code:
                        raise ValueError(
                            f"field {f.code!r}: condition refers to unknown field {other!r}"
                        )
                    if target.type not in ("code", "boolean") or not target.codes:
                        raise ValueError(
                            f"field {f.code!r}: condition field {other!r} has no code list"
                        )
                    bad = [v for v in values if v not in target.code_set]
                    if bad or not values:
                        raise ValueError(
                            f"field {f.code!r}: condition on {other!r} uses unknown codes {bad}"
                        )
            if f.not_before is not None:
                target = by_code.get(f.not_before)
                if target is None or target.type != "date" or target is f:
                    raise ValueError(
                        f"field {f.code!r}: not_before refers to {f.not_before!r}, "
                        "which is not another date field"
                    )
        return self

    @cached_property
    def _by_code(self) -> dict[str, Field]:
        return {f.code: f for f in self.fields}

    @property
    def codes(self) -> tuple[str, ...]:
        """Field codes in catalogue order."""
        return tuple(f.code for f in self.fields)

    def field(self, code: str) -> Field:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(
                f"category {self.name!r} has no field {code!r}; known: {', '.join(self.codes)}"
            ) from None

    def has_field(self, code: str) -> bool:
        return code in self._by_code

    def header_map(self, raw_headers: Sequence[str]) -> HeaderMap:
        from entcredit.catalog.headers import resolve_headers

        return resolve_headers(self, raw_headers)

    def validator(self) -> RowValidator:
        """The compiled row validator, built on first use and kept."""
        if self._validator is None:
            from entcredit.catalog.validator import compile_validator

            self._validator = compile_validator(self)
        return self._validator


class Catalog(_Strict):
    version: int
    categories: tuple[Category, ...]

    @model_validator(mode="after")
    def _check(self) -> Catalog:
        seen: set[str] = set()
        for c in self.categories:
            if c.name in seen:
                raise ValueError(f"duplicate category {c.name!r}")
            seen.add(c.name)
        return self

    @cached_property
    def _by_name(self) -> dict[str, Category]:
        return {c.name: c for c in self.categories}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    def category(self, name: str) -> Category:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"unknown category {name!r}; known: {', '.join(self.names)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name
