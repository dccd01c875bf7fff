"""Staff JSON API of the two lists (``/api/v1/lists``): read entries, raise proposals and
notices, and apply the machines' events. Departments see and act on their own entries only;
an approval is given by the bureau one level up. An event the entry's state does not allow
answers 409 ``transition_invalid`` with the machine's reason."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Select, select

from entcredit.identity.rules import REGULATOR_ROLES, Principal, Role
from entcredit.ingest.api import context as ingest_context
from entcredit.lists import service
from entcredit.lists.abnormal import (
    DecideListing,
    DecideObjection,
    DecideRemoval,
    DismissProposal,
    EntityKind,
    FileObjection,
    ListingReason,
    Propose,
    RefuseRemoval,
    RemovalReason,
    RequestRemoval,
    VerifyObjection,
)
from entcredit.lists.config import TransitionError
from entcredit.lists.models import ListEntry, ListEvent
from entcredit.lists.serious import (
    Approve,
    DecideSerious,
    DropListing,
    FileStatement,
    HoldHearing,
    PenaltyFacts,
    Publish,
    RefuseApproval,
    RemoveEarly,
    RepairFacts,
)
from entcredit.lists.store import ABNORMAL, ListsContext, entity_kinds
from entcredit.store.models import Department
from entcredit.web.deps import SessionDep, TodayDep, require_department_access, require_roles
from entcredit.web.errors import ApiError

router = APIRouter(prefix="/api/v1/lists", tags=["lists"])
Reader = Annotated[
    Principal,
    Depends(
        require_roles(
            Role.regulator_admin, Role.regulator_analyst, Role.department_staff, Role.inspector
        )
    ),
]
Decider = Annotated[Principal, Depends(require_roles(Role.regulator_admin, Role.department_staff))]


def lists_context(request: Request) -> ListsContext:
    ctx: ListsContext | None = getattr(request.app.state, "lists_context", None)
    if ctx is None:
        ctx = ListsContext.from_settings(request.app.state.settings, ingest_context(request))
        request.app.state.lists_context = ctx
    return ctx


Ctx = Annotated[ListsContext, Depends(lists_context)]


def _entry_json(row: ListEntry) -> dict[str, Any]:
    return {
        "entry_key": row.entry_key,
        "list": row.list_kind,
        "uscc": row.uscc,
        "state": row.state,
        "in_force": row.in_force,
        "reason_code": row.reason_code,
        "decision_no": row.decision_no,
        "authority": row.authority,
        "dept_code": row.dept_code,
        "listed_on": row.listed_on,
        "ended_on": row.ended_on,
        "end_reason": row.end_reason,
        "repaired": row.repaired,
        "expires_on": row.expires_on,
        "next_due_on": row.next_due_on,
        "next_due_what": row.next_due_what,
        "listing_record_id": row.listing_record_id,
        "removal_record_id": row.removal_record_id,
        "version": row.version,
    }


def _own(principal: Principal, row: ListEntry) -> None:
    if row.dept_code is None:
        if not principal.has_any_role(REGULATOR_ROLES):
            raise ApiError(403, "department_forbidden", "the entry has no owning department yet")
        return
    require_department_access(principal, row.dept_code)


def _get(session: SessionDep, principal: Principal, entry_key: str) -> ListEntry:
    try:
        row = service.get_row(session, entry_key)
    except service.EntryNotFound as exc:
        raise ApiError(404, "list_entry_not_found", str(exc)) from exc
    _own(principal, row)
    return row


def _transition_error(exc: TransitionError) -> ApiError:
    return ApiError(
        409,
        "transition_invalid",
        str(exc),
        details={"state": exc.state, "event": exc.event, "why": exc.why},
    )


@router.get("/entries")
def list_entries(
    session: SessionDep,
    principal: Reader,
    list_kind: Annotated[Literal["abnormal", "serious"] | None, Query(alias="list")] = None,
    state: str | None = None,
    uscc: str | None = None,
    in_force: bool | None = None,
    due_by: Annotated[date | None, Query(description="Next deadline on or before.")] = None,
    dept_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Entries with filters; a department sees its own only."""
    q = entries_query(principal, list_kind, state, uscc, in_force, due_by, dept_code)
    rows = session.scalars(q.order_by(ListEntry.id).offset(offset).limit(limit)).all()
    return {"items": [_entry_json(r) for r in rows], "limit": limit, "offset": offset}


def entries_query(
    principal: Principal,
    list_kind: str | None = None,
    state: str | None = None,
    uscc: str | None = None,
    in_force: bool | None = None,
    due_by: date | None = None,
    dept_code: str | None = None,
) -> Select[ListEntry]:
    """The filtered entries the principal may see (shared with the staff pages)."""
    q = select(ListEntry)
    if not principal.has_any_role(REGULATOR_ROLES):
        dept_code = principal.dept_code or ""
    if dept_code is not None:
        q = q.where(ListEntry.dept_code == dept_code)
    if list_kind is not None:
        q = q.where(ListEntry.list_kind == list_kind)
    if state is not None:
        q = q.where(ListEntry.state == state)
    if uscc is not None:
        q = q.where(ListEntry.uscc == uscc.strip().upper())
    if in_force is not None:
        q = q.where(ListEntry.in_force.is_(in_force))
    if due_by is not None:
        q = q.where(ListEntry.next_due_on <= due_by).order_by(ListEntry.next_due_on)
    return q


