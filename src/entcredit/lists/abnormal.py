"""Abnormal operations list (经营异常名录) and abnormal marks of individual businesses,
rules.md §3 (SAIC Order 68, 2014). Pure.

State machine (one entry per listing; individual businesses are "marked", same states)::

    proposed ──decide_listing──► listed
    proposed ──dismiss / deregistered──► withdrawn                (never listed)
    listed ──request_removal──► removal_pending ──decide_removal──► removed (reason 1-5)
                                removal_pending ──refuse_removal──► listed
    listed ──decide_removal (verified directly, or a loaded decision)──► removed
    listed ──file_objection──► objection_filed ──accept──► objection_verifying
           objection_filed ──reject──► listed
           objection_verifying ──upheld──► withdrawn  (the listing was wrong)
           objection_verifying ──dismissed──► listed
    any open state ──deregistered_or_revoked──► removed (reason 7)
    listed, 3 years on (enterprises, cooperatives; daily job) ──► transferred (reason 6)
           + a serious-list entry, article ``legacy_abnormal_3y``

The daily job (``advance_abnormal``) also sends the reminder in the 60 days before the
anniversary and reports a staff deadline once it is overdue. An event first applies what was
due up to its own date, so it meets the entry as of that date.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum, StrEnum

from entcredit.core.calendar import WorkCalendar
from entcredit.lists.config import (
    Effect,
    EffectKind,
    ListRules,
    NextDeadline,
    TransitionError,
    add_years,
)
from entcredit.lists.serious import SeriousEntry, legacy_serious_entry

__all__ = [
    "AbnormalEntry",
    "AbnormalEvent",
    "AbnormalState",
    "DecideListing",
    "DecideObjection",
    "DecideRemoval",
    "DeregisteredOrRevoked",
    "DismissProposal",
    "EntityKind",
    "EntitySnapshot",
    "FileObjection",
    "ListingReason",
    "Propose",
    "RefuseRemoval",
    "RemovalReason",
    "RequestRemoval",
    "VerifyObjection",
    "abnormal_invariant_problems",
    "abnormal_next_deadline",
    "advance_abnormal",
    "anniversary",
    "annual_report_proposals",
    "apply_abnormal",
    "apply_repair",
    "proposal_from_address_verification",
    "proposal_from_inspection",
    "propose",
    "serious_entry_for_transfer",
]


class EntityKind(StrEnum):
    ENTERPRISE = "enterprise"
    COOPERATIVE = "cooperative"
    INDIVIDUAL = "individual"  # marked, not listed; no 3-year escalation


class ListingReason(IntEnum):
    ANNUAL_REPORT = 1
    INSTANT_INFO = 2
    FALSE_INFO = 3
    UNREACHABLE = 4


class RemovalReason(IntEnum):
    ANNUAL_REPORT_FILED = 1
    INFO_PUBLISHED = 2
    INFO_CORRECTED = 3
    ADDRESS_CHANGED = 4
    RECONTACTED = 5
    TRANSFERRED = 6
    DEREGISTERED_OR_REVOKED = 7


class AbnormalState(StrEnum):
    PROPOSED = "proposed"
    LISTED = "listed"  # "marked" for individual businesses
    OBJECTION_FILED = "objection_filed"  # to be accepted or rejected
    OBJECTION_VERIFYING = "objection_verifying"
    REMOVAL_PENDING = "removal_pending"  # repair applied for
    REMOVED = "removed"
    TRANSFERRED = "transferred"
    WITHDRAWN = "withdrawn"  # proposal not pursued, or the listing annulled on objection


_INDIVIDUAL_REASONS = frozenset({ListingReason.ANNUAL_REPORT, ListingReason.UNREACHABLE})
# Removal reasons 1-4 mirror the listing reasons; 5 (reachable again) also ends reason 4.
_REPAIRS: Mapping[ListingReason, frozenset[RemovalReason]] = {
    ListingReason.ANNUAL_REPORT: frozenset({RemovalReason.ANNUAL_REPORT_FILED}),
    ListingReason.INSTANT_INFO: frozenset({RemovalReason.INFO_PUBLISHED}),
    ListingReason.FALSE_INFO: frozenset({RemovalReason.INFO_CORRECTED}),
    ListingReason.UNREACHABLE: frozenset(
        {RemovalReason.ADDRESS_CHANGED, RemovalReason.RECONTACTED}
    ),
}
_ENDED = frozenset({AbnormalState.REMOVED, AbnormalState.TRANSFERRED, AbnormalState.WITHDRAWN})
_ON_LIST = frozenset(
    {
        AbnormalState.LISTED,
        AbnormalState.OBJECTION_FILED,
        AbnormalState.OBJECTION_VERIFYING,
        AbnormalState.REMOVAL_PENDING,
    }
)


@dataclass(frozen=True, slots=True)
class AbnormalEntry:
    entry_id: str
    subject: str  # USCC
    kind: EntityKind
    reason: ListingReason
    basis: str
    state: AbnormalState
    state_since: date  # date of the last change; no event may be dated before it
    proposed_on: date
    ground_on: date  # the listing decision's deadline runs from here (30 June, confirmation)
    decision_no: str | None = None
    authority: str | None = None
    listed_on: date | None = None
    objection_filed_on: date | None = None
    objection_accepted_on: date | None = None
    removal_requested_on: date | None = None
    removal_reason: RemovalReason | None = None
    removal_decision_no: str | None = None
    ended_on: date | None = None
    end_note: str | None = None
    reminder_on: date | None = None  # the day the reminder fell due, once sent
    overdue_reported: date | None = None  # due date of the last deadline reported overdue

    @property
    def escalates(self) -> bool:
        """Whether the 3-year transfer applies (not to individual businesses)."""
        return self.kind is not EntityKind.INDIVIDUAL

    @property
    def action(self) -> str:
        """The exchange-format ``abnormal_list`` action of the listing."""
        return "mark" if self.kind is EntityKind.INDIVIDUAL else "list"


# -- events ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Propose:
    subject: str
    kind: EntityKind
    reason: ListingReason
    as_of: date  # when the proposal is raised
    basis: str  # the facts: missing report, inspection task, verification record
    # when the ground was established (30 June, the set deadline, the confirmation);
    # None: as_of
    ground_on: date | None = None


@dataclass(frozen=True, slots=True)
class DecideListing:
    decision_no: str
    authority: str
    as_of: date


@dataclass(frozen=True, slots=True)
class DismissProposal:
    as_of: date
    note: str


@dataclass(frozen=True, slots=True)
class RequestRemoval:
    """The enterprise repaired (filed, published, corrected, re-registered) and applies."""

    as_of: date


apply_repair = RequestRemoval


@dataclass(frozen=True, slots=True)
class DecideRemoval:
    reason: RemovalReason
    decision_no: str
    as_of: date


@dataclass(frozen=True, slots=True)
class RefuseRemoval:
    as_of: date
    note: str


@dataclass(frozen=True, slots=True)
class FileObjection:
    as_of: date


@dataclass(frozen=True, slots=True)
class DecideObjection:
    """Admissibility within 5 working days: accepted goes to verification, rejected stands."""

    accepted: bool
    as_of: date


@dataclass(frozen=True, slots=True)
class VerifyObjection:
    """Outcome of the verification within 20 working days."""

    upheld: bool
    as_of: date


@dataclass(frozen=True, slots=True)
class DeregisteredOrRevoked:
    as_of: date
    decision_no: str | None = None


AbnormalEvent = (
    DecideListing
    | DismissProposal
    | RequestRemoval
    | DecideRemoval
    | RefuseRemoval
    | FileObjection
    | DecideObjection
    | VerifyObjection
    | DeregisteredOrRevoked
)

_EVENT_NAMES: dict[type, str] = {
    DecideListing: "decide_listing",
    DismissProposal: "dismiss_proposal",
    RequestRemoval: "request_removal",
    DecideRemoval: "decide_removal",
    RefuseRemoval: "refuse_removal",
    FileObjection: "file_objection",
    DecideObjection: "decide_objection",
    VerifyObjection: "verify_objection",
    DeregisteredOrRevoked: "deregistered_or_revoked",
}


# -- deadlines ------------------------------------------------------------------------------


def anniversary(entry: AbnormalEntry, rules: ListRules) -> date | None:
    """The day the entry has been listed for ``abnormal_years_to_transfer`` years."""
    if entry.listed_on is None:
        return None
    return add_years(entry.listed_on, rules.abnormal_years_to_transfer)


def _reminder_day(entry: AbnormalEntry, rules: ListRules) -> date | None:
    ann = anniversary(entry, rules)
    if ann is None or not entry.escalates:
        return None
    return ann - timedelta(days=rules.reminder_window_days)


def _decision_wd(reason: ListingReason, rules: ListRules) -> int:
    if reason is ListingReason.ANNUAL_REPORT:
        return rules.reason1_decision_wd
    return rules.listing_decision_wd


def abnormal_next_deadline(
    entry: AbnormalEntry, rules: ListRules, calendar: WorkCalendar
) -> NextDeadline | None:
    """None for ended entries, and for an individual business's mark, which has no time
    limit: it stays until repaired or deregistered (rules.md §3, no 3-year escalation)."""
    s = entry.state

    def wd(what: str, start: date | None, n: int) -> NextDeadline:
        assert start is not None
        d = calendar.add_working_days(start, n)
        return NextDeadline(what, d.due, d.provisional, False)

    if s is AbnormalState.PROPOSED:
        return wd("listing_decision", entry.ground_on, _decision_wd(entry.reason, rules))
    if s is AbnormalState.OBJECTION_FILED:
        return wd("objection_acceptance", entry.objection_filed_on, rules.objection_accept_wd)
    if s is AbnormalState.OBJECTION_VERIFYING:
        return wd("objection_verification", entry.objection_accepted_on, rules.objection_verify_wd)
    if s is AbnormalState.REMOVAL_PENDING:
        return wd("removal_decision", entry.removal_requested_on, rules.removal_decision_wd)
    if s is AbnormalState.LISTED and entry.escalates:
        reminder = _reminder_day(entry, rules)
        ann = anniversary(entry, rules)
        assert reminder is not None and ann is not None
        if entry.reminder_on is None:
            return NextDeadline("reminder", reminder, False, True)
        return NextDeadline("transfer", max(ann, entry.state_since), False, True)
    return None


# -- construction ---------------------------------------------------------------------------


def propose(
    entry_id: str, event: Propose, rules: ListRules, calendar: WorkCalendar
) -> tuple[AbnormalEntry, tuple[Effect, ...]]:
    reason = ListingReason(event.reason)
    if event.kind is EntityKind.INDIVIDUAL and reason not in _INDIVIDUAL_REASONS:
        raise TransitionError(
            "(new)",
            "propose",
            f"individual businesses are marked for reasons 1 and 4 only, not {int(reason)}",
        )
    ground = event.ground_on or event.as_of
    if ground > event.as_of:
        raise TransitionError("(new)", "propose", f"ground date {ground} is after {event.as_of}")
    entry = AbnormalEntry(
        entry_id=entry_id,
        subject=event.subject,
        kind=event.kind,
        reason=reason,
        basis=event.basis,
        state=AbnormalState.PROPOSED,
        state_since=event.as_of,
        proposed_on=event.as_of,
        ground_on=ground,
    )
    effect = Effect(
        EffectKind.PROPOSED,
        entry_id,
        entry.subject,
        event.as_of,
        event.basis,
        abnormal_next_deadline(entry, rules, calendar),
    )
    return entry, (effect,)


@dataclass(frozen=True, slots=True)
class EntitySnapshot:
    subject: str
    kind: EntityKind
    status: str  # exchange-format status: active / suspended / revoked / deregistered
    established_on: date


def annual_report_proposals(
    entities: Iterable[EntitySnapshot],
    reports_by_year: Mapping[int, Collection[str]],
    year: int,
    as_of: date,
    rules: ListRules,
    *,
    already_open: Collection[str] = (),
) -> list[Propose]:
    """Reason 1 for every active entity established by the end of ``year`` that has not filed
    ``year``'s report once its deadline (30 June of ``year`` + 1) has passed. Nothing before
    then. ``already_open`` holds subjects with a reason-1 entry for that year already."""
    deadline = rules.annual_report_deadline(year)
    if as_of <= deadline:
        return []
    filed = reports_by_year.get(year, ())
    year_end = date(year, 12, 31)
    return [
        Propose(
            subject=e.subject,
            kind=e.kind,
            reason=ListingReason.ANNUAL_REPORT,
            as_of=as_of,
            basis=f"no annual report for {year} by {deadline}",
            ground_on=deadline,
        )
        for e in entities
        if e.status == "active"
        and e.established_on <= year_end
        and e.subject not in filed
        and e.subject not in already_open
    ]


def proposal_from_inspection(
    result_code: str, subject: str, kind: EntityKind, inspected_on: date, task: str
) -> Propose | None:
    """Inspection result 6 (cannot be reached at the registered address) -> reason 4."""
    if str(result_code).strip() != "6":
        return None
    return Propose(
        subject,
        kind,
        ListingReason.UNREACHABLE,
        inspected_on,
        f"inspection {task}: result 6, cannot be reached at the registered address",
    )


def proposal_from_address_verification(
    confirmed: bool, subject: str, kind: EntityKind, verified_on: date, record: str
) -> Propose | None:
    """A confirmed address verification (unreachable) -> reason 4; unconfirmed -> nothing."""
    if not confirmed:
        return None
    return Propose(
        subject,
        kind,
        ListingReason.UNREACHABLE,
        verified_on,
        f"address verification {record}: confirmed unreachable",
    )


def serious_entry_for_transfer(entry: AbnormalEntry) -> SeriousEntry:
    """The serious-list entry a 3-year transfer creates; a function of the transferred entry
    alone, so the daily job and an adapter build the same one."""
    if entry.state is not AbnormalState.TRANSFERRED or entry.ended_on is None:
        raise ValueError(f"entry {entry.entry_id} is {entry.state.value}, not transferred")
    return legacy_serious_entry(
        f"{entry.entry_id}/serious",
        entry.subject,
        authority=entry.authority or "",
        on=entry.ended_on,
        source_entry_id=entry.entry_id,
    )


# -- transitions ----------------------------------------------------------------------------


def _effect(
    kind: EffectKind,
    entry: AbnormalEntry,
    on: date,
    rules: ListRules,
    calendar: WorkCalendar,
    detail: str = "",
    related_id: str | None = None,
) -> Effect:
    return Effect(
        kind,
        entry.entry_id,
        entry.subject,
        on,
        detail,
        abnormal_next_deadline(entry, rules, calendar),
        related_id,
    )


def advance_abnormal(
    entry: AbnormalEntry, as_of: date, rules: ListRules, calendar: WorkCalendar
) -> tuple[AbnormalEntry, tuple[Effect, ...]]:
    """Time-driven changes due on or before ``as_of``: reminder, transfer, overdue staff
    deadlines. Each is recorded with the day it fell due, never the day the job ran, so
    running daily or once gives the same entry and the same effects."""
    effects: list[Effect] = []
    reminder = _reminder_day(entry, rules)
    if (
        entry.state in _ON_LIST
        and reminder is not None
        and entry.reminder_on is None
        and as_of >= reminder
    ):
        # An event applies what was due first, so no change can postdate an unsent reminder.
        on = reminder
        entry = dataclasses.replace(entry, reminder_on=on)
        ann = anniversary(entry, rules)
        effects.append(
            _effect(EffectKind.REMINDER, entry, on, rules, calendar, f"3 years listed on {ann}")
        )
    ann = anniversary(entry, rules)
    if (
        entry.state is AbnormalState.LISTED
        and entry.escalates
        and ann is not None
        and as_of >= max(ann, entry.state_since)
    ):
        on = max(ann, entry.state_since)
        entry = dataclasses.replace(
            entry,
            state=AbnormalState.TRANSFERRED,
            state_since=on,
            removal_reason=RemovalReason.TRANSFERRED,
            ended_on=on,
        )
        due = calendar.add_working_days(ann, rules.transfer_decision_wd)
        effects.append(
            Effect(
                EffectKind.TRANSFERRED,
                entry.entry_id,
                entry.subject,
                on,
                "removal reason 6: 3 years listed; transfer decision due",
                NextDeadline("transfer_decision", due.due, due.provisional, False),
                f"{entry.entry_id}/serious",
            )
        )
        return entry, tuple(effects)
    nxt = abnormal_next_deadline(entry, rules, calendar)
    if (
        nxt is not None
        and not nxt.automatic
        and nxt.due < as_of
        and entry.overdue_reported != nxt.due
    ):
        entry = dataclasses.replace(entry, overdue_reported=nxt.due)
        effects.append(
            Effect(EffectKind.OVERDUE, entry.entry_id, entry.subject, nxt.due, nxt.what, nxt)
        )
    return entry, tuple(effects)


def apply_abnormal(
    entry: AbnormalEntry, event: AbnormalEvent, rules: ListRules, calendar: WorkCalendar
) -> tuple[AbnormalEntry, tuple[Effect, ...]]:
    """One event; raises TransitionError naming the state, the event and why it cannot be.
    Time-driven changes due up to the event's date apply first."""
    name = _EVENT_NAMES[type(event)]
    if event.as_of < entry.state_since:
        raise TransitionError(
            entry.state.value,
            name,
            f"dated {event.as_of}, before the last change on {entry.state_since}",
        )
    entry, before = advance_abnormal(entry, event.as_of, rules, calendar)
    s = entry.state
    if (
        isinstance(event, DecideRemoval)
        and s is AbnormalState.TRANSFERRED
        and event.reason == RemovalReason.TRANSFERRED
        and event.decision_no
        and entry.removal_decision_no in (None, event.decision_no)
    ):
        # The transfer decision for a move the daily job made: it only adds the number.
        return dataclasses.replace(entry, removal_decision_no=event.decision_no), before

    def fail(why: str) -> TransitionError:
        return TransitionError(s.value, name, why)

    if s in _ENDED:
        why = entry.end_note or f"removal reason {entry.removal_reason}"
        raise fail(f"the entry ended on {entry.ended_on} ({why})")
    d = event.as_of
    kind: EffectKind
    detail = ""
    match event:
        case DecideListing(decision_no=decision_no, authority=authority):
            if s is not AbnormalState.PROPOSED:
                raise fail("only a proposal can be decided")
            if not decision_no or not authority:
                raise fail("a listing needs its decision number and deciding authority")
            entry = dataclasses.replace(
                entry,
                state=AbnormalState.LISTED,
                decision_no=decision_no,
                authority=authority,
                listed_on=d,
            )
            kind = EffectKind.LISTED
            detail = entry.action
        case DismissProposal(note=note):
            if s is not AbnormalState.PROPOSED:
                raise fail("only a proposal can be dismissed; a listing is removed")
            entry = _end(entry, AbnormalState.WITHDRAWN, d, note=note or "proposal dismissed")
            kind, detail = EffectKind.WITHDRAWN, note
        case RequestRemoval():
            if s is not AbnormalState.LISTED:
                raise fail("removal is applied for while listed, with no other matter pending")
            entry = dataclasses.replace(
                entry, state=AbnormalState.REMOVAL_PENDING, removal_requested_on=d
            )
            kind = EffectKind.REMOVAL_REQUESTED
        case RefuseRemoval(note=note):
            if s is not AbnormalState.REMOVAL_PENDING:
                raise fail("no removal application is pending")
            entry = dataclasses.replace(entry, state=AbnormalState.LISTED)
            kind, detail = EffectKind.REMOVAL_REFUSED, note
        case DecideRemoval(reason=reason, decision_no=decision_no):
            reason = RemovalReason(reason)
            if s not in (AbnormalState.LISTED, AbnormalState.REMOVAL_PENDING):
                raise fail("decide the pending objection first")
            if reason is RemovalReason.TRANSFERRED:
                raise fail(f"reason 6 is the transfer at 3 years, due {anniversary(entry, rules)}")
            if reason is not RemovalReason.DEREGISTERED_OR_REVOKED and (
                reason not in _REPAIRS[entry.reason]
            ):
                allowed = ", ".join(str(int(r)) for r in sorted(_REPAIRS[entry.reason]))
                raise fail(
                    f"removal reason {int(reason)} does not repair listing reason "
                    f"{int(entry.reason)} (allowed: {allowed}, or 7)"
                )
            if not decision_no:
                raise fail("a removal needs its decision number")
            entry = _end(entry, AbnormalState.REMOVED, d, reason=reason, decision_no=decision_no)
            kind, detail = EffectKind.REMOVED, f"removal reason {int(reason)}"
        case FileObjection():
            if s is not AbnormalState.LISTED:
                raise fail("an objection is filed against a listing with no other matter pending")
            assert entry.listed_on is not None
            limit = (
                rules.individual_objection_days
                if entry.kind is EntityKind.INDIVIDUAL
                else rules.enterprise_objection_days
            )
            if limit is not None and d > entry.listed_on + timedelta(days=limit):
                raise fail(
                    f"objections are filed within {limit} days of publicity on {entry.listed_on}"
                )
            entry = dataclasses.replace(
                entry,
                state=AbnormalState.OBJECTION_FILED,
                objection_filed_on=d,
                objection_accepted_on=None,
            )
            kind = EffectKind.OBJECTION_FILED
        case DecideObjection(accepted=accepted):
            if s is not AbnormalState.OBJECTION_FILED:
                raise fail("no objection awaits acceptance")
            if accepted:
                entry = dataclasses.replace(
                    entry, state=AbnormalState.OBJECTION_VERIFYING, objection_accepted_on=d
                )
                kind = EffectKind.OBJECTION_ACCEPTED
            else:
                entry = dataclasses.replace(entry, state=AbnormalState.LISTED)
                kind = EffectKind.OBJECTION_REJECTED
        case VerifyObjection(upheld=upheld):
            if s is not AbnormalState.OBJECTION_VERIFYING:
                raise fail("no accepted objection is being verified")
            if upheld:
                entry = _end(entry, AbnormalState.WITHDRAWN, d, note="objection upheld")
                kind = EffectKind.OBJECTION_UPHELD
            else:
                entry = dataclasses.replace(entry, state=AbnormalState.LISTED)
                kind = EffectKind.OBJECTION_DISMISSED
        case DeregisteredOrRevoked(decision_no=decision_no):
            if s is AbnormalState.PROPOSED:
                entry = _end(
                    entry, AbnormalState.WITHDRAWN, d, note="deregistered or revoked before listing"
                )
                kind = EffectKind.WITHDRAWN
            else:
                entry = _end(
                    entry,
                    AbnormalState.REMOVED,
                    d,
                    reason=RemovalReason.DEREGISTERED_OR_REVOKED,
                    decision_no=decision_no,
                )
                kind, detail = EffectKind.REMOVED, "removal reason 7"
    entry = dataclasses.replace(entry, state_since=d)
    return entry, (*before, _effect(kind, entry, d, rules, calendar, detail))


