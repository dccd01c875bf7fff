"""Open-data exports, streamed: every public record of a category, read through the portal
service (the one visibility path) in keyset batches, out as CSV or JSONL byte chunks, in
constant memory. Shared by ``/api/v1/public/exports/...`` and ``entcredit opendata export``.

CSV is UTF-8 with a BOM (so spreadsheet programs pick the encoding), headers are the
catalogue's Chinese labels (what a person reading the file in a spreadsheet needs; ingest
accepts them as headers too, and ``/api/v1/public/categories`` maps them to field codes), and
every cell is neutralised against formula injection. JSONL is one JSON object a line keyed by
field code, for programs. Values stay canonical in both: dates ISO, codes as in the catalogue,
multi-codes joined with ``;`` in CSV and a list in JSONL. Both end with ``published_on`` and
``public_until`` (公示日期, 公示截止日期)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Literal, get_args

from pydantic import JsonValue
from sqlalchemy.orm import Session, sessionmaker

from entcredit.catalog.loader import load_catalog
from entcredit.catalog.model import Category
from entcredit.portal.service import PublicValues, iter_public_values
from entcredit.publicity.rules import public_fields
from entcredit.store.db import unit_of_work

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = get_args(Format)
MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
}
# Beside the catalogue's fields: when the record became public and its last public day.
EXTRA_COLUMNS = (("published_on", "公示日期"), ("public_until", "公示截止日期"))

BOM = "\ufeff"
CHUNK_CHARS = 64 * 1024

# OWASP "CSV injection": a spreadsheet evaluates a cell that starts with one of these as a
# formula (tab and CR included: some programs strip them, then see the formula). Full-width
# forms too: some spreadsheets take ＝ as = under East Asian input settings.
FORMULA_PREFIXES = frozenset("=+-@\t\r＝＋－＠")


def neutralise(cell: str) -> str:
    """Prefix a cell a spreadsheet could evaluate with an apostrophe, shown as text."""
    return "'" + cell if cell[:1] in FORMULA_PREFIXES else cell


def _text(value: JsonValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def csv_cell(value: JsonValue) -> str:
    if isinstance(value, str):  # nearly every cell: neutralise without the detour
        return "'" + value if value[:1] in FORMULA_PREFIXES else value
    if value is None:
        return ""
    return neutralise(_text(value))


def csv_chunks(
    columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, JsonValue]]
) -> Iterator[bytes]:
    """``columns`` are (key, header) pairs; a row's missing keys are empty cells."""
    keys = [key for key, _ in columns]
    return _csv_lines(
        [header for _, header in columns],
        ([csv_cell(row.get(key)) for key in keys] for row in rows),
    )


def _csv_lines(headers: Sequence[str], cells: Iterable[list[str]]) -> Iterator[bytes]:
    """``cells`` are rows already through ``csv_cell``; headers are neutralised here."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([neutralise(header) for header in headers])
    for row in cells:
        writer.writerow(row)
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# json.dumps with these options builds a new encoder per call; one is enough.
_JSON_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def jsonl_chunks(rows: Iterable[Mapping[str, JsonValue]]) -> Iterator[bytes]:
    lines: list[str] = []
    size = 0
    for row in rows:
        line = _JSON_LINE.encode(row) + "\n"
        lines.append(line)
        size += len(line)
        if size >= CHUNK_CHARS:
            yield "".join(lines).encode("utf-8")
            lines, size = [], 0
    if lines:
        yield "".join(lines).encode("utf-8")


# ------------------------------------------------------------------ records to export


def record_categories() -> list[Category]:
    """The categories whose records the public reads: aggregated and public."""
    return [c for c in load_catalog().categories if c.public and c.kind == "aggregated"]


def public_columns(category: Category) -> list[str]:
    """The field codes ``public_fields`` can return for this category, in catalogue order:
    asked of the one visibility path itself, with every field present and chosen public."""
    every = {f.code: "" for f in category.fields}
    return list(public_fields(category, every, chosen_public=every.keys()))


def _public_values(
    factory: sessionmaker[Session], category: str, as_of: date
) -> Iterator[PublicValues]:
    """Every record of ``category`` visible on ``as_of``, in its own read transaction (a
    streamed HTTP body outlives the request's session)."""
    with unit_of_work(factory) as session:
        yield from iter_public_values(session, category, as_of=as_of)


def _jsonl_rows(records: Iterable[PublicValues]) -> Iterator[dict[str, JsonValue]]:
    for published_on, public_until, values in records:
        yield {
            **values,
            "published_on": published_on.isoformat(),
            "public_until": public_until.isoformat() if public_until else None,
        }


def _csv_rows(keys: Sequence[str], records: Iterable[PublicValues]) -> Iterator[list[str]]:
    for published_on, public_until, values in records:
        row = [csv_cell(v) for v in map(values.get, keys)]
        # ISO dates start with a digit: nothing to neutralise.
        row.append(published_on.isoformat())
        row.append(public_until.isoformat() if public_until else "")
        yield row


def export_chunks(
    factory: sessionmaker[Session], category: Category, as_of: date, fmt: Format
) -> Iterator[bytes]:
    records = _public_values(factory, category.name, as_of)
    if fmt == "jsonl":
        return jsonl_chunks(_jsonl_rows(records))
    keys = public_columns(category)
    headers = [category.field(c).label_zh for c in keys] + [h for _, h in EXTRA_COLUMNS]
    return _csv_lines(headers, _csv_rows(keys, records))
