"""The pure credit-check rule and the measures catalogue."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entcredit.credit.measures import (
    MeasureCatalogue,
    MeasuresFileError,
    TriggerKind,
    load_measures,
    parse_measures,
)
from entcredit.credit.rules import (
    EnterpriseFact,
    ListFact,
    RestrictionFact,
    RoleLink,
    SubjectFacts,
    UnknownActionError,
    evaluate,
)
from entcredit.lists.serious import LEGACY_ARTICLE

CAT = load_measures()
DAY0 = date(2020, 1, 1)


def test_default_catalogue_covers_the_required_measures() -> None:
    by_action = {a: {m.trigger.kind for m in CAT.for_action(a)} for a in CAT.action_codes}
    assert {"loan", "procurement", "licensing", "director_appointment", "pledge_approval",
            "honours", "listed_company_officer"} <= set(CAT.action_codes)  # fmt: skip
    assert TriggerKind.SERIOUS_LIST in by_action["loan"]
    assert TriggerKind.SERIOUS_LIST in by_action["procurement"]
    assert TriggerKind.REVOKED_OFFICER in by_action["director_appointment"]
    assert TriggerKind.SERIOUS_OFFICER in by_action["listed_company_officer"]
    assert all(by_action.values()), "every action is restricted by some measure"
    # The 3-year transfer measure names the reason code the serious-list machine writes.
    sl07 = CAT.measure("SL07")
    assert sl07 is not None and sl07.trigger.reason_codes == {LEGACY_ARTICLE}


def _yaml(measure: str, actions: str = "- {code: loan, label_zh: 贷款, label_en: Loans}") -> str:
    return f"version: 1\nactions:\n  {actions}\nmeasures:\n{measure}"


GOOD = """  - code: M1
    name_zh: 措施
    name_en: Measure
    trigger: {kind: serious_list}
    actions: [loan]
    basis: 法
    requesting_dept: 甲
    executing_dept: 乙
    duration: {kind: while_in_force}
"""


def test_catalogue_validation_names_the_fault(tmp_path: Path) -> None:
    assert parse_measures(_yaml(GOOD)).measure("M1") is not None
    cases = {
        GOOD.replace("[loan]", "[lending]"): "unknown actions lending",
        GOOD + GOOD: "duplicate measure codes: M1",
        GOOD.replace("{kind: serious_list}", "{kind: revoked_officer, roles: [legal_rep]}"): (
            "fixed_years"
        ),
        GOOD.replace("{kind: serious_list}", "{kind: serious_officer}"): "roles are required",
        GOOD.replace("{kind: while_in_force}", "{kind: fixed_years}"): "years is required",
        GOOD.replace("basis: 法", "basis: 法\n    colour: red"): "colour",
    }
    for text, fault in cases.items():
        with pytest.raises(MeasuresFileError, match=fault):
            parse_measures(_yaml(text))
    path = tmp_path / "m.yaml"
    path.write_text(_yaml(GOOD), encoding="utf-8")
    assert load_measures(path).action_codes == ("loan",)


def test_unknown_action_is_refused() -> None:
    with pytest.raises(UnknownActionError):
        evaluate(SubjectFacts("enterprise", "X", "X"), "lending", CAT, DAY0)


# -- properties -----------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=3000).map(lambda n: DAY0 + timedelta(days=n))
maybe_days = st.none() | days
codes = st.sampled_from(["U1", "U2", "U3"])


@st.composite
def list_facts(draw: st.DrawFn) -> ListFact:
    listed = draw(maybe_days)
    return ListFact(
        draw(st.text("abc", min_size=1, max_size=3)),
        draw(st.sampled_from(["serious", "abnormal"])),
        draw(codes),
        draw(st.sampled_from([None, "1", "5", LEGACY_ARTICLE])),
        None,
        None,
        listed,
        draw(maybe_days),
    )


@st.composite
def restriction_facts(draw: st.DrawFn) -> RestrictionFact:
    return RestrictionFact(
        draw(st.integers(1, 50)),
        draw(st.sampled_from([m.code for m in CAT.measures] + ["NOPE"])),
        "D/1",
        "局",
        draw(st.sampled_from(["", "依据"])),
        draw(days),
        draw(maybe_days),
    )


@st.composite
def enterprises(draw: st.DrawFn, uscc: str) -> EnterpriseFact:
    entries = draw(st.lists(list_facts(), max_size=3, unique_by=lambda e: e.entry_key))
    return EnterpriseFact(
        uscc,
        draw(st.sampled_from([None, "active", "revoked"])),
        draw(maybe_days),
        tuple(
            dataclasses.replace(e, entry_key=f"{uscc}-{e.entry_key}", uscc=uscc) for e in entries
        ),
    )


@st.composite
def role_links(draw: st.DrawFn) -> tuple[RoleLink, ...]:
    """Roles in a few enterprises (one fact per enterprise, as the store gives them)."""
    ents = [draw(enterprises(u)) for u in draw(st.lists(codes, max_size=3, unique=True))]
    roles = st.sampled_from(["legal_rep", "director", "supervisor", "manager"])
    return tuple(
        RoleLink(draw(roles), draw(maybe_days), draw(maybe_days), ent)
        for ent in ents
        for _ in range(draw(st.integers(1, 2)))
    )


@st.composite
def subject_facts(draw: st.DrawFn) -> SubjectFacts:
    restrictions = st.lists(restriction_facts(), max_size=3, unique_by=lambda r: r.record_id)
    if draw(st.booleans()):
        ent = draw(enterprises("U1"))
        return SubjectFacts("enterprise", "U1", "U1", ent.entries, tuple(draw(restrictions)))
    return SubjectFacts("person", "H", "H", (), tuple(draw(restrictions)), draw(role_links()))


actions = st.sampled_from(CAT.action_codes)


@settings(max_examples=120, deadline=None)
@given(subject_facts(), actions, days)
def test_hits_run_on_the_day_asked(facts: SubjectFacts, action: str, as_of: date) -> None:
    result = evaluate(facts, action, CAT, as_of)
    assert result.restricted == bool(result.hits)
    for h in result.hits:
        measure = CAT.measure(h.measure_code)
        assert measure is not None and action in measure.actions
        assert h.since is None or h.since <= as_of
        assert h.until is None or as_of <= h.until  # never a hit after its end date
        assert h.basis


def _keys(facts: SubjectFacts, action: str, as_of: date) -> set[tuple[str, str, str | None]]:
    return {(h.measure_code, h.ref, h.via_uscc) for h in evaluate(facts, action, CAT, as_of).hits}


@settings(max_examples=120, deadline=None)
@given(subject_facts(), subject_facts(), actions, days)
def test_more_facts_never_lift_a_restriction(
    a: SubjectFacts, b: SubjectFacts, action: str, as_of: date
) -> None:
    ids = {r.record_id for r in a.restrictions}
    keys = {e.entry_key for e in a.entries}
    usccs = {link.enterprise.uscc for link in a.links}
    merged = dataclasses.replace(
        a,
        entries=a.entries + tuple(e for e in b.entries if e.entry_key not in keys),
        restrictions=a.restrictions + tuple(r for r in b.restrictions if r.record_id not in ids),
        links=a.links + tuple(x for x in b.links if x.enterprise.uscc not in usccs),
    )
    assert _keys(a, action, as_of) <= _keys(merged, action, as_of)


@settings(max_examples=80, deadline=None)
@given(subject_facts(), actions, days)
def test_hits_end_for_good(facts: SubjectFacts, action: str, as_of: date) -> None:
    """Once a hit's end date has passed it does not come back on any later day."""
    for h in evaluate(facts, action, CAT, as_of).hits:
        if h.until is not None:
            for later in (h.until + timedelta(days=1), h.until + timedelta(days=400)):
                assert (h.measure_code, h.ref, h.via_uscc) not in _keys(facts, action, later)


