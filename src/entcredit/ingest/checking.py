"""Checking rows before they reach the store: map headers to fields, take the department from
the credentials, validate against the catalogue. Pure (no database, no clock), so it can run
in the loading process or in a worker process beside it (``ingest.parallel``).

Checked rows are tuples (they cross a process boundary by the million).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import orjson

from entcredit.catalog.model import Category
from entcredit.core.idnum import hash_id, mask_id
from entcredit.ingest.readers import RowError
from entcredit.ingest.rules import mask_free_text, record_identity

RawRow = Mapping[str, str | None]
SourceRow = tuple[int, RawRow] | RowError
Problem = tuple[str | None, str]  # (field, reason)


class IngestError(ValueError):
    """The batch as a whole cannot be loaded (unknown category, the same field in two
    columns, limits): nothing of it is stored."""


class Accepted(NamedTuple):
    """A valid row on its way to the store, with its warnings and unknown columns' cells.
    Aggregated rows also carry their operation and content identity (``record_identity``)."""

    row_no: int
    values: dict[str, Any]
    extras: dict[str, str] | None
    warnings: list[Problem] | None
    op: str = "upsert"
    digest: str = ""
    fields: str = ""


class Rejected(NamedTuple):
    """A row that will not be stored: its reasons and the row as received (PII masked)."""

    row_no: int
    raw: str | None
    problems: list[Problem]


Checked = Accepted | Rejected


def mask_raw(raw: RawRow, pii_fields: frozenset[str]) -> str:
    """The row as JSON with ID numbers masked: fields the catalogue marks as PII, and
    anything shaped like an ID number in other cells."""
    out = {
        k: (mask_id(v) if k in pii_fields else mask_free_text(v)) if v else v
        for k, v in raw.items()
    }
    return orjson.dumps(out).decode()


class RowChecker:
    def __init__(
        self,
        category: Category,
        *,
        dept_code: str | None,
        enforce_dept: bool,
        source_name: str,
        pii_key: bytes | None = None,
    ) -> None:
        """``pii_key`` (aggregated categories): ID-number fields become a mask and a keyed
        hash here, before the row's identity is computed."""
        self.category = category
        self.pii_key = pii_key
        self._aggregated = category.kind == "aggregated"
        self.dept_code = dept_code
        self.enforce_dept = enforce_dept
        self.source_name = source_name
        self.validator = category.validator()
        self.pii_fields = frozenset(f.code for f in category.fields if f.pii)
        self.unknown_columns: list[str] = []
        self._has_dept_code = any(f.code == "dept_code" for f in category.fields)
        self._key = frozenset(category.key)

    def check_all(
        self, headers: Callable[[], Sequence[str]], rows: Iterator[SourceRow]
    ) -> Iterator[Checked]:
        """The hot loop: every statement here runs once per row of every file."""
        check = self.check
        known = 0  # header count the mapping was built for (JSONL headers only grow)
        mapping: list[tuple[str, str]] = []
        unknown: list[str] = []
        for item in rows:
            if isinstance(item, RowError):
                yield Rejected(item.row_no, None, [(None, item.reason)])
                continue
            row_no, raw = item
            hdrs = headers()
            if len(hdrs) != known:
                known = len(hdrs)
                mapping, unknown = self._map_headers(hdrs)
            checked = check(row_no, {code: raw.get(h) for h, code in mapping})
            if unknown and isinstance(checked, Accepted):
                extras = {h: v for h in unknown if (v := raw.get(h))}
                if extras:
                    checked = checked._replace(extras=extras)
            yield checked

    def _map_headers(self, hdrs: Sequence[str]) -> tuple[list[tuple[str, str]], list[str]]:
        hm = self.category.header_map(list(hdrs))
        if hm.duplicates:
            raise IngestError(
                f"{self.source_name}: the same field appears in several columns: "
                + ", ".join(hm.duplicates)
            )
        for u in hm.unknown:
            if u not in self.unknown_columns:
                self.unknown_columns.append(u)
        mapping = [(h, c) for h, c in zip(hdrs, hm.columns, strict=True) if c is not None]
        if not mapping:
            raise IngestError(
                f"{self.source_name}: no column names a field of {self.category.name} "
                f"(by code or Chinese label); headers: {', '.join(hdrs)[:200]}"
            )
        return mapping, list(hm.unknown)

    def check(self, row_no: int, mapped: dict[str, str | None]) -> Checked:
        if self._has_dept_code:
            given = mapped.get("dept_code")
            if not given:
                if self.dept_code:
                    mapped["dept_code"] = self.dept_code
            elif self.enforce_dept and given.strip() != self.dept_code:
                reason = f"'{given}' is not the submitting department {self.dept_code}"
                return Rejected(row_no, mask_raw(mapped, self.pii_fields), [("dept_code", reason)])
        values, issues = self.validator(mapped)
        if not issues:
            return self._accept(row_no, values, None)
        # A withdrawal needs only its key to be valid.
        key_only = values.get("op") == "withdraw"
        errors: list[Problem] = [
            (i.field, i.reason)
            for i in issues
            if i.severity == "error" and (not key_only or i.field in self._key)
        ]
        if errors:
            return Rejected(row_no, mask_raw(mapped, self.pii_fields), errors)
        warnings: list[Problem] = [(i.field, i.reason) for i in issues if i.severity == "warning"]
        return self._accept(row_no, values, warnings or None)

    def _accept(
        self, row_no: int, values: dict[str, Any], warnings: list[Problem] | None
    ) -> Accepted:
        if not self._aggregated:
            return Accepted(row_no, values, None, warnings)
        op = values.pop("op", None) or "upsert"
        if self.pii_fields:
            if self.pii_key is None:
                raise ValueError("a pii_key is needed to check rows with ID-number fields")
            for code in self.pii_fields:
                if raw := values.get(code):
                    values[code] = mask_id(raw)
                    values[code + "_hash"] = hash_id(self.pii_key, raw)
        digest, fields = record_identity(values)
        return Accepted(row_no, values, None, warnings, op, digest, fields)
