"""The information catalogue (信用信息目录): categories, fields, header resolution and the
compiled row validator. Pure: no database, clock or network."""

from entcredit.catalog.headers import HeaderMap
from entcredit.catalog.loader import CatalogError, load_catalog, parse_catalog
from entcredit.catalog.model import Catalog, Category, CodeItem, CodesWhen, Field, FieldType
from entcredit.catalog.validator import (
    LEGACY_ORG_CODE_FIELD,
    LEGACY_REG_NO_FIELD,
    REQUIRED_MISSING,
    FieldIssue,
    RowValidator,
    Values,
)

__all__ = [
    "LEGACY_ORG_CODE_FIELD",
    "LEGACY_REG_NO_FIELD",
    "REQUIRED_MISSING",
    "Catalog",
    "CatalogError",
    "Category",
    "CodeItem",
    "CodesWhen",
    "Field",
    "FieldIssue",
    "FieldType",
    "HeaderMap",
    "RowValidator",
    "Values",
    "load_catalog",
    "parse_catalog",
]
