"""Property tests of both machines and of the daily job (rules.md §§3-4, issue 4 item 6)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entcredit.lists.rules import (
    AbnormalEntry,
    AbnormalState,
    Approve,
    DecideListing,
    DecideObjection,
    DecideRemoval,
    DecideSerious,
    DeregisteredOrRevoked,
    DismissProposal,
    DropListing,
    Effect,
    EntityKind,
    Entry,
    FileObjection,
    FileStatement,
    HoldHearing,
    ListingReason,
    PenaltyFacts,
    Propose,
    Publish,
    RefuseApproval,
    RefuseRemoval,
    RemovalReason,
    RemoveEarly,
    RemoveSerious,
    RepairFacts,
    RequestRemoval,
    SeriousEntry,
    SeriousState,
    TransitionError,
    VerifyObjection,
    apply_abnormal,
    apply_due,
    apply_serious,
    invariant_problems,
    next_deadline,
    propose,
    provisional_deadlines,
    start_serious_listing,
)

from .conftest import CAL, RULES

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Steps: (event name, days after the previous event (negative: out of order), a flag, a
# number). Names repeat to weight the draw towards the long paths (a dismissal or a
# deregistration ends most sequences at once).
_ABNORMAL_EVENTS = (
    *("decide",) * 4,
    "dismiss",
    *("request", "refuse", "remove", "object", "accept", "verify") * 2,
    "dereg",
)
_SERIOUS_EVENTS = (
    "statement",
    "hearing",
    *("decide", "approve", "publish") * 3,
    "refuse",
    "drop",
    "remove",
    *("early",) * 2,
)

steps = st.lists(
    st.tuples(
        st.sampled_from(_ABNORMAL_EVENTS),
        st.integers(-3, 400),
        st.booleans(),
        st.integers(1, 7),
    ),
    max_size=12,
)
serious_steps = st.lists(
    st.tuples(
        st.sampled_from(_SERIOUS_EVENTS), st.integers(-3, 400), st.booleans(), st.integers(0, 3)
    ),
    max_size=12,
)
start_days = st.dates(date(2021, 1, 1), date(2024, 12, 31))


def abnormal_event(name: str, d: date, flag: bool, n: int) -> Any:
    match name:
        case "decide":
            return DecideListing("D" if flag or n > 1 else "", "AMR", d)
        case "dismiss":
            return DismissProposal(d, "dismissed")
        case "request":
            return RequestRemoval(d)
        case "refuse":
            return RefuseRemoval(d, "refused")
        case "remove":
            return DecideRemoval(RemovalReason(n), "R", d)
        case "object":
            return FileObjection(d)
        case "accept":
            return DecideObjection(flag, d)
        case "verify":
            return VerifyObjection(flag, d)
        case _:
            return DeregisteredOrRevoked(d)


def serious_event(name: str, d: date, flag: bool, n: int) -> Any:
    match name:
        case "statement":
            return FileStatement(d, hearing_requested=flag)
        case "hearing":
            return HoldHearing(d)
        case "decide":
            return DecideSerious("L", d)
        case "approve":
            return Approve(d)
        case "refuse":
            return RefuseApproval(d, "refused")
        case "drop":
            return DropListing(d, "dropped")
        case "publish":
            return Publish(d)
        case "remove":
            return RemoveSerious(d, "X")
        case _:
            return RemoveEarly(d, "E", RepairFacts(flag, n > 0, n == 3, None))


def check(entry: Entry) -> None:
    assert invariant_problems(entry, RULES, CAL) == [], entry
    if isinstance(entry, AbnormalEntry):
        if entry.state in (AbnormalState.REMOVED, AbnormalState.TRANSFERRED):
            assert entry.removal_reason is not None and entry.ended_on is not None
        if entry.ended_on is not None and entry.listed_on is not None:
            assert entry.ended_on >= entry.listed_on
        if entry.kind is EntityKind.INDIVIDUAL:
            assert entry.state is not AbnormalState.TRANSFERRED
        open_ = entry.state not in (
            AbnormalState.REMOVED,
            AbnormalState.TRANSFERRED,
            AbnormalState.WITHDRAWN,
        )
        marked = entry.kind is EntityKind.INDIVIDUAL and entry.state is AbnormalState.LISTED
        assert (next_deadline(entry, RULES, CAL) is not None) == (open_ and not marked)
    else:
        if entry.state is SeriousState.REMOVED:
            assert entry.removed_on is not None and entry.removal_kind is not None
            assert entry.listed_on is not None and entry.removed_on >= entry.listed_on
        open_ = entry.state not in (SeriousState.REMOVED, SeriousState.DROPPED)
        assert (next_deadline(entry, RULES, CAL) is not None) == open_


def build_abnormal(
    i: int, kind: EntityKind, reason: int, start: date, script: list[tuple[str, int, bool, int]]
) -> AbnormalEntry | None:
    try:
        entry, _ = propose(
            f"a{i}", Propose(f"S{i}", kind, ListingReason(reason), start, "basis"), RULES, CAL
        )
    except TransitionError:
        assert kind is EntityKind.INDIVIDUAL and reason in (2, 3)
        return None
    check(entry)
    d = start
    for name, gap, flag, n in script:
        d = min(d + timedelta(days=gap), date(2026, 12, 31))
        try:
            entry, _ = apply_abnormal(entry, abnormal_event(name, d, flag, n), RULES, CAL)
        except TransitionError as exc:
            refused: TransitionError | None = exc
        else:
            refused = None
        if refused is not None:
            assert refused.state and refused.event and refused.why  # a clear, complete reason
            continue
        check(entry)
    return entry


def build_serious(
    i: int, level: str, start: date, script: list[tuple[str, int, bool, int]]
) -> SeriousEntry:
    penalty = PenaltyFacts(
        f"P{i}", start, frozenset({"close"}), article="9", egregious=True,
        ban_until=start + timedelta(days=1500) if i % 3 == 0 else None,
    )  # fmt: skip
    entry, _ = start_serious_listing(
        f"s{i}", f"S{i}", penalty, authority="AMR", authority_level=level, notice_on=start,
        rules=RULES, calendar=CAL,
    )  # fmt: skip
    check(entry)
    d = start
    for name, gap, flag, n in script:
        d = min(d + timedelta(days=gap), date(2026, 12, 31))
        try:
            entry, _ = apply_serious(entry, serious_event(name, d, flag, n), RULES, CAL)
        except TransitionError:
            continue
        check(entry)
    return entry


abnormal_specs = st.tuples(st.sampled_from(list(EntityKind)), st.integers(1, 4), start_days, steps)
serious_specs = st.tuples(
    st.sampled_from(["province", "city", "county"]), start_days, serious_steps
)


@FAST
@given(abnormal_specs)
def test_abnormal_event_sequences_never_reach_an_invalid_state(spec: Any) -> None:
    kind, reason, start, script = spec
    entry = build_abnormal(0, kind, reason, start, script)
    if entry is not None:  # and whatever falls due up to the end of the covered years
        (*entries,), _ = apply_due([entry], date(2026, 12, 31), RULES, CAL)
        for e in entries:
            check(e)


@FAST
@given(serious_specs)
def test_serious_event_sequences_never_reach_an_invalid_state(spec: Any) -> None:
    level, start, script = spec
    entry = build_serious(0, level, start, script)
    (after,), _ = apply_due([entry], date(2026, 12, 31), RULES, CAL)
    check(after)


def population(a_specs: list[Any], s_specs: list[Any]) -> list[Entry]:
    entries: list[Entry] = []
    for i, (kind, reason, start, script) in enumerate(a_specs):
        entry = build_abnormal(i, kind, reason, start, script)
        if entry is not None:
            entries.append(entry)
    for i, (level, start, script) in enumerate(s_specs):
        entries.append(build_serious(i, level, start, script))
    return entries


def run_days(entries: list[Entry], days: list[date]) -> tuple[tuple[Entry, ...], list[Effect]]:
    state: tuple[Entry, ...] = tuple(entries)
    effects: list[Effect] = []
    for d in days:
        state, done = apply_due(state, d, RULES, CAL)
        effects.extend(done)
    return state, effects


job_days = st.lists(st.dates(date(2024, 1, 1), date(2026, 12, 31)), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(abnormal_specs, max_size=6),
    st.lists(serious_specs, max_size=4),
    job_days,
)
def test_apply_due_is_idempotent_and_path_independent(
    a_specs: list[Any], s_specs: list[Any], days: list[date]
) -> None:
    # Only dates after every event: the job never runs "in the past" of an entry.
    entries = population(a_specs, s_specs)
    last_event = max((e.state_since for e in entries), default=date(2024, 1, 1))
    days = sorted({max(d, last_event) for d in days})
    end = days[-1]
    stepwise, step_effects = run_days(entries, days)
    once, once_effects = apply_due(entries, end, RULES, CAL)
    assert stepwise == once
    assert Counter(step_effects) == Counter(once_effects)
    again, more = apply_due(once, end, RULES, CAL)
    assert again == once and more == ()
    for entry in once:
        check(entry)
    # 2021-2026 are covered: only a deadline running into 2027 may be provisional
    for _, nxt in provisional_deadlines(once, RULES, CAL):
        assert nxt.due.year > max(CAL.covered_years)


def test_daily_over_a_year_equals_one_run_at_the_end() -> None:
    # A fixed synthetic history: proposals, listings 2021-2025, serious listings; every day of
    # 2024-06-01 .. 2025-06-01 against one run on the last day.
    a_specs: list[Any] = []
    for i in range(24):
        kind = list(EntityKind)[i % 3]
        reason = (1, 4)[i % 2]
        start = date(2021, 1, 5) + timedelta(days=53 * i)
        script = [("decide", 3, True, 2)] if i % 4 else []
        if i % 5 == 0:
            script.append(("request", 30, True, 1))
        a_specs.append((kind, reason, start, script))
    s_specs: list[Any] = [
        ("county", date(2021, 3, 1) + timedelta(days=40 * i), [("decide", 20, True, 0),
         ("approve", 3, True, 0), ("publish", 5, True, 0)][: i % 4])
        for i in range(12)
    ]  # fmt: skip
    entries = population(a_specs, s_specs)
    days = [date(2024, 6, 1) + timedelta(days=k) for k in range(366)]
    stepwise, step_effects = run_days(entries, days)
    once, once_effects = apply_due(entries, days[-1], RULES, CAL)
    assert stepwise == once and Counter(step_effects) == Counter(once_effects)
    kinds = Counter(e.kind.value for e in once_effects)
    assert kinds["transferred"] > 0 and kinds["reminder"] > 0 and kinds["overdue"] > 0
    assert kinds["expired"] > 0
    # the transfers' serious entries sit right after their source entries
    ids = [e.entry_id for e in once]
    for e in once:
        if isinstance(e, SeriousEntry) and e.source_entry_id is not None:
            assert ids.index(e.entry_id) == ids.index(e.source_entry_id) + 1
            assert all(
                not (isinstance(a, AbnormalEntry) and a.entry_id == e.source_entry_id)
                or a.kind is not EntityKind.INDIVIDUAL
                for a in once
            )
