"""The numbers of the two lists that can change by province or by revision, as data.

Defaults are the values of ``shared/domain/rules.md`` sections 3-4; each field names its source
([law], [practice] or [open]). The operator overrides them through the rules file
(``ListRules.from_mapping``); nothing in the list rules hard-codes one of these numbers.

Also the small vocabulary both list machines share (``TransitionError``, ``add_years``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

__all__ = ["Effect", "EffectKind", "ListRules", "NextDeadline", "TransitionError", "add_years"]


class TransitionError(ValueError):
    """An event that the entry's state does not allow; the message says state, event and why."""

    def __init__(self, state: str, event: str, why: str) -> None:
        super().__init__(f"cannot apply {event} to an entry in state {state!r}: {why}")
        self.state = state
        self.event = event
        self.why = why


@dataclass(frozen=True, slots=True)
class NextDeadline:
    """What an entry waits for next, and by when."""

    what: str  # e.g. "listing_decision", "transfer", "expiry"
    due: date
    provisional: bool  # the working-day count ran through a year the calendar lacks
    automatic: bool  # True: the daily job acts on it; False: staff must decide by then


class EffectKind(StrEnum):
    # abnormal operations list
    PROPOSED = "proposed"
    LISTED = "listed"  # listed (enterprise, cooperative) or marked (individual business)
    REMOVAL_REQUESTED = "removal_requested"
    REMOVAL_REFUSED = "removal_refused"
    REMOVED = "removed"
    OBJECTION_FILED = "objection_filed"
    OBJECTION_ACCEPTED = "objection_accepted"  # admitted for verification
    OBJECTION_REJECTED = "objection_rejected"  # not admitted
    OBJECTION_UPHELD = "objection_upheld"  # verified: the listing is withdrawn
    OBJECTION_DISMISSED = "objection_dismissed"  # verified: the listing stands
    WITHDRAWN = "withdrawn"
    REMINDER = "reminder"
    TRANSFERRED = "transferred"
    # serious illegal dishonest list
    NOTICE_GIVEN = "notice_given"
    STATEMENT_FILED = "statement_filed"
    HEARING_HELD = "hearing_held"
    DECIDED = "decided"
    APPROVED = "approved"
    DROPPED = "dropped"
    PUBLISHED = "published"
    EXPIRED = "expired"
    REMOVED_EARLY = "removed_early"  # the public page shows neither listing nor removal
    # both
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Effect:
    """Something an adapter must act on: publish, notify, schedule, alert. ``on`` is the date
    it took effect or fell due, never the date the job happened to run."""

    kind: EffectKind
    entry_id: str
    subject: str
    on: date
    detail: str = ""
    deadline: NextDeadline | None = None  # the entry's next deadline after the change
    related_id: str | None = None  # e.g. the serious-list entry a transfer created


def add_years(d: date, years: int) -> date:
    """The same day ``years`` later; 29 February falls back to 28 February (the anniversary
    must not run past the period the rule grants)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


@dataclass(frozen=True, slots=True)
class ListRules:
    """The list rules' numbers. "wd": working days, counted with
    ``WorkCalendar.add_working_days``; "days": calendar days."""

    # -- abnormal operations list (rules.md §3; SAIC Order 68, 2014) --------------------------
    # Annual reports are due 1 January - 30 June for the previous year [law, art. 8].
    annual_report_due_month: int = 6
    annual_report_due_day: int = 30
    # Reason 1: listing decided within 10 wd after 30 June [law].
    reason1_decision_wd: int = 10
    # Reasons 2-4: within 10 wd after the deadline set / the confirmation [law].
    listing_decision_wd: int = 10
    # Removal on repair: decided within 5 wd of the application or verification [law]; the
    # same limit restores an individual business's normal status [law].
    removal_decision_wd: int = 5
    # Objection: accept or reject within 5 wd, verify within 20 wd [law].
    objection_accept_wd: int = 5
    objection_verify_wd: int = 20
    # Individual businesses object within 30 days of publicity [law].
    individual_objection_days: int = 30
    # rules.md gives no filing limit for enterprises and cooperatives: None = any time while
    # listed [open].
    enterprise_objection_days: int | None = None
    # Still listed after 3 years -> serious list [law, 2014-2016 regime].
    abnormal_years_to_transfer: int = 3
    # Reminder notice within the 60 days before the anniversary [law].
    reminder_window_days: int = 60
    # Transfer decided within 10 wd of the anniversary [law].
    transfer_decision_wd: int = 10

    # -- serious illegal dishonest list (rules.md §4; SAMR Order 44, 2021) --------------------
    serious_years: int = 3  # then automatic removal; a longer statutory ban runs in full [law]
    early_removal_min_years: int = 1  # [law]
    # A county/city bureau's listing is approved one level up [law; a 2025 draft drops it].
    approval_one_level_up: bool = True
    # Statement / hearing-request window after the intended-listing notice [open].
    statement_window_wd: int = 5
    # Hearing held within this many wd of the request [open].
    hearing_wd: int = 20
    # Listing decided within this many wd after the window (or the hearing) [open].
    serious_decision_wd: int = 10
    # Approval one level up within this many wd of the decision [open].
    approval_wd: int = 10
    # Published within 20 wd of the (approved) decision [practice].
    publication_wd: int = 20

    def __post_init__(self) -> None:
        problems = [
            f"{f.name} must be >= 0, got {v}"
            for f in dataclasses.fields(self)
            if isinstance(v := getattr(self, f.name), int) and not isinstance(v, bool) and v < 0
        ]
        if not 1 <= self.annual_report_due_month <= 12:
            problems.append("annual_report_due_month must be 1-12")
        else:
            try:
                date(2023, self.annual_report_due_month, self.annual_report_due_day)
            except ValueError:
                problems.append("annual_report_due_day is not a day of that month")
        if self.abnormal_years_to_transfer < 1 or self.serious_years < 1:
            problems.append("list durations must be at least 1 year")
        if self.early_removal_min_years > self.serious_years:
            problems.append("early_removal_min_years must not exceed serious_years")
        if self.reminder_window_days > 365 * self.abnormal_years_to_transfer:
            problems.append("reminder_window_days must fall inside the listing period")
        if problems:
            raise ValueError("list rules: " + "; ".join(problems))

    def annual_report_deadline(self, report_year: int) -> date:
        """Last day to file the report for ``report_year`` (in the following year)."""
        return date(report_year + 1, self.annual_report_due_month, self.annual_report_due_day)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ListRules:
        """Defaults overridden by the operator's rules file; an unknown or mistyped key is an
        error (a typo must not silently leave the default in force)."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"list rules: unknown settings {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            default = getattr(cls(), key)
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif key == "enterprise_objection_days":
                ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
            else:
                ok = isinstance(value, int) and not isinstance(value, bool)
            if not ok:
                raise ValueError(f"list rules: {key} has the wrong type: {value!r}")
            values[key] = value
        return cls(**values)
