"""Serious illegal dishonest list (严重违法失信名单), rules.md §4 (SAMR Order 44, 2021). Pure.

State machine (one entry per listing)::

    notice ──statement──► notice          (statement recorded; the decision may follow)
    notice ──statement with hearing──► hearing ──hearing held──► notice
    notice ──decide (county/city, approval on)──► awaiting_approval ──approve──► decided
    notice ──decide (otherwise)──► decided ──publish──► published
    notice / hearing / awaiting_approval ──drop──► dropped      (not listed after all)
    published ──(daily job at expiry) or remove──► removed (kind "remove", public)
    published ──remove_early (eligible)──► removed (kind "remove_early", nothing public)

The legacy route (3 years on the abnormal list) and decisions loaded from a department enter
directly as ``published``. Every event is a pure function (entry, event, rules, calendar) ->
(entry, effects); an event the state does not allow raises ``TransitionError``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from entcredit.core.calendar import WorkCalendar
from entcredit.lists.config import (
    Effect,
    EffectKind,
    ListRules,
    NextDeadline,
    TransitionError,
    add_years,
)

__all__ = [
    "ARTICLES",
    "HEAVIER_KINDS",
    "LEGACY_ARTICLE",
    "Approve",
    "DecideSerious",
    "DropListing",
    "Eligibility",
    "FileStatement",
    "Grounds",
    "HoldHearing",
    "PenaltyFacts",
    "Publish",
    "RefuseApproval",
    "RemovalKind",
    "RemoveEarly",
    "RemoveSerious",
    "RepairFacts",
    "SeriousEntry",
    "SeriousEvent",
    "SeriousState",
    "advance_serious",
    "apply_serious",
    "early_removal_eligibility",
    "expires_on",
    "legacy_serious_entry",
    "listing_grounds",
    "serious_from_decision",
    "serious_invariant_problems",
    "serious_next_deadline",
    "start_serious_listing",
]

ARTICLES = ("5", "6", "7", "8", "9", "10")
LEGACY_ARTICLE = "legacy_abnormal_3y"
# Order 44's heavier penalties that the penalty's kinds show by themselves (exchange-format
# ``penalty_kinds``); an aggravated fine shows only through the record's ``heavier`` flag.
HEAVIER_KINDS = frozenset(
    {
        "downgrade",
        "revoke_license",
        "restrict_business",
        "suspend_business",
        "close",
        "employment_ban",
    }
)
# arts. 5-9 by the penalty's domain; art. 10 (obstructing inspections) has no domain and must
# be named by the authority.
_DOMAIN_ARTICLE = {
    "food": "5",
    "drug": "6",
    "quality": "7",
    "special_equipment": "7",
    "consumer": "8",
    "competition": "9",
}
_APPROVAL_LEVELS = frozenset({"county", "city"})
_LEVELS = frozenset({"province", "city", "county"})


class SeriousState(StrEnum):
    NOTICE = "notice"  # intended-listing notice given; statement / hearing-request window
    HEARING = "hearing"  # the party asked for a hearing
    AWAITING_APPROVAL = "awaiting_approval"  # decided by a county/city bureau
    DECIDED = "decided"  # final; to be published
    PUBLISHED = "published"
    REMOVED = "removed"
    DROPPED = "dropped"  # the procedure ended without a listing


class RemovalKind(StrEnum):
    # the exchange format's serious_list actions
    EXPIRED = "remove"
    EARLY = "remove_early"


_ENDED = frozenset({SeriousState.REMOVED, SeriousState.DROPPED})


@dataclass(frozen=True, slots=True)
class PenaltyFacts:
    decision_no: str
    decided_on: date
    kinds: frozenset[str]  # exchange-format penalty_kinds
    article: str | None = None  # "5"-"10" when the authority names it
    domain: str | None = None
    heavier: bool | None = None  # the record's flag; None: inferred from the kinds
    egregious: bool = False  # the art. 12 weighing (intent, frequency, duration, amounts)
    ban_until: date | None = None


@dataclass(frozen=True, slots=True)
class Grounds:
    listable: bool
    article: str | None
    reasons: tuple[str, ...]  # the grounds found, or what is missing


def listing_grounds(p: PenaltyFacts) -> Grounds:
    """rules.md §4 criteria [law]: a violation of arts. 5-10, a heavier penalty, and the
    art. 12 weighing finding it egregious. All three, or no listing."""
    missing: list[str] = []
    found: list[str] = []
    article = p.article or _DOMAIN_ARTICLE.get(p.domain or "")
    if article in ARTICLES:
        found.append(f"violation under Order 44 art. {article}")
    else:
        missing.append(
            f"no violation under Order 44 arts. 5-10 (article {p.article!r}, domain {p.domain!r})"
        )
        article = None
    heavier_kinds = sorted(p.kinds & HEAVIER_KINDS)
    heavier = p.heavier if p.heavier is not None else bool(heavier_kinds)
    if heavier:
        found.append(
            "heavier penalty (" + (", ".join(heavier_kinds) or "flagged by the authority") + ")"
        )
    else:
        missing.append("not a heavier penalty (较重行政处罚)")
    if p.egregious:
        found.append("art. 12 weighing: egregious")
    else:
        missing.append("the art. 12 weighing has not found it egregious")
    return Grounds(not missing, article, tuple(missing or found))


@dataclass(frozen=True, slots=True)
class SeriousEntry:
    entry_id: str
    subject: str
    article: str  # "5"-"10" or LEGACY_ARTICLE
    authority: str
    authority_level: str  # province / city / county: decides the approval step
    state: SeriousState
    state_since: date  # date of the last change; no event may be dated before it
    notice_on: date | None = None
    penalty_decision_no: str | None = None
    ban_until: date | None = None  # a statutory ban that may outlast the 3 years
    statement_on: date | None = None
    hearing_requested_on: date | None = None
    hearing_held_on: date | None = None
    decision_no: str | None = None
    decided_on: date | None = None
    approved_on: date | None = None
    listed_on: date | None = None  # the listing became final: decision, or its approval
    published_on: date | None = None
    removed_on: date | None = None
    removal_kind: RemovalKind | None = None
    removal_decision_no: str | None = None
    end_note: str | None = None
    listing_public: bool = False
    removal_public: bool = False
    overdue_reported: date | None = None  # due date of the last deadline reported overdue
    source_entry_id: str | None = None  # legacy route: the abnormal-list entry


# -- events ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileStatement:
    as_of: date
    hearing_requested: bool = False


@dataclass(frozen=True, slots=True)
class HoldHearing:
    as_of: date


@dataclass(frozen=True, slots=True)
class DecideSerious:
    decision_no: str
    as_of: date


@dataclass(frozen=True, slots=True)
class Approve:
    as_of: date


@dataclass(frozen=True, slots=True)
class RefuseApproval:
    as_of: date
    note: str


@dataclass(frozen=True, slots=True)
class DropListing:
    as_of: date
    note: str


@dataclass(frozen=True, slots=True)
class Publish:
    as_of: date


@dataclass(frozen=True, slots=True)
class RemoveSerious:
    """Removal at expiry (the daily job does it by itself; a loaded decision may also)."""

    as_of: date
    decision_no: str | None = None


@dataclass(frozen=True, slots=True)
class RepairFacts:
    obligations_fulfilled: bool  # the penalty's obligations
    harm_remedied: bool
    new_heavier_penalty: bool  # any heavier penalty since the listing
    ban_until: date | None = None  # any statutory ban on the subject, if the entry lacks it


@dataclass(frozen=True, slots=True)
class RemoveEarly:
    as_of: date
    decision_no: str
    facts: RepairFacts


SeriousEvent = (
    FileStatement
    | HoldHearing
    | DecideSerious
    | Approve
    | RefuseApproval
    | DropListing
    | Publish
    | RemoveSerious
    | RemoveEarly
)


# -- construction ---------------------------------------------------------------------------


def _check_level(level: str) -> None:
    if level not in _LEVELS:
        raise ValueError(f"authority_level must be province, city or county, got {level!r}")


def start_serious_listing(
    entry_id: str,
    subject: str,
    penalty: PenaltyFacts,
    *,
    authority: str,
    authority_level: str,
    notice_on: date,
    rules: ListRules,
    calendar: WorkCalendar,
) -> tuple[SeriousEntry, tuple[Effect, ...]]:
    """The intended-listing notice, from a penalty that meets the criteria ("谁处罚、谁列入":
    ``authority`` is the penalising bureau)."""
    _check_level(authority_level)
    grounds = listing_grounds(penalty)
    if not grounds.listable or grounds.article is None:
        raise TransitionError("(new)", "notice", "; ".join(grounds.reasons))
    if notice_on < penalty.decided_on:
        raise TransitionError("(new)", "notice", "the notice predates the penalty decision")
    entry = SeriousEntry(
        entry_id=entry_id,
        subject=subject,
        article=grounds.article,
        authority=authority,
        authority_level=authority_level,
        state=SeriousState.NOTICE,
        state_since=notice_on,
        notice_on=notice_on,
        penalty_decision_no=penalty.decision_no,
        ban_until=penalty.ban_until,
    )
    detail = "; ".join(grounds.reasons)
    return entry, (_effect(EffectKind.NOTICE_GIVEN, entry, notice_on, rules, calendar, detail),)


def serious_from_decision(
    entry_id: str,
    subject: str,
    *,
    article: str,
    decision_no: str,
    authority: str,
    authority_level: str,
    listed_on: date,
    penalty_decision_no: str | None = None,
    ban_until: date | None = None,
) -> SeriousEntry:
    """A final listing decision loaded from a department's ``serious_list`` file: the
    procedure happened outside the platform, so the entry starts published."""
    _check_level(authority_level)
    if article not in (*ARTICLES, LEGACY_ARTICLE):
        raise TransitionError("(new)", "list", f"article {article!r} is not 5-10 or legacy")
    return SeriousEntry(
        entry_id=entry_id,
        subject=subject,
        article=article,
        authority=authority,
        authority_level=authority_level,
        state=SeriousState.PUBLISHED,
        state_since=listed_on,
        penalty_decision_no=penalty_decision_no,
        ban_until=ban_until,
        decision_no=decision_no,
        decided_on=listed_on,
        listed_on=listed_on,
        published_on=listed_on,
        listing_public=True,
    )


def legacy_serious_entry(
    entry_id: str,
    subject: str,
    *,
    authority: str,
    on: date,
    source_entry_id: str,
    authority_level: str = "county",
) -> SeriousEntry:
    """The 2014-2016 route: still on the abnormal list after 3 years. The move is automatic,
    so there is no notice, hearing or approval (the level is kept for the record only); the
    decision number follows with the transfer decision."""
    _check_level(authority_level)
    return SeriousEntry(
        entry_id=entry_id,
        subject=subject,
        article=LEGACY_ARTICLE,
        authority=authority,
        authority_level=authority_level,
        state=SeriousState.PUBLISHED,
        state_since=on,
        decided_on=on,
        listed_on=on,
        published_on=on,
        listing_public=True,
        source_entry_id=source_entry_id,
    )


# -- deadlines ------------------------------------------------------------------------------


def expires_on(entry: SeriousEntry, rules: ListRules) -> date | None:
    """3 years after the listing; a longer statutory ban runs its full length [law]."""
    if entry.listed_on is None:
        return None
    end = add_years(entry.listed_on, rules.serious_years)
    return max(end, entry.ban_until) if entry.ban_until is not None else end


def _window_end(entry: SeriousEntry, rules: ListRules, calendar: WorkCalendar) -> date:
    assert entry.notice_on is not None
    return calendar.add_working_days(entry.notice_on, rules.statement_window_wd).due


def serious_next_deadline(
    entry: SeriousEntry, rules: ListRules, calendar: WorkCalendar
) -> NextDeadline | None:
    """None only for ended entries (removed, dropped)."""
    s = entry.state
    if s is SeriousState.NOTICE:
        assert entry.notice_on is not None
        window = calendar.add_working_days(entry.notice_on, rules.statement_window_wd)
        start = entry.hearing_held_on or window.due
        due = calendar.add_working_days(start, rules.serious_decision_wd)
        return NextDeadline(
            "listing_decision", due.due, due.provisional or window.provisional, False
        )
    if s is SeriousState.HEARING:
        assert entry.hearing_requested_on is not None
        due = calendar.add_working_days(entry.hearing_requested_on, rules.hearing_wd)
        return NextDeadline("hearing", due.due, due.provisional, False)
    if s is SeriousState.AWAITING_APPROVAL:
        assert entry.decided_on is not None
        due = calendar.add_working_days(entry.decided_on, rules.approval_wd)
        return NextDeadline("approval", due.due, due.provisional, False)
    if s is SeriousState.DECIDED:
        assert entry.listed_on is not None
        due = calendar.add_working_days(entry.listed_on, rules.publication_wd)
        return NextDeadline("publication", due.due, due.provisional, False)
    if s is SeriousState.PUBLISHED:
        end = expires_on(entry, rules)
        assert end is not None
        return NextDeadline("expiry", end, False, True)
    return None


def _effect(
    kind: EffectKind,
    entry: SeriousEntry,
    on: date,
    rules: ListRules,
    calendar: WorkCalendar,
    detail: str = "",
) -> Effect:
    return Effect(
        kind,
        entry.entry_id,
        entry.subject,
        on,
        detail,
        serious_next_deadline(entry, rules, calendar),
    )


# -- early removal --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]  # every condition not met (empty when eligible)
    earliest_on: date | None  # first day the minimum listing time allows it


def early_removal_eligibility(
    entry: SeriousEntry, facts: RepairFacts, as_of: date, rules: ListRules
) -> Eligibility:
    """rules.md §4 [law]: at least 1 year listed, obligations fulfilled, harm remedied, no new
    heavier penalty, and never while a statutory ban still runs (a ban running through
    ``ban_until`` inclusive)."""
    if entry.state is not SeriousState.PUBLISHED or entry.listed_on is None:
        return Eligibility(False, (f"the entry is {entry.state.value}, not on the list",), None)
    earliest = add_years(entry.listed_on, rules.early_removal_min_years)
    reasons: list[str] = []
    if as_of < earliest:
        reasons.append(
            f"listed on {entry.listed_on}: early removal only after "
            f"{rules.early_removal_min_years} year(s), from {earliest}"
        )
    if not facts.obligations_fulfilled:
        reasons.append("the penalty's obligations are not fulfilled")
    if not facts.harm_remedied:
        reasons.append("the harm is not remedied")
    if facts.new_heavier_penalty:
        reasons.append("a new heavier penalty was imposed since the listing")
    bans = [b for b in (entry.ban_until, facts.ban_until) if b is not None]
    if bans and max(bans) >= as_of:
        reasons.append(f"a statutory ban runs until {max(bans)}")
    return Eligibility(not reasons, tuple(reasons), earliest)


# -- transitions ----------------------------------------------------------------------------


def advance_serious(
    entry: SeriousEntry, as_of: date, rules: ListRules, calendar: WorkCalendar
) -> tuple[SeriousEntry, tuple[Effect, ...]]:
    """Time-driven changes due on or before ``as_of``: expiry, overdue procedure steps. Each
    is dated when it fell due, so the result does not depend on how often this runs."""
    if entry.state is SeriousState.PUBLISHED:
        end = expires_on(entry, rules)
        assert end is not None
        if as_of >= end:
            on = max(end, entry.state_since)
            entry = _remove(entry, on, RemovalKind.EXPIRED, None)
            return entry, (_effect(EffectKind.EXPIRED, entry, on, rules, calendar),)
        return entry, ()
    nxt = serious_next_deadline(entry, rules, calendar)
    if (
        nxt is not None
        and not nxt.automatic
        and nxt.due < as_of
        and entry.overdue_reported != nxt.due
    ):
        entry = dataclasses.replace(entry, overdue_reported=nxt.due)
        overdue = Effect(EffectKind.OVERDUE, entry.entry_id, entry.subject, nxt.due, nxt.what, nxt)
        return entry, (overdue,)
    return entry, ()


def _remove(
    entry: SeriousEntry, on: date, kind: RemovalKind, decision_no: str | None
) -> SeriousEntry:
    early = kind is RemovalKind.EARLY
    return dataclasses.replace(
        entry,
        state=SeriousState.REMOVED,
        state_since=on,
        removed_on=on,
        removal_kind=kind,
        removal_decision_no=decision_no,
        # After early removal nothing of it stays public (rules.md §4) [law].
        listing_public=entry.listing_public and not early,
        removal_public=not early,
    )


def apply_serious(
    entry: SeriousEntry, event: SeriousEvent, rules: ListRules, calendar: WorkCalendar
) -> tuple[SeriousEntry, tuple[Effect, ...]]:
    """One event. Time-driven changes due up to the event's date apply first, so the entry the
    event meets is the entry as of that date."""
    name = _EVENT_NAMES[type(event)]
    if event.as_of < entry.state_since:
        raise TransitionError(
            entry.state.value,
            name,
            f"dated {event.as_of}, before the last change on {entry.state_since}",
        )
    entry, before = advance_serious(entry, event.as_of, rules, calendar)
    s = entry.state
    if (
        isinstance(event, RemoveSerious)
        and entry.removal_kind is RemovalKind.EXPIRED
        and event.decision_no
        and entry.removal_decision_no in (None, event.decision_no)
    ):
        # The removal decision for an expiry the daily job already applied (a department's
        # file, or the staff's document): it only adds the number.
        entry = dataclasses.replace(entry, removal_decision_no=event.decision_no)
        return entry, before

    def fail(why: str) -> TransitionError:
        return TransitionError(s.value, name, why)

    if s in _ENDED:
        raise fail(
            f"the entry ended on {entry.state_since} ({entry.removal_kind or entry.end_note})"
        )
    d = event.as_of
    kind: EffectKind
    detail = ""
    match event:
        case FileStatement(hearing_requested=hearing):
            if s is not SeriousState.NOTICE:
                raise fail("a statement answers the intended-listing notice")
            if entry.statement_on is not None:
                raise fail(f"the statement was already filed on {entry.statement_on}")
            if d > _window_end(entry, rules, calendar):
                raise fail(f"the statement window closed on {_window_end(entry, rules, calendar)}")
            if hearing:
                entry = dataclasses.replace(
                    entry, state=SeriousState.HEARING, statement_on=d, hearing_requested_on=d
                )
            else:
                entry = dataclasses.replace(entry, statement_on=d)
            kind = EffectKind.STATEMENT_FILED
        case HoldHearing():
            if s is not SeriousState.HEARING:
                raise fail("no hearing was requested")
            entry = dataclasses.replace(entry, state=SeriousState.NOTICE, hearing_held_on=d)
            kind = EffectKind.HEARING_HELD
        case DecideSerious(decision_no=decision_no):
            if s is SeriousState.HEARING:
                raise fail("the requested hearing has not been held")
            if s is not SeriousState.NOTICE:
                raise fail("only a noticed listing can be decided")
            window = _window_end(entry, rules, calendar)
            if entry.statement_on is None and d <= window:
                raise fail(f"the party may still make a statement until {window}")
            if not decision_no:
                raise fail("a listing decision needs its decision number")
            needs_approval = (
                rules.approval_one_level_up and entry.authority_level in _APPROVAL_LEVELS
            )
            entry = dataclasses.replace(
                entry,
                state=SeriousState.AWAITING_APPROVAL if needs_approval else SeriousState.DECIDED,
                decision_no=decision_no,
                decided_on=d,
                listed_on=None if needs_approval else d,
            )
            kind = EffectKind.DECIDED
        case Approve():
            if s is not SeriousState.AWAITING_APPROVAL:
                raise fail("only a county/city decision awaits approval")
            entry = dataclasses.replace(
                entry, state=SeriousState.DECIDED, approved_on=d, listed_on=d
            )
            kind = EffectKind.APPROVED
        case RefuseApproval(note=note) | DropListing(note=note):
            allowed = (
                {SeriousState.AWAITING_APPROVAL}
                if isinstance(event, RefuseApproval)
                else {SeriousState.NOTICE, SeriousState.HEARING}
            )
            if s not in allowed:
                raise fail(f"only possible in {', '.join(sorted(x.value for x in allowed))}")
            entry = dataclasses.replace(entry, state=SeriousState.DROPPED, end_note=note or name)
            kind, detail = EffectKind.DROPPED, note
        case Publish():
            if s is not SeriousState.DECIDED:
                raise fail("only a final decision is published")
            entry = dataclasses.replace(
                entry, state=SeriousState.PUBLISHED, published_on=d, listing_public=True
            )
            kind = EffectKind.PUBLISHED
        case RemoveSerious():
            if s is not SeriousState.PUBLISHED:
                raise fail("only a published listing is removed")
            # Past the expiry advance_serious has removed it already.
            raise fail(
                f"the listing runs until {expires_on(entry, rules)}; before then only remove_early"
            )
        case RemoveEarly(decision_no=decision_no, facts=facts):
            if s is not SeriousState.PUBLISHED:
                raise fail("only a published listing is removed early")
            verdict = early_removal_eligibility(entry, facts, d, rules)
            if not verdict.eligible:
                raise fail("not eligible: " + "; ".join(verdict.reasons))
            entry = _remove(entry, d, RemovalKind.EARLY, decision_no)
            kind = EffectKind.REMOVED_EARLY
    entry = dataclasses.replace(entry, state_since=d)
    return entry, (*before, _effect(kind, entry, d, rules, calendar, detail))


_EVENT_NAMES: dict[type, str] = {
    FileStatement: "file_statement",
    HoldHearing: "hold_hearing",
    DecideSerious: "decide",
    Approve: "approve",
    RefuseApproval: "refuse_approval",
    DropListing: "drop",
    Publish: "publish",
    RemoveSerious: "remove",
    RemoveEarly: "remove_early",
}


def serious_invariant_problems(
    entry: SeriousEntry, rules: ListRules, calendar: WorkCalendar
) -> list[str]:
    """What is wrong with an entry (empty when it is sound)."""
    p: list[str] = []
    if entry.state is SeriousState.REMOVED:
        if entry.removed_on is None or entry.removal_kind is None:
            p.append("removed without a date or kind")
        if entry.listed_on is None or (entry.removed_on and entry.removed_on < entry.listed_on):
            p.append("removed before it was listed")
        if entry.removal_kind is RemovalKind.EARLY and (
            entry.listing_public or entry.removal_public
        ):
            p.append("early removal left something public")
    elif entry.state is SeriousState.DROPPED:
        if not entry.end_note:
            p.append("dropped without a note")
        if entry.listing_public:
            p.append("a dropped procedure is public")
    elif serious_next_deadline(entry, rules, calendar) is None:
        p.append("open entry without a next deadline")
    if entry.state is SeriousState.PUBLISHED and not entry.listing_public:
        p.append("published but not public")
    if entry.state in (SeriousState.DECIDED, SeriousState.PUBLISHED) and entry.listed_on is None:
        p.append("final without a listing date")
    return p
