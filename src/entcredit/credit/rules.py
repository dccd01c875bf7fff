"""The credit check's pure rule: a subject's facts + an intended action + ``as_of`` -> which
measures of the catalogue restrict it, each with its source, legal basis and end date.

No database or clock: ``credit.service`` gathers the facts in a few set-based queries.
Dates: ``ListFact.ends_on`` is the first day an entry no longer has effect (the serious
list's expiry, a removal); ``Hit.until`` is the last day a restriction runs (inclusive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from entcredit.credit.measures import Measure, MeasureCatalogue, TriggerKind
from entcredit.lists.config import add_years

__all__ = [
    "CheckResult",
    "EnterpriseFact",
    "Hit",
    "ListFact",
    "RestrictionFact",
    "RoleLink",
    "SubjectFacts",
    "UnknownActionError",
    "evaluate",
]

SubjectKind = Literal["enterprise", "person"]
HitSource = Literal["list_entry", "restriction", "revocation"]
_LIST_OF = {TriggerKind.SERIOUS_LIST: "serious", TriggerKind.ABNORMAL_LIST: "abnormal"}
REVOKED = "revoked"


class UnknownActionError(ValueError):
    def __init__(self, action: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown action {action!r} (known: {', '.join(known)})")
        self.action = action


@dataclass(frozen=True, slots=True)
class ListFact:
    """A list entry in force (or that was until ``ends_on``)."""

    entry_key: str
    list_kind: str  # abnormal | serious
    uscc: str
    reason_code: str | None
    decision_no: str | None
    authority: str | None
    listed_on: date | None
    ends_on: date | None  # first day without effect; None: open-ended (while listed)


@dataclass(frozen=True, slots=True)
class RestrictionFact:
    """A department's restriction record (category ``restriction``) naming a measure."""

    record_id: int
    measure_code: str
    decision_ref: str  # dept_code/source_id of the record
    authority: str
    basis: str
    start_on: date
    end_on: date | None  # last day in force (inclusive); None: open-ended


@dataclass(frozen=True, slots=True)
class EnterpriseFact:
    uscc: str
    status: str | None  # register status where a measure depends on it (revoked), else None
    status_on: date | None
    entries: tuple[ListFact, ...] = ()


