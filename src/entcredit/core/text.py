"""Text normalisation shared by every reader and validator. Pure functions, ingest hot path."""

from __future__ import annotations

# Trimmed at both ends: ASCII whitespace, NBSP (pasted from web pages and Excel), the
# full-width ideographic space U+3000 typed by Chinese IMEs, and a stray BOM (U+FEFF) that
# survives when a file is concatenated from several UTF-8-with-BOM exports.
TRIM_CHARS = " \t\n\r\v\f\u00a0\u3000\ufeff"

# Full-width ASCII variants U+FF01-U+FF5E sit at a fixed offset from U+0021-U+007E.
_HALFWIDTH = str.maketrans({**{i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}, 0x3000: 0x20})


def clean(value: str | None) -> str | None:
    """Trim the value; ``None`` when nothing is left (an empty cell means absent)."""
    if value is None:
        return None
    value = value.strip(TRIM_CHARS)
    return value or None


def to_halfwidth(s: str) -> str:
    """Map full-width ASCII variants (U+FF01-U+FF5E) and U+3000 to their half-width forms."""
    # Nearly every cell is plain ASCII: skip translate() (a per-character dict lookup).
    if s.isascii():
        return s
    return s.translate(_HALFWIDTH)
