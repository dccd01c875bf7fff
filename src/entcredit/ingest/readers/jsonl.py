"""JSON Lines reader: one object a line; headers grow with the keys of accepted objects."""

from __future__ import annotations

import codecs
import io
import itertools
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import BinaryIO, Final

from entcredit.ingest.readers.common import (
    CHUNK,
    UTF16_32_BOMS,
    UTF16_MESSAGE,
    LimitedReader,
    ReadLimits,
    RowError,
    RowItem,
    RowSource,
    SourceError,
    clean_header,
    describe,
)

_JSONL_LOOKAHEAD: Final = 1000  # lines read at open while looking for the first object
# --------------------------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------------------------


class _BadValue(Exception):
    pass


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _decimal_str(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -64 <= exponent <= 64:
        return format(value, "f")
    return str(value)


class JsonlSource(RowSource):
    def __init__(self, src: BinaryIO, name: str, limits: ReadLimits) -> None:
        super().__init__(name, "jsonl", limits)
        self._buf = io.BufferedReader(LimitedReader(src, name, limits.max_bytes), CHUNK)
        self._closers.append(self._buf)
        # A line holds a whole record; bound it so one runaway line cannot exhaust memory.
        self._line_limit = max(1024 * 1024, 32 * limits.max_field_chars)
        self._keys: dict[str, str] = {}  # raw key -> cleaned key
        self._known: set[str] = set()
        head = self._buf.peek(4)[:4]
        if not head:
            raise SourceError(f"{name}: the file is empty")
        if head.startswith(UTF16_32_BOMS):
            raise SourceError(f"{name}: {UTF16_MESSAGE}")
        self._encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        if b"\0" in self._buf.peek(CHUNK)[:CHUNK]:
            raise SourceError(
                f"{name}: NUL bytes at the start: this is not UTF-8 JSON Lines text "
                "(binary data, or UTF-16?)"
            )

        self._loads: Callable[[str], object] = json.JSONDecoder(
            parse_float=Decimal, parse_constant=_reject_constant
        ).decode
        # Headers are the keys of the first object: look ahead to it (a few lines at most).
        self._line_iter = self._lines()
        self._ahead: list[tuple[int, bytes | None]] = []
        for line_no, line in self._line_iter:
            self._ahead.append((line_no, line))
            if (
                line is not None
                and line.strip()
                and not isinstance(self._parse(line_no, line), RowError)
            ):
                break
            if len(self._ahead) >= _JSONL_LOOKAHEAD:
                break

    @property
    def encoding(self) -> str | None:
        return self._encoding

    def _key(self, raw: str) -> str:
        key = self._keys.get(raw)
        if key is None:
            key = clean_header(raw)
            if not key:
                raise _BadValue("a key is empty")
            self._keys[raw] = key
        return key

    def _value(self, key: str, value: object) -> str | None:
        if isinstance(value, str):
            s = value.strip()
            if "\0" in s:
                raise _BadValue(f"'{key}' contains a NUL character")
            if len(s) > self._limits.max_field_chars:
                raise _BadValue(
                    f"'{key}' is longer than {self._limits.max_field_chars:,} characters"
                )
            return s or None
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, Decimal):
            return _decimal_str(value)
        if isinstance(value, list):
            parts = []
            for item in value:
                if isinstance(item, list | dict):
                    raise _BadValue(
                        f"'{key}' is an array holding an array or object; only arrays of "
                        "text, numbers and booleans are allowed"
                    )
                part = self._value(key, item)
                if part is None:
                    continue
                if ";" in part:
                    raise _BadValue(f"'{key}' has an array item containing ';' (the separator)")
                parts.append(part)
            return ";".join(parts) or None
        if isinstance(value, dict):
            raise _BadValue(
                f"'{key}' is a nested object; only text, numbers, booleans, null and arrays "
                "of those are allowed"
            )
        raise _BadValue(f"'{key}' has an unsupported value")  # pragma: no cover

    def _lines(self) -> Iterator[tuple[int, bytes | None]]:
        """(line_no, line) pairs; ``None`` for a line over the length limit (skipped)."""
        buf = self._buf
        limit = self._line_limit
        line_no = 0
        while True:
            try:
                line = buf.readline(limit)
            except OSError as exc:
                raise SourceError(f"{self.name}: cannot read the file: {exc}") from None
            if not line:
                return
            line_no += 1
            if len(line) >= limit and not line.endswith(b"\n"):
                while (rest := buf.readline(limit)) and not rest.endswith(b"\n"):
                    pass
                yield line_no, None
                continue
            if line_no == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            yield line_no, line

    def _rows(self) -> Iterator[RowItem]:
        max_rows = self._max_rows if self._max_rows is not None else -1
        n = 0
        ahead, self._ahead = self._ahead, []
        for line_no, line in itertools.chain(ahead, self._line_iter):
            item: RowItem
            if line is None:
                item = RowError(line_no, f"line is longer than {self._line_limit:,} bytes")
            elif not line.strip():
                continue
            else:
                parsed = self._parse(line_no, line)
                if parsed is None:
                    continue
                item = parsed
            n += 1
            if n == max_rows + 1:
                raise self._too_many_rows(line_no)
            self.rows_read = n
            yield item

    def _parse(self, line_no: int, line: bytes) -> RowItem | None:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RowError(line_no, f"invalid UTF-8 at byte {exc.start + 1}")
        try:
            obj = self._loads(text)
        except json.JSONDecodeError as exc:
            return RowError(line_no, f"invalid JSON: {exc.msg} at column {exc.colno}")
        except (ValueError, RecursionError) as exc:
            return RowError(line_no, f"invalid JSON: {describe(exc)}")
        if not isinstance(obj, dict):
            kind = "array" if isinstance(obj, list) else type(obj).__name__
            if obj is None:
                kind = "null"
            elif isinstance(obj, str):
                kind = "string"
            elif isinstance(obj, int | Decimal):
                kind = "number"
            return RowError(line_no, f"invalid JSON: a line must hold one object, not {kind}")
        try:
            row = {self._key(k): self._value(k, v) for k, v in obj.items()}
        except _BadValue as exc:
            return RowError(line_no, str(exc))
        if not row.keys() <= self._known:
            # New keys become headers in order of appearance (only from accepted objects).
            for key in row:
                if key not in self._known:
                    self._known.add(key)
                    self.headers.append(key)
        for key in self.headers:
            row.setdefault(key, None)
        if not any(row.values()):
            return None  # an all-empty object is a blank row: skipped, not counted
        return line_no, row
