"""``entcredit lists``: the daily job and a subject's entries, for the operator."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from sqlalchemy import select

from entcredit.core.uscc import normalize_code
from entcredit.lists.daily import run_daily
from entcredit.lists.models import ListEntry, ListEvent
from entcredit.lists.store import ListsContext
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work

app = typer.Typer(
    help="Abnormal operations list and serious illegal dishonest list.", no_args_is_help=True
)


@app.command("daily")
def daily_cmd(
    as_of: Annotated[
        str, typer.Option("--as-of", help="Date the job runs for (YYYY-MM-DD); default today.")
    ] = "",
) -> None:
    """Run the lists' daily job for one date: reason-7 removals, proposals, reminders,
    transfers, expiries, overdue deadlines. Running it twice for a date changes nothing."""
    settings = Settings()
    day = date.fromisoformat(as_of) if as_of else date.today()
    ctx = ListsContext.from_settings(settings)
    engine = make_engine(settings)
    try:
        with unit_of_work(make_session_factory(engine), write_lock=True) as session:
            report = run_daily(session, day, ctx=ctx, proposals_from=settings.lists_proposals_from)
    finally:
        engine.dispose()
    typer.echo(f"lists daily job for {day}")
    for line in report.lines():
        typer.echo(f"  {line}")


@app.command("show")
def show_cmd(
    uscc: Annotated[str, typer.Argument(help="Unified social credit code.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every list entry of a subject, with its events."""
    settings = Settings()
    engine = make_engine(settings)
    code = normalize_code(uscc)
    out: list[dict[str, object]] = []
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            rows = session.scalars(
                select(ListEntry).where(ListEntry.uscc == code).order_by(ListEntry.id)
            ).all()
            for row in rows:
                events = session.scalars(
                    select(ListEvent).where(ListEvent.entry_id == row.id).order_by(ListEvent.id)
                ).all()
                out.append(
                    {
                        "entry_key": row.entry_key,
                        "list": row.list_kind,
                        "state": row.state,
                        "in_force": row.in_force,
                        "reason": row.reason_code,
                        "decision_no": row.decision_no,
                        "dept_code": row.dept_code,
                        "listed_on": str(row.listed_on or ""),
                        "ended_on": str(row.ended_on or ""),
                        "end_reason": row.end_reason,
                        "next_due": f"{row.next_due_what} {row.next_due_on}"
                        if row.next_due_on
                        else "",
                        "events": [
                            f"{e.on} {e.event} -> {e.state_after} ({e.actor})" for e in events
                        ],
                    }
                )
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not out:
        typer.echo(f"{code}: on no list")
        return
    for e in out:
        typer.echo(
            f"{e['entry_key']}  {e['list']} reason {e['reason']}  {e['state']}"
            f"{' (in force)' if e['in_force'] else ''}  listed {e['listed_on']}"
            f"  ended {e['ended_on']} {e['end_reason'] or ''}  next: {e['next_due']}"
        )
        for ev in e["events"]:  # type: ignore[attr-defined]
            typer.echo(f"    {ev}")
