"""Load and check the information catalogue (``categories.yaml``)."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from entcredit.catalog.model import Catalog, Category, Field

__all__ = ["CatalogError", "default_catalog_text", "load_catalog", "parse_catalog"]

_PACKAGED = "categories.yaml"
_TOP_KEYS = frozenset({"version", "common_fields", "categories"})


class CatalogError(ValueError):
    """The catalogue is broken; the message says which category and field, and why."""


def default_catalog_text() -> str:
    return resources.files("entcredit.catalog").joinpath(_PACKAGED).read_text(encoding="utf-8")


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalogue at ``path``, or the packaged one (loaded once and shared)."""
    if path is None:
        return _default_catalog()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read catalogue {path}: {exc}") from exc
    return parse_catalog(text, source=str(path))


@functools.cache
def _default_catalog() -> Catalog:
    return parse_catalog(default_catalog_text(), source=f"entcredit/catalog/{_PACKAGED}")


def parse_catalog(text: str, source: str = "<catalogue>") -> Catalog:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"{source}: expected a mapping at the top level")
    extra = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if extra:
        raise CatalogError(f"{source}: unknown top-level keys {extra}")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CatalogError(f"{source}: 'version' must be an integer")

    raw_common = data.get("common_fields") or []
    if not isinstance(raw_common, list):
        raise CatalogError(f"{source}: 'common_fields' must be a list")
    common = tuple(_field(source, "common_fields", i, raw) for i, raw in enumerate(raw_common))

    raw_categories = data.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        raise CatalogError(f"{source}: 'categories' must be a non-empty list")
    categories: list[Category] = []
    for i, raw in enumerate(raw_categories):
        if not isinstance(raw, dict):
            raise CatalogError(f"{source}: categories[{i}] is not a mapping")
        categories.append(_category(source, i, raw, common))
    try:
        return Catalog(version=version, categories=tuple(categories))
    except ValidationError as exc:
        raise CatalogError(f"{source}: {_messages(exc, [])}") from None


def _field(source: str, where: str, index: int, raw: Any) -> Field:
    code = raw.get("code") if isinstance(raw, dict) else None
    try:
        return Field.model_validate(raw)
    except ValidationError as exc:
        name = f"field {code!r}" if code else f"field #{index + 1}"
        raise CatalogError(f"{source}: {where}: {name}: {_messages(exc, [])}") from None


def _category(source: str, index: int, raw: dict[str, Any], common: tuple[Field, ...]) -> Category:
    name = raw.get("name") or f"#{index + 1}"
    where = f"{source}: category {name!r}"
    own = raw.get("fields")
    if not isinstance(own, list) or not own:
        raise CatalogError(f"{where}: 'fields' must be a non-empty list")
    fields = [_field(source, f"category {name!r}", i, f) for i, f in enumerate(own)]
    if raw.get("kind") == "aggregated":
        own_codes = {f.code for f in fields}
        clash = [f.code for f in common if f.code in own_codes]
        if clash:
            raise CatalogError(f"{where}: fields {clash} repeat common fields")
        fields = list(common) + fields
    if raw.get("public") is False:
        # A category hidden from publicity hides every field, the common ones included.
        fields = [f.model_copy(update={"public": False}) for f in fields]
    try:
        return Category.model_validate({**raw, "fields": tuple(fields)})
    except ValidationError as exc:
        raise CatalogError(f"{where}: {_messages(exc, fields)}") from None


def _messages(exc: ValidationError, fields: list[Field]) -> str:
    parts: list[str] = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        label: list[str] = []
        if (
            len(loc) >= 2
            and loc[0] == "fields"
            and isinstance(loc[1], int)
            and loc[1] < len(fields)
        ):
            label.append(f"field {fields[loc[1]].code!r}")
            loc = loc[2:]
        if loc:
            label.append(".".join(str(x) for x in loc))
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{' '.join(label)}: {msg}" if label else msg)
    return "; ".join(parts)
