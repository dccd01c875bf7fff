"""``public_fields`` decides per category once (a cached plan) what it used to decide per
field of every record: checked against that per-field rule, written out plainly here, over
generated records, categories and configurations (fresh config objects included, so a plan
cached for one config is never served to another)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import JsonValue

from entcredit.catalog.model import Category
from entcredit.publicity import (
    DEFAULT_CONFIG,
    NDRC_CONFIG,
    PublicityConfig,
    mask_digit_runs,
    mask_person_name,
    public_fields,
)
from entcredit.publicity.rules import _digit_run, _mask_pii, _mask_run, _mask_value
from tests.publicity import test_properties as props

CATALOG = props.CATALOG


def reference(
    cat: Category,
    fields: Mapping[str, object],
    chosen: Collection[str],
    config: PublicityConfig,
) -> dict[str, JsonValue]:
    """The rule field by field, as ``public_fields`` documents it."""
    if not cat.public:
        return {}
    opt_in = config.opt_in_fields.get(cat.name, frozenset()) & frozenset(chosen)
    min_len = config.mask_digit_runs_from
    out: dict[str, JsonValue] = {}
    for f in cat.fields:
        if f.code not in fields or f.code.endswith("_hash"):
            continue
        value = fields[f.code]
        if f.pii:
            if f.code in config.masked_pii_fields.get(cat.name, frozenset()):
                out[f.code] = _mask_pii(value, min_len)
            continue
        if not (f.public or f.code in opt_in):
            continue
        if f.type in ("uscc", "reg_no") and isinstance(value, str):
            out[f.code] = value
        elif f.code in config.masked_name_fields.get(cat.name, frozenset()) and isinstance(
            value, str
        ):
            out[f.code] = mask_digit_runs(mask_person_name(value), min_len)
        else:
            out[f.code] = _mask_value(value, min_len)
    return out


@st.composite
def configs(draw: st.DrawFn) -> PublicityConfig:
    shared = draw(st.sampled_from([None, DEFAULT_CONFIG, NDRC_CONFIG]))
    if shared is not None:
        return shared
    # A fresh object each time: masking names and PII, and ID runs from 15 or 18 digits.
    names = {c: frozenset(f.code for f in CATALOG.category(c).fields) for c in CATALOG.names}
    return PublicityConfig(
        masked_name_fields=draw(st.sampled_from([{}, names])),
        masked_pii_fields=draw(
            st.sampled_from([{}, {c: frozenset(["person_id", "legal_rep_id"]) for c in names}])
        ),
        opt_in_fields=draw(st.sampled_from([{}, {"annual_report": frozenset({"employees"})}])),
        mask_digit_runs_from=draw(st.sampled_from([15, 18])),
    )


@settings(max_examples=300, deadline=None)
@given(
    props.categories_with_fields(),
    st.sets(st.sampled_from(["employees", "revenue", "year", "published_parts"])),
    st.lists(configs(), min_size=1, max_size=3),
)
def test_plan_matches_the_field_by_field_rule(
    generated: tuple[str, dict[str, object], list[str]],
    chosen: set[str],
    configs_in_turn: list[PublicityConfig],
) -> None:
    name, fields, _ = generated
    cat = CATALOG.category(name)
    for config in configs_in_turn:  # several in a row: each gets its own plan
        expected = reference(cat, fields, chosen, config)
        got = public_fields(name, fields, CATALOG, chosen_public=chosen, config=config)
        assert got == expected
        assert list(got) == list(expected)  # catalogue order too


digit_texts = st.text(alphabet=st.sampled_from("0123456789Xx１２３ａ号 -"), max_size=40)


@given(digit_texts, st.sampled_from([15, 16, 18]))
def test_digit_run_shortcuts_change_nothing(text: str, min_len: int) -> None:
    # mask_digit_runs skips the substitution when the text is too short or nothing matches.
    assert mask_digit_runs(text, min_len) == _digit_run(min_len).sub(_mask_run, text)