def test_while_listed_serious_entry_and_abnormal_scope() -> None:
    entry = ListFact("S", "serious", "U1", "5", "决定", "局", date(2025, 1, 10), date(2028, 1, 10))
    ent = SubjectFacts("enterprise", "U1", "U1", (entry,))
    (hit,) = evaluate(ent, "procurement", CAT, date(2028, 1, 9)).hits
    assert (hit.measure_code, hit.until) == ("SL02", date(2028, 1, 9))
    assert not evaluate(ent, "procurement", CAT, date(2028, 1, 10)).restricted
    # A person is never restricted by an enterprise-list measure directly.
    person = SubjectFacts("person", "H", "H", (entry,))
    assert not evaluate(person, "procurement", CAT, date(2026, 1, 1)).restricted
    # The listing's officer is, for a listed company's board, from the listing on.
    link = RoleLink("director", date(2020, 1, 1), None, EnterpriseFact("U1", "active", None,
                                                                       (entry,)))  # fmt: skip
    officer = SubjectFacts("person", "H", "H", (), (), (link,))
    assert evaluate(officer, "listed_company_officer", CAT, date(2026, 1, 1)).restricted
    assert not evaluate(officer, "listed_company_officer", CAT, date(2025, 1, 9)).restricted
    left = dataclasses.replace(link, until=date(2024, 12, 31))  # left before the listing
    assert not evaluate(
        dataclasses.replace(officer, links=(left,)), "listed_company_officer", CAT, date(2026, 1, 1)
    ).restricted


def test_catalogue_is_cached_and_frozen() -> None:
    assert load_measures() is CAT
    assert isinstance(CAT, MeasureCatalogue)
    with pytest.raises(dataclasses.FrozenInstanceError):
        CAT.measures[0].code = "X"  # type: ignore[misc]


def test_subjects_are_read_without_leaking_id_numbers() -> None:
    from entcredit.core.idnum import upgrade_15_to_18
    from entcredit.credit.service import parse_subject
    from tests.ingest.factories import person_id, uscc

    key = b"k" * 32
    pid, code = person_id(7), uscc(7)
    person = parse_subject(f" {pid} ", key)
    assert person.kind == "person" and person.key != pid and pid not in person.label
    assert parse_subject(code, key).kind == "enterprise"
    legacy = pid[:6] + pid[8:17]  # the 15-digit number it was upgraded from
    assert upgrade_15_to_18(legacy) == pid
    assert parse_subject(legacy, key).key == person.key
    # Forcing a reading; a string valid as neither is named, never echoed when ID-like.
    assert parse_subject("uscc:" + pid, key).error is not None
    assert parse_subject("id:" + code, key).error is not None
    for typo in (pid[:-1] + ("0" if pid[-1] != "0" else "1"), pid[:17], pid[:16]):
        bad = parse_subject(typo, key)
        assert bad.kind is None and bad.error and typo not in bad.label + bad.error
    wrong_check = parse_subject(code[:-1] + ("0" if code[-1] != "0" else "1"), key)
    assert "check character" in (wrong_check.error or "") and wrong_check.label[:17] == code[:17]
    assert parse_subject("  ", key).error == "empty subject"
