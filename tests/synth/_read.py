"""Read generated files back the way a loader would: by the manifest's format and encoding."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_text("utf-8"))
    return data


def expected(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "truth" / "expected.json").read_text("utf-8"))
    return data


def read_file(
    out: Path, entry: dict[str, Any]
) -> tuple[list[str], Iterator[tuple[int, dict[str, str | None]]]]:
    """Headers and (row number, {header: value}) with the loader's row numbering."""
    path = out / entry["name"]
    fmt = entry["format"]
    if fmt == "csv":
        fh = open(path, encoding=entry["encoding"], newline="")  # noqa: SIM115
        reader = csv.reader(fh)
        headers = next(reader)

        def rows_csv() -> Iterator[tuple[int, dict[str, str | None]]]:
            with fh:
                for i, values in enumerate(reader, start=2):
                    yield (
                        i,
                        {h: (v if v != "" else None) for h, v in zip(headers, values, strict=True)},
                    )

        return headers, rows_csv()
    if fmt == "jsonl":
        lines = path.read_text("utf-8").splitlines()
        headers_seen: dict[str, None] = {}
        objs = [json.loads(line) for line in lines]
        for o in objs:
            headers_seen.update(dict.fromkeys(o))

        def rows_jsonl() -> Iterator[tuple[int, dict[str, str | None]]]:
            for i, o in enumerate(objs, start=1):
                yield i, {k: (v if v != "" else None) for k, v in o.items()}

        return list(headers_seen), rows_jsonl()
    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    headers = [str(h) for h in next(it)]

    def rows_xlsx() -> Iterator[tuple[int, dict[str, str | None]]]:
        for i, values in enumerate(it, start=2):
            vals = list(values) + [None] * (len(headers) - len(values))
            yield (
                i,
                {h: (None if v is None else str(v)) for h, v in zip(headers, vals, strict=True)},
            )
        wb.close()

    return headers, rows_xlsx()
