"""Response models of the open API: what /api/openapi.json documents and clients rely on.

Field codes and code values are the catalogue's (``GET /api/v1/public/categories`` labels
them). No model has a field for a personal ID number: record values come from
``publicity.public_fields``, which drops or masks them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorDetail(_Out):
    code: str = Field(description="stable machine-readable code, e.g. query_invalid")
    message: str
    details: Any = None


class ErrorOut(_Out):
    error: ErrorDetail


class BadgeOut(_Out):
    kind: str = Field(description="status (registration status) or list (on a public list)")
    code: str
    label_zh: str
    label_en: str


class SearchHitOut(_Out):
    uscc: str
    reg_no: str | None
    name: str
    entity_type: str
    status: str
    region_code: str
    legal_rep: str
    established_on: date | None
    match: str = Field(description="how the query matched: code, name, former name, person ...")
    matched_name: str | None = Field(description="the former name that matched, if any")
    badges: list[BadgeOut]


class SearchPageOut(_Out):
    items: list[SearchHitOut]
    total: int
    total_is_lower_bound: bool = Field(description="true when counting stopped early")
    next_cursor: str | None


class CodeOut(_Out):
    code: str
    label_zh: str
    label_en: str


class FieldOut(_Out):
    code: str
    label_zh: str
    label_en: str
    type: str
    codes: list[CodeOut]


class CategoryOut(_Out):
    name: str
    label_zh: str
    label_en: str
    fields: list[FieldOut] = Field(description="the fields the public sees, in export order")
    exports: dict[str, str] = Field(description="bulk export paths by format")


class CategoriesOut(_Out):
    items: list[CategoryOut]


class RecordOut(_Out):
    category: str
    fields: dict[str, JsonValue] = Field(
        description="public values by catalogue field code, common fields included"
    )
    enterprise_name: str | None = Field(description="registered name now, if registered")
    dept_name: str | None
    published_on: date
    public_until: date | None = Field(description="last day shown; null: no end date")


class RecordPageOut(_Out):
    items: list[RecordOut]
    total: int
    next_cursor: str | None


class NoticePageOut(_Out):
    kind: str
    items: list[RecordOut] = Field(description="newest publication first")
    next_cursor: str | None


class KeyPersonOut(_Out):
    name: str
    role: str
    role_zh: str
    role_en: str
    id_masked: str | None = Field(description="masked ID number; the full number is never shown")
    since: date | None


class SectionOut(_Out):
    category: str
    label_zh: str
    label_en: str
    count: int = Field(description="records the public sees today")
    href: str


class EnterpriseOut(_Out):
    uscc: str
    reg_no: str | None
    name: str
    entity_type: str
    legal_rep: str
    reg_capital: str | None = Field(description="registered capital, 10,000 CNY")
    established_on: date
    reg_authority: str
    region_code: str
    address: str
    industry_code: str | None
    status: str
    status_on: date | None
    former_names: list[str]
    personnel: list[KeyPersonOut]
    badges: list[BadgeOut]
    sections: list[SectionOut]
    as_of: date
