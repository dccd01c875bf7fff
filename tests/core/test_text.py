from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entcredit.core.text import clean, to_halfwidth


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\u3000\u3000", None),
        (" \t\u00a0\r\n", None),
        ("  abc ", "abc"),
        ("\u3000深圳市\u3000", "深圳市"),
        ("\u00a0x\u00a0", "x"),
        ("\ufeffuscc", "uscc"),
        ("a b\u3000c", "a b\u3000c"),  # only the ends are trimmed
    ],
)
def test_clean(raw: str | None, expected: str | None) -> None:
    assert clean(raw) == expected


def test_to_halfwidth_maps_fullwidth_ascii_and_ideographic_space() -> None:
    assert to_halfwidth("９１４４ＡＢｘｙ\u3000！～") == "9144ABxy !~"
    assert to_halfwidth("深圳市（南山）") == "深圳市(南山)"
    assert to_halfwidth("plain ascii") == "plain ascii"


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)))
def test_to_halfwidth_inverts_fullwidth(s: str) -> None:
    full = "".join(chr(ord(c) + 0xFEE0) for c in s)
    assert to_halfwidth(full) == s


@given(st.text())
def test_clean_is_idempotent_and_never_empty(s: str) -> None:
    once = clean(s)
    assert once != ""
    assert clean(once) == once
