"""Staff pages of the two lists (``/lists``): browse entries, read one with its events, and
apply the next event through a form. Same roles, department scoping and service path as the
JSON API (``lists.api``); a refused transition shows the machine's reason with 409."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from entcredit.identity.rules import Principal
from entcredit.lists import service
from entcredit.lists.abnormal import _ENDED as ABNORMAL_ENDED
from entcredit.lists.abnormal import AbnormalState, RemovalReason
from entcredit.lists.api import (
    _ABNORMAL_EVENTS,
    Ctx,
    Decider,
    EventIn,
    Reader,
    _get,
    apply_entry_event,
    entries_query,
)
from entcredit.lists.models import ListEntry, ListEvent
from entcredit.lists.serious import _ENDED as SERIOUS_ENDED
from entcredit.lists.serious import SeriousState
from entcredit.lists.store import ABNORMAL
from entcredit.store.models import Enterprise
from entcredit.web.deps import CSRF_FORM_FIELD, SessionDep, TodayDep
from entcredit.web.errors import ApiError
from entcredit.web.pages import render

router = APIRouter(prefix="/lists", include_in_schema=False)

PAGE_SIZE = 50
_ENDED = frozenset(s.value for s in ABNORMAL_ENDED | SERIOUS_ENDED)
_STATES = {"abnormal": [s.value for s in AbnormalState], "serious": [s.value for s in SeriousState]}
# The fields each event's form asks for (beyond the date); the machine decides the rest.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "decide_listing": ("decision_no", "authority"),
    "dismiss_proposal": ("note",),
    "request_removal": (),
    "decide_removal": ("reason", "decision_no"),
    "refuse_removal": ("note",),
    "file_objection": (),
    "decide_objection": ("accepted",),
    "verify_objection": ("upheld",),
    "file_statement": ("hearing_requested",),
    "hold_hearing": (),
    "decide": ("decision_no",),
    "approve": (),
    "refuse_approval": ("note",),
    "drop": ("note",),
    "publish": (),
    "remove_early": (
        "decision_no",
        "obligations_fulfilled",
        "harm_remedied",
        "new_heavier_penalty",
        "ban_until",
    ),
}


def entry_url(entry_key: str) -> str:
    # Keys read like ``abn:DEPT:USCC:...``; colons are fine in a path.
    return "/lists/" + quote(entry_key, safe="/:")


def _opt(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.get("", response_class=HTMLResponse)
def entries_page(
    request: Request,
    session: SessionDep,
    principal: Reader,
    today: TodayDep,
    list_kind: str | None = None,
    state: str | None = None,
    in_force: str | None = None,
    due_by: str | None = None,
    uscc: str | None = None,
    page: int = 1,
) -> Response:
    filters = {
        "list_kind": _opt(list_kind) if _opt(list_kind) in _STATES else None,
        "state": _opt(state),
        "in_force": _opt(in_force) if _opt(in_force) in ("true", "false") else None,
        "due_by": _opt(due_by),
        "uscc": _opt(uscc),
    }
    error = None
    due: date | None = None
    if filters["due_by"]:
        try:
            due = date.fromisoformat(filters["due_by"])
        except ValueError:
            error, filters["due_by"] = "lists_bad_date", None
    q = entries_query(
        principal,
        filters["list_kind"],
        filters["state"],
        filters["uscc"],
        None if filters["in_force"] is None else filters["in_force"] == "true",
        due,
    )
    page = max(page, 1)
    rows = session.scalars(
        q.order_by(ListEntry.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    names = _names(session, rows)
    kept = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "lists/entries.html",
        {
            "rows": rows,
            "names": names,
            "entry_url": entry_url,
            "filters": filters,
            "states": sorted({s for v in _STATES.values() for s in v}),
            "today": today,
            "error": error,
            "page": page,
            "prev_url": f"/lists?{urlencode({**kept, 'page': page - 1})}" if page > 1 else None,
            "next_url": f"/lists?{urlencode({**kept, 'page': page + 1})}" if has_next else None,
        },
        principal=principal,
    )


def _names(session: SessionDep, rows: Sequence[ListEntry]) -> dict[int, str]:
    ids = {r.enterprise_id for r in rows if r.enterprise_id is not None}
    if not ids:
        return {}
    return dict(
        session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all()
    )


def _entry_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    today: date,
    row: ListEntry,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    events = session.scalars(
        select(ListEvent).where(ListEvent.entry_id == row.id).order_by(ListEvent.id)
    ).all()
    of_list = [e for e in EVENT_FIELDS if (e in _ABNORMAL_EVENTS) == (row.list_kind == ABNORMAL)]
    return render(
        request,
        "lists/entry.html",
        {
            "row": row,
            "name": _names(session, [row]).get(row.enterprise_id or 0),
            "events": events,
            "forms": [] if row.state in _ENDED else [(e, EVENT_FIELDS[e]) for e in of_list],
            "removal_reasons": [int(r) for r in RemovalReason],
            "action": f"{entry_url(row.entry_key)}/events",
            "today": today,
            "error": error,
        },
        principal=principal,
        status_code=status_code,
    )


@router.get("/{entry_key:path}", response_class=HTMLResponse)
def entry_page(
    request: Request, session: SessionDep, principal: Reader, today: TodayDep, entry_key: str
) -> Response:
    return _entry_page(request, session, principal, today, _get(session, principal, entry_key))


async def _form(request: Request) -> dict[str, str]:
    # Starlette caches the parse, so the CSRF check in get_principal has read the same form.
    form = await request.form()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != CSRF_FORM_FIELD}


@router.post("/{entry_key:path}/events")
def post_event(
    request: Request,
    session: SessionDep,
    principal: Decider,
    ctx: Ctx,
    today: TodayDep,
    entry_key: str,
    form: Annotated[dict[str, str], Depends(_form)],
) -> Response:
    """Apply one event through the API's service path; 303 back to the entry on success."""
    try:
        body = EventIn.model_validate({k: v for k, v in form.items() if v != ""})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        row = _get(session, principal, entry_key)
        return _entry_page(request, session, principal, today, row, error=problems, status_code=422)
    try:
        # Scoping (own entry, or the approving bureau for approve) is checked in there.
        apply_entry_event(session, principal, ctx, entry_key, body, today)
    except ApiError as exc:
        if exc.status_code not in (409, 422):
            raise
        row = service.get_row(session, entry_key)
        return _entry_page(
            request, session, principal, today, row, error=exc.message, status_code=exc.status_code
        )
    return RedirectResponse(entry_url(entry_key), status_code=303)