@router.get("/entries/{entry_key:path}/events")
def entry_events(session: SessionDep, principal: Reader, entry_key: str) -> dict[str, Any]:
    row = _get(session, principal, entry_key)
    events = session.scalars(
        select(ListEvent).where(ListEvent.entry_id == row.id).order_by(ListEvent.id)
    ).all()
    return {
        "entry": _entry_json(row),
        "events": [
            {
                "event": e.event,
                "on": e.on,
                "actor": e.actor,
                "state_after": e.state_after,
                "details": e.details,
            }
            for e in events
        ],
    }


@router.get("/entries/{entry_key:path}")
def get_entry(session: SessionDep, principal: Reader, entry_key: str) -> dict[str, Any]:
    return _entry_json(_get(session, principal, entry_key))


class ProposalIn(BaseModel):
    uscc: str = Field(min_length=18, max_length=18)
    reason: Literal[1, 2, 3, 4]
    basis: str = Field(min_length=1, max_length=500, description="The facts (record, task).")
    ground_on: date | None = Field(default=None, description="When the ground was confirmed.")
    on: date | None = None
    dept_code: str | None = Field(default=None, description="Regulators: owning department.")


@router.post("/abnormal/proposals", status_code=201)
def propose_listing(
    session: SessionDep, principal: Decider, ctx: Ctx, body: ProposalIn, today: TodayDep
) -> dict[str, Any]:
    """A proposal to list (reasons 1-4), e.g. from a confirmed address verification."""
    dept = _acting_dept(principal, body.dept_code)
    on = body.on or today
    uscc = body.uscc.strip().upper()
    kind: EntityKind = entity_kinds(session, [uscc])[uscc]
    event = Propose(uscc, kind, ListingReason(body.reason), on, body.basis, body.ground_on)
    key = service.entry_key_for("abn", dept, uscc, str(body.reason), on.isoformat())
    try:
        row = service.propose_listing(
            session, key, event, dept_code=dept, actor=principal.actor, ctx=ctx
        )
    except TransitionError as exc:
        raise _transition_error(exc) from exc
    return _entry_json(row)


class NoticeIn(BaseModel):
    uscc: str = Field(min_length=18, max_length=18)
    penalty_decision_no: str = Field(min_length=1, max_length=200)
    penalty_decided_on: date
    penalty_kinds: list[str] = Field(default_factory=list)
    article: str | None = None
    domain: str | None = None
    heavier: bool | None = None
    egregious: bool = False
    ban_until: date | None = None
    on: date | None = None
    dept_code: str | None = None


@router.post("/serious/notices", status_code=201)
def serious_notice(
    session: SessionDep, principal: Decider, ctx: Ctx, body: NoticeIn, today: TodayDep
) -> dict[str, Any]:
    """The intended-listing notice for a heavier penalty (Order 44 arts. 5-10 and 12)."""
    dept = _acting_dept(principal, body.dept_code)
    uscc = body.uscc.strip().upper()
    penalty = PenaltyFacts(
        body.penalty_decision_no,
        body.penalty_decided_on,
        frozenset(body.penalty_kinds),
        body.article,
        body.domain,
        body.heavier,
        body.egregious,
        body.ban_until,
    )
    key = service.entry_key_for("ser", dept, uscc, body.penalty_decision_no)
    try:
        row = service.start_serious(
            session,
            key,
            uscc,
            penalty,
            dept_code=dept,
            notice_on=body.on or today,
            actor=principal.actor,
            ctx=ctx,
        )
    except TransitionError as exc:
        raise _transition_error(exc) from exc
    return _entry_json(row)


def _acting_dept(principal: Principal, dept_code: str | None) -> str:
    dept = dept_code or principal.dept_code
    if dept is None:
        raise ApiError(422, "dept_code_required", "name the owning department (dept_code)")
    require_department_access(principal, dept)
    return dept


class EventIn(BaseModel):
    event: Literal[
        "decide_listing",
        "dismiss_proposal",
        "request_removal",
        "decide_removal",
        "refuse_removal",
        "file_objection",
        "decide_objection",
        "verify_objection",
        "file_statement",
        "hold_hearing",
        "decide",
        "approve",
        "refuse_approval",
        "drop",
        "publish",
        "remove_early",
    ]
    on: date | None = Field(default=None, description="Date of the event; default today.")
    decision_no: str | None = Field(default=None, max_length=200)
    authority: str | None = Field(default=None, max_length=200)
    note: str = Field(default="", max_length=2000)
    reason: int | None = Field(default=None, ge=1, le=7, description="Removal reason 1-7.")
    accepted: bool | None = None
    upheld: bool | None = None
    hearing_requested: bool = False
    obligations_fulfilled: bool = False
    harm_remedied: bool = False
    new_heavier_penalty: bool = True
    ban_until: date | None = None