@dataclass(frozen=True, slots=True)
class RoleLink:
    """A person's key-personnel role in an enterprise (``since``/``until`` when known)."""

    role: str
    since: date | None
    until: date | None
    enterprise: EnterpriseFact

    def held_during(self, start: date | None, end: date) -> bool:
        """Held at some time between ``start`` (None: any time) and ``end``."""
        return (self.since is None or self.since <= end) and (
            self.until is None or start is None or self.until >= start
        )


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    kind: SubjectKind
    key: str  # USCC, or the keyed hash of the ID number
    label: str  # what may be shown: the USCC, or the masked ID number
    entries: tuple[ListFact, ...] = ()
    restrictions: tuple[RestrictionFact, ...] = ()
    links: tuple[RoleLink, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    measure_code: str
    source: HitSource
    ref: str  # list entry key, restriction record id, or the revoked enterprise's USCC
    basis: str
    since: date | None
    until: date | None  # last day in force; None: as long as the list entry is in force
    list_kind: str | None = None
    via_uscc: str | None = None  # persons: the enterprise through which the measure reaches them
    via_role: str | None = None
    decision_no: str | None = None
    authority: str | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    subject_kind: SubjectKind | None  # None: the subject could not be read
    subject_key: str | None
    label: str
    restricted: bool
    hits: tuple[Hit, ...] = ()
    error: str | None = None  # error code of an invalid subject (no check was made)
    error_message: str | None = None


def _span(
    measure: Measure, start: date | None, stop: date | None, as_of: date
) -> tuple[date | None, date | None] | None:
    """(since, until) of the restriction if it runs on ``as_of``; ``stop`` is exclusive."""
    if start is not None and as_of < start:
        return None
    years = measure.duration.years
    if measure.duration.kind == "fixed_years" and years is not None and start is not None:
        fixed = add_years(start, years)
        stop = fixed if stop is None else min(stop, fixed)
    if stop is not None and as_of >= stop:
        return None
    return start, (stop - timedelta(days=1) if stop is not None else None)


def _entry_hit(
    m: Measure, e: ListFact, as_of: date, via: tuple[str, str] | None = None
) -> Hit | None:
    span = _span(m, e.listed_on, e.ends_on, as_of)
    if span is None:
        return None
    since, until = span
    return Hit(
        m.code,
        "list_entry",
        e.entry_key,
        m.basis,
        since,
        until,
        list_kind=e.list_kind,
        via_uscc=via[0] if via else None,
        via_role=via[1] if via else None,
        decision_no=e.decision_no,
        authority=e.authority,
    )


def _measure_hits(m: Measure, facts: SubjectFacts, as_of: date) -> list[Hit]:
    kind = m.trigger.kind
    hits: list[Hit | None] = []
    if kind in _LIST_OF and facts.kind == "enterprise":
        hits = [
            _entry_hit(m, e, as_of)
            for e in facts.entries
            if e.list_kind == _LIST_OF[kind] and m.trigger.matches_reason(e.reason_code)
        ]
    elif kind is TriggerKind.SERIOUS_OFFICER:
        hits = [
            _entry_hit(m, e, as_of, (link.enterprise.uscc, link.role))
            for link in facts.links
            if link.role in m.trigger.roles
            for e in link.enterprise.entries
            if e.list_kind == "serious"
            and m.trigger.matches_reason(e.reason_code)
            and link.held_during(e.listed_on, as_of)
        ]
    elif kind is TriggerKind.REVOKED_OFFICER:
        for link in facts.links:
            ent = link.enterprise
            revoked_on = ent.status_on
            if (
                link.role in m.trigger.roles
                and ent.status == REVOKED
                and revoked_on is not None
                and link.held_during(revoked_on, revoked_on)
                and (span := _span(m, revoked_on, None, as_of)) is not None
            ):
                hits.append(
                    Hit(
                        m.code,
                        "revocation",
                        ent.uscc,
                        m.basis,
                        *span,
                        via_uscc=ent.uscc,
                        via_role=link.role,
                    )
                )
    return [h for h in hits if h is not None]


def _restriction_hits(
    facts: SubjectFacts, action: str, catalogue: MeasureCatalogue, as_of: date
) -> list[Hit]:
    out: list[Hit] = []
    for r in facts.restrictions:
        m = catalogue.measure(r.measure_code)
        if m is None or action not in m.actions:
            continue
        stop = r.end_on + timedelta(days=1) if r.end_on is not None else None
        if (span := _span(m, r.start_on, stop, as_of)) is not None:
            out.append(
                Hit(
                    m.code,
                    "restriction",
                    str(r.record_id),
                    r.basis or m.basis,
                    *span,
                    decision_no=r.decision_ref,
                    authority=r.authority,
                )
            )
    return out


def evaluate(
    facts: SubjectFacts, action: str, catalogue: MeasureCatalogue, as_of: date
) -> CheckResult:
    """Every measure restricting ``action`` for this subject on ``as_of``."""
    if action not in catalogue.action_codes:
        raise UnknownActionError(action, catalogue.action_codes)
    if not (facts.entries or facts.restrictions or facts.links):
        return CheckResult(facts.kind, facts.key, facts.label, False)  # most subjects
    hits = [h for m in catalogue.for_action(action) for h in _measure_hits(m, facts, as_of)]
    hits += _restriction_hits(facts, action, catalogue, as_of)
    # One hit per (measure, source, enterprise): a person holding two roles in one listed
    # enterprise is restricted once through it.
    unique: dict[tuple[str, str, str | None], Hit] = {}
    for h in hits:
        unique.setdefault((h.measure_code, h.ref, h.via_uscc), h)
    ordered = tuple(sorted(unique.values(), key=lambda h: (h.measure_code, h.ref)))
    return CheckResult(facts.kind, facts.key, facts.label, bool(ordered), ordered)