def _end(
    entry: AbnormalEntry,
    state: AbnormalState,
    on: date,
    *,
    reason: RemovalReason | None = None,
    decision_no: str | None = None,
    note: str | None = None,
) -> AbnormalEntry:
    return dataclasses.replace(
        entry,
        state=state,
        removal_reason=reason,
        removal_decision_no=decision_no,
        ended_on=on,
        end_note=note,
    )


def abnormal_invariant_problems(
    entry: AbnormalEntry, rules: ListRules, calendar: WorkCalendar
) -> list[str]:
    """What is wrong with an entry (empty when it is sound)."""
    p: list[str] = []
    if entry.state in _ENDED:
        if entry.ended_on is None:
            p.append("ended without a date")
        if entry.state is AbnormalState.WITHDRAWN and not entry.end_note:
            p.append("withdrawn without a note")
        if entry.state is not AbnormalState.WITHDRAWN and entry.removal_reason is None:
            p.append("removed without a reason")
        if (entry.state is AbnormalState.TRANSFERRED) != (
            entry.removal_reason is RemovalReason.TRANSFERRED
        ):
            p.append("reason 6 and the transferred state must go together")
        if entry.listed_on and entry.ended_on and entry.ended_on < entry.listed_on:
            p.append("removed before it was listed")
    elif abnormal_next_deadline(entry, rules, calendar) is None and not (
        entry.kind is EntityKind.INDIVIDUAL and entry.state is AbnormalState.LISTED
    ):
        p.append("open entry without a next deadline")
    if entry.state in _ON_LIST and (entry.listed_on is None or entry.decision_no is None):
        p.append("listed without a decision")
    if entry.state is AbnormalState.TRANSFERRED and not entry.escalates:
        p.append("an individual business was transferred to the serious list")
    if entry.kind is EntityKind.INDIVIDUAL and entry.reason not in _INDIVIDUAL_REASONS:
        p.append("individual business marked for a reason other than 1 or 4")
    return p
