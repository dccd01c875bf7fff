"""Invariants of the publicity rules, checked with generated records (hypothesis)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from entcredit.catalog import load_catalog
from entcredit.catalog.model import Field
from entcredit.core.idnum import check_resident_id, make_resident_id
from entcredit.core.text import to_halfwidth
from entcredit.core.uscc import make_uscc
from entcredit.publicity import (
    DEFAULT_CONFIG,
    NDRC_CONFIG,
    PublicityConfig,
    ReasonCode,
    RecordView,
    RepairFacts,
    early_stop_eligibility,
    public_fields,
    visibility,
)

CATALOG = load_catalog()
KINDS = sorted(c.code for c in CATALOG.category("penalty").field("penalty_kinds").codes)
FORBIDDEN = sorted(DEFAULT_CONFIG.early_stop.forbidden_kinds)
configs = st.sampled_from(
    [DEFAULT_CONFIG, NDRC_CONFIG, PublicityConfig(period_months={"license": 6})]
)
dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2040, 12, 31))
maybe_dates = st.none() | dates
entity_types = st.sampled_from([None, "enterprise", "individual", "cooperative"])
amounts = st.none() | st.decimals(min_value=0, max_value=1000, places=2).map(str)

penalty_extras = st.fixed_dictionaries(
    {},
    optional={
        "fine_amount": amounts,
        "ban_until": dates.map(date.isoformat),
        "heavier": st.booleans(),
        "domain": st.sampled_from(["food", "drug", "fire_safety", "other"]),
    },
)


@st.composite
def records(draw: st.DrawFn, kinds: st.SearchStrategy[list[str]] | None = None) -> RecordView:
    if kinds is None:
        category = draw(st.sampled_from(CATALOG.names))
        chosen = draw(st.lists(st.sampled_from(KINDS), max_size=4, unique=True))
    else:
        category, chosen = "penalty", draw(kinds)
    fields = dict(draw(penalty_extras)) if category == "penalty" else {}
    if category == "penalty":
        fields["penalty_kinds"] = sorted(chosen)
    return RecordView(
        category=category,
        status=draw(st.sampled_from(["active", "active", "active", "withdrawn"])),
        published_on=draw(maybe_dates),
        produced_on=draw(dates),
        fields=fields,
        entity_type=draw(entity_types),
        repaired_on=draw(maybe_dates),
    )


@settings(max_examples=300, deadline=None)
@given(records(kinds=st.just(["warning"])), dates, configs)
def test_warning_only_penalty_is_never_visible(
    rec: RecordView, as_of: date, config: PublicityConfig
) -> None:
    # rules.md s.5: "A warning alone is never publicised", whatever the dates.
    assert not visibility(rec, as_of, config, CATALOG).visible


@settings(max_examples=400, deadline=None)
@given(records(), dates, st.integers(min_value=1, max_value=6000), configs)
def test_once_out_stays_out(
    rec: RecordView, as_of: date, later: int, config: PublicityConfig
) -> None:
    # Once a published record has left view it never comes back (rules.md s.5: "Publicity
    # ends automatically at the end of the period"); only a new publication would.
    first = visibility(rec, as_of, config, CATALOG)
    then = visibility(rec, as_of + timedelta(days=later), config, CATALOG)
    if not first.visible and first.reason.code is not ReasonCode.NOT_YET_PUBLISHED:
        assert not then.visible
    if then.visible:
        assert first.visible or first.reason.code is ReasonCode.NOT_YET_PUBLISHED


@settings(max_examples=400, deadline=None)
@given(records(), dates, configs)
def test_visible_exactly_within_its_window(
    rec: RecordView, as_of: date, config: PublicityConfig
) -> None:
    v = visibility(rec, as_of, config, CATALOG)
    if v.visible:
        assert rec.published_on is not None and rec.published_on <= as_of
        assert v.public_until is None or as_of <= v.public_until
        assert rec.status == "active"
        assert CATALOG.category(rec.category).public


# ------------------------------------------------------------------ public fields

ID_FIRST17 = st.builds(
    lambda region, birth, seq: f"{region}{birth:%Y%m%d}{seq:03d}",
    st.sampled_from(["110101", "440305", "440106", "310115", "650102"]),
    st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
ids = ID_FIRST17.map(make_resident_id)
filler = st.text(
    alphabet=st.sampled_from(list("0123456789０１２３XxABC企业身份证号 :(),，；")), max_size=12
)
_FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789X"})


@st.composite
def id_texts(draw: st.DrawFn) -> tuple[str, str]:
    number = draw(ids)
    shown = number
    if draw(st.booleans()):
        shown = shown.translate(_FULLWIDTH)
    if shown.endswith(("X", "Ｘ")) and draw(st.booleans()):
        shown = shown[:-1] + shown[-1].lower()
    return number, draw(filler) + shown + draw(filler)


@st.composite
def field_values(draw: st.DrawFn, f: Field, planted: list[str]) -> object:
    if f.type == "uscc":
        return make_uscc("91440300" + draw(st.from_regex(r"[0-9A-H]{9}", fullmatch=True)))
    if f.type == "reg_no":
        return "440300000012345"
    if f.type == "codes" and f.codes:
        return sorted(draw(st.sets(st.sampled_from([c.code for c in f.codes]), max_size=3)))
    if f.type == "integer" and draw(st.booleans()):
        number = draw(ids)
        if number[-1] != "X":
            planted.append(number)
            return int(number)
    kind = draw(st.sampled_from(["id", "list", "plain"]))
    if kind == "plain":
        return draw(filler)
    number, text = draw(id_texts())
    planted.append(number)
    return [text, draw(filler)] if kind == "list" else text


@st.composite
def categories_with_fields(draw: st.DrawFn) -> tuple[str, dict[str, object], list[str]]:
    category = CATALOG.category(draw(st.sampled_from(CATALOG.names)))
    planted: list[str] = []
    fields: dict[str, object] = {}
    for f in category.fields:
        if draw(st.integers(0, 4)) == 0:
            continue
        fields[f.code] = draw(field_values(f, planted))
        if f.pii:
            fields[f.code + "_hash"] = draw(
                st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
            )
    return category.name, fields, planted


_ID_WINDOW = re.compile(r"(?=([0-9]{17}[0-9X]))")


@settings(max_examples=250, deadline=None)
@given(categories_with_fields(), st.sets(st.sampled_from(["employees", "revenue", "year"])))
def test_public_fields_never_leak_an_id(
    generated: tuple[str, dict[str, object], list[str]], chosen: set[str]
) -> None:
    name, fields, planted = generated
    category = CATALOG.category(name)
    out = public_fields(name, fields, CATALOG, chosen_public=chosen)
    for code in out:
        assert not code.endswith("_hash")
        f = category.field(code)
        assert f.public or f.pii or code in chosen
        if f.pii:  # only the configured masked forms
            assert code in DEFAULT_CONFIG.masked_pii_fields.get(name, frozenset())
    identifiers = {c for c in out if category.field(c).type in ("uscc", "reg_no")}
    text = to_halfwidth(
        json.dumps({k: v for k, v in out.items() if k not in identifiers}, ensure_ascii=False)
    ).upper()
    for number in planted:
        assert number not in text
    for window in _ID_WINDOW.findall(text):
        assert not check_resident_id(window).valid, window


# ------------------------------------------------------------------ early stop

facts = st.builds(RepairFacts, st.booleans(), st.booleans(), st.booleans(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(KINDS), max_size=3),
    st.sampled_from(FORBIDDEN),
    penalty_extras,
    dates,
    maybe_dates,
    dates,
    facts,
    configs,
)
def test_early_stop_never_for_forbidden_kinds(
    kinds: list[str],
    forbidden: str,
    extras: dict[str, object],
    produced_on: date,
    published_on: date | None,
    as_of: date,
    repair: RepairFacts,
    config: PublicityConfig,
) -> None:
    fields = {**extras, "penalty_kinds": sorted({*kinds, forbidden})}
    result = early_stop_eligibility(
        fields, published_on, as_of, repair, config, produced_on=produced_on
    )
    assert not result.eligible and result.earliest_date is None
