"""The pure core of both lists (rules.md §§3-4) and the daily job that applies what is due.

The machines live in ``abnormal`` and ``serious``; this module re-exports them and adds what
works on both: ``next_deadline``, ``invariant_problems``, ``provisional_deadlines`` and
``apply_due``. No database, clock or network: every function takes ``as_of``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from entcredit.core.calendar import WorkCalendar
from entcredit.lists.abnormal import (
    AbnormalEntry,
    AbnormalEvent,
    AbnormalState,
    DecideListing,
    DecideObjection,
    DecideRemoval,
    DeregisteredOrRevoked,
    DismissProposal,
    EntityKind,
    EntitySnapshot,
    FileObjection,
    ListingReason,
    Propose,
    RefuseRemoval,
    RemovalReason,
    RequestRemoval,
    VerifyObjection,
    abnormal_invariant_problems,
    abnormal_next_deadline,
    advance_abnormal,
    anniversary,
    annual_report_proposals,
    apply_abnormal,
    apply_repair,
    proposal_from_address_verification,
    proposal_from_inspection,
    propose,
    serious_entry_for_transfer,
)
from entcredit.lists.config import (
    Effect,
    EffectKind,
    ListRules,
    NextDeadline,
    TransitionError,
    add_years,
)
from entcredit.lists.serious import (
    ARTICLES,
    HEAVIER_KINDS,
    LEGACY_ARTICLE,
    Approve,
    DecideSerious,
    DropListing,
    Eligibility,
    FileStatement,
    Grounds,
    HoldHearing,
    PenaltyFacts,
    Publish,
    RefuseApproval,
    RemovalKind,
    RemoveEarly,
    RemoveSerious,
    RepairFacts,
    SeriousEntry,
    SeriousEvent,
    SeriousState,
    advance_serious,
    apply_serious,
    early_removal_eligibility,
    expires_on,
    legacy_serious_entry,
    listing_grounds,
    serious_from_decision,
    serious_invariant_problems,
    serious_next_deadline,
    start_serious_listing,
)

__all__ = [
    "ARTICLES",
    "HEAVIER_KINDS",
    "LEGACY_ARTICLE",
    "AbnormalEntry",
    "AbnormalEvent",
    "AbnormalState",
    "Approve",
    "DecideListing",
    "DecideObjection",
    "DecideRemoval",
    "DecideSerious",
    "DeregisteredOrRevoked",
    "DismissProposal",
    "DropListing",
    "Effect",
    "EffectKind",
    "Eligibility",
    "EntityKind",
    "EntitySnapshot",
    "Entry",
    "FileObjection",
    "FileStatement",
    "Grounds",
    "HoldHearing",
    "ListRules",
    "ListingReason",
    "NextDeadline",
    "PenaltyFacts",
    "Propose",
    "Publish",
    "RefuseApproval",
    "RefuseRemoval",
    "RemovalKind",
    "RemovalReason",
    "RemoveEarly",
    "RemoveSerious",
    "RepairFacts",
    "RequestRemoval",
    "SeriousEntry",
    "SeriousEvent",
    "SeriousState",
    "TransitionError",
    "VerifyObjection",
    "add_years",
    "advance_abnormal",
    "advance_serious",
    "anniversary",
    "annual_report_proposals",
    "apply_abnormal",
    "apply_due",
    "apply_repair",
    "apply_serious",
    "early_removal_eligibility",
    "expires_on",
    "invariant_problems",
    "legacy_serious_entry",
    "listing_grounds",
    "next_deadline",
    "proposal_from_address_verification",
    "proposal_from_inspection",
    "propose",
    "provisional_deadlines",
    "serious_entry_for_transfer",
    "serious_from_decision",
    "start_serious_listing",
]

Entry = AbnormalEntry | SeriousEntry


def next_deadline(entry: Entry, rules: ListRules, calendar: WorkCalendar) -> NextDeadline | None:
    """What the entry waits for next; None when it has ended (and for an individual
    business's mark, which has no time limit)."""
    if isinstance(entry, AbnormalEntry):
        return abnormal_next_deadline(entry, rules, calendar)
    return serious_next_deadline(entry, rules, calendar)


def invariant_problems(entry: Entry, rules: ListRules, calendar: WorkCalendar) -> list[str]:
    if isinstance(entry, AbnormalEntry):
        return abnormal_invariant_problems(entry, rules, calendar)
    return serious_invariant_problems(entry, rules, calendar)


def provisional_deadlines(
    entries: Iterable[Entry], rules: ListRules, calendar: WorkCalendar
) -> list[tuple[str, NextDeadline]]:
    """Entries whose next deadline ran through a year the calendar lacks: to show the
    operator, and to recompute (by calling again) once the year is added."""
    found: list[tuple[str, NextDeadline]] = []
    for entry in entries:
        nxt = next_deadline(entry, rules, calendar)
        if nxt is not None and nxt.provisional:
            found.append((entry.entry_id, nxt))
    return found


def apply_due(
    entries: Iterable[Entry], as_of: date, rules: ListRules, calendar: WorkCalendar
) -> tuple[tuple[Entry, ...], tuple[Effect, ...]]:
    """The daily job's core: every time-driven change due on or before ``as_of``.

    Idempotent (a second run for the same date changes nothing and emits nothing) and
    path-independent (daily runs give the same entries, and together the same effects, as one
    run at the end): each change is dated the day it fell due and recorded on the entry. A
    transfer's serious-list entry follows its source entry (unless already present) and is
    itself advanced, so the order of the result does not depend on the path either. Effects
    carry the next deadline with its ``provisional`` flag.
    """
    given = list(entries)
    present = {e.entry_id for e in given}
    out: list[Entry] = []
    effects: list[Effect] = []
    for entry in given:
        if isinstance(entry, AbnormalEntry):
            new, done = advance_abnormal(entry, as_of, rules, calendar)
            out.append(new)
            effects.extend(done)
            if new.state is AbnormalState.TRANSFERRED and entry.state is not new.state:
                created = serious_entry_for_transfer(new)
                if created.entry_id not in present:
                    created, more = advance_serious(created, as_of, rules, calendar)
                    out.append(created)
                    effects.extend(more)
        else:
            new_s, done = advance_serious(entry, as_of, rules, calendar)
            out.append(new_s)
            effects.extend(done)
    return tuple(out), tuple(effects)