_ABNORMAL_EVENTS = frozenset(
    {
        "decide_listing",
        "dismiss_proposal",
        "request_removal",
        "decide_removal",
        "refuse_removal",
        "file_objection",
        "decide_objection",
        "verify_objection",
    }
)


def _event(body: EventIn, row: ListEntry, on: date) -> service.Event:
    def need(value: Any, name: str) -> Any:
        if value is None or value == "":
            raise ApiError(422, "field_required", f"{body.event} needs {name}")
        return value

    if (body.event in _ABNORMAL_EVENTS) != (row.list_kind == ABNORMAL):
        raise ApiError(422, "event_not_of_this_list", f"{body.event} is not an event of this list")
    match body.event:
        case "decide_listing":
            return DecideListing(need(body.decision_no, "decision_no"), body.authority or "", on)
        case "dismiss_proposal":
            return DismissProposal(on, body.note)
        case "request_removal":
            return RequestRemoval(on)
        case "decide_removal":
            reason = RemovalReason(need(body.reason, "reason"))
            return DecideRemoval(reason, need(body.decision_no, "decision_no"), on)
        case "refuse_removal":
            return RefuseRemoval(on, body.note)
        case "file_objection":
            return FileObjection(on)
        case "decide_objection":
            return DecideObjection(need(body.accepted, "accepted"), on)
        case "verify_objection":
            return VerifyObjection(need(body.upheld, "upheld"), on)
        case "file_statement":
            return FileStatement(on, body.hearing_requested)
        case "hold_hearing":
            return HoldHearing(on)
        case "decide":
            return DecideSerious(need(body.decision_no, "decision_no"), on)
        case "approve":
            return Approve(on)
        case "refuse_approval":
            return RefuseApproval(on, body.note)
        case "drop":
            return DropListing(on, body.note)
        case "publish":
            return Publish(on)
        case _:
            facts = RepairFacts(
                body.obligations_fulfilled,
                body.harm_remedied,
                body.new_heavier_penalty,
                body.ban_until,
            )
            return RemoveEarly(on, need(body.decision_no, "decision_no"), facts)


def _check_approver(session: SessionDep, principal: Principal, row: ListEntry) -> None:
    """Approval is given by the bureau one level up (city for a county, province for a city)
    of the same region; regulator administrators may act for it."""
    if principal.has_any_role({Role.regulator_admin}) and principal.kind == "staff":
        return
    depts = {
        d.dept_code: d
        for d in session.scalars(
            select(Department).where(
                Department.dept_code.in_([row.dept_code or "", principal.dept_code or ""])
            )
        )
    }
    mine, owner = depts.get(principal.dept_code or ""), depts.get(row.dept_code or "")
    up = {"county": ("city", 4), "city": ("province", 2)}
    if mine is not None and owner is not None and owner.level in up:
        level, prefix = up[owner.level]
        if mine.level == level and mine.region_code[:prefix] == owner.region_code[:prefix]:
            return
    raise ApiError(
        403, "department_forbidden", "the listing is approved by the bureau one level up"
    )


@router.post("/entries/{entry_key:path}/events")
def apply_event(
    session: SessionDep,
    principal: Decider,
    ctx: Ctx,
    entry_key: str,
    body: EventIn,
    today: TodayDep,
) -> dict[str, Any]:
    """Apply one event of the entry's machine (listing decision, objection, removal, serious
    list steps, early removal)."""
    return _entry_json(apply_entry_event(session, principal, ctx, entry_key, body, today))


def apply_entry_event(
    session: SessionDep,
    principal: Principal,
    ctx: ListsContext,
    entry_key: str,
    body: EventIn,
    today: date,
) -> ListEntry:
    """The one path an event takes, from the JSON API and the staff pages alike: scoping,
    approver check, event parsing, the machine. Raises ``ApiError`` (409 on refusal)."""
    try:
        row = service.get_row(session, entry_key)
    except service.EntryNotFound as exc:
        raise ApiError(404, "list_entry_not_found", str(exc)) from exc
    if body.event in ("approve", "refuse_approval"):
        _check_approver(session, principal, row)
    else:
        _own(principal, row)
    on = body.on or today
    event = _event(body, row, on)
    if isinstance(event, DecideListing) and not event.authority:
        owner = session.scalar(select(Department.name).where(Department.dept_code == row.dept_code))
        event = DecideListing(event.decision_no, owner or row.dept_code or "", on)
    try:
        row = service.apply_event(
            session, entry_key, event, actor=principal.actor, as_of=today, ctx=ctx
        )
    except TransitionError as exc:
        raise _transition_error(exc) from exc
    return row
