"""``entcredit credit``: the measures catalogue, operator credit checks and the statistic of
times restricted per measure."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from entcredit.credit.service import (
    check_subjects,
    measures_for,
    restriction_stats,
    result_json,
)
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work

app = typer.Typer(help="Measures catalogue and credit check.", no_args_is_help=True)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@app.command("measures")
def measures_cmd() -> None:
    """List the actions and the measures of the catalogue in force."""
    catalogue = measures_for(Settings())
    for a in catalogue.actions:
        typer.echo(f"action {a.code}: {a.label_zh} / {a.label_en}")
    for m in catalogue.measures:
        typer.echo(f"{m.code}\t{m.trigger.kind.value}\t{','.join(sorted(m.actions))}\t{m.name_zh}")


@app.command("check")
def check_cmd(
    subjects: Annotated[list[str], typer.Argument(help="USCCs or ID numbers.")],
    action: Annotated[str, typer.Option(help="Intended action (see `credit measures`).")],
    as_of: Annotated[str | None, typer.Option(help="Date of the check (default today).")] = None,
) -> None:
    """Check subjects for an action (logged as asked by the operator); prints JSON."""
    settings = Settings()
    catalogue = measures_for(settings)
    if action not in catalogue.action_codes:
        typer.echo(f"unknown action {action!r}; known: {', '.join(catalogue.action_codes)}")
        raise typer.Exit(2)
    engine = make_engine(settings)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            call = check_subjects(
                session,
                subjects,
                action,
                as_of=_date(as_of) or date.today(),
                asked_by="system",
                pii_key=settings.pii_hash_key.get_secret_value().encode(),
                catalogue=catalogue,
                channel="cli",
            )
    finally:
        engine.dispose()
    out = [result_json(i, r, catalogue) for i, r in enumerate(call.results)]
    typer.echo(json.dumps({"call_id": call.call_id, "results": out}, default=str, indent=2))


@app.command("stats")
def stats_cmd(
    since: Annotated[str | None, typer.Option(help="First check date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Last check date (YYYY-MM-DD).")] = None,
    action: Annotated[str | None, typer.Option(help="Only checks for this action.")] = None,
    dept: Annotated[str | None, typer.Option(help="Only checks asked by this department.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Times restricted per measure, from the credit-check log."""
    settings = Settings()
    engine = make_engine(settings)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            stats = restriction_stats(
                session, since=_date(since), until=_date(until), action=action, dept_code=dept
            )
    finally:
        engine.dispose()
    if as_json:
        rows = [
            {
                "measure": s.measure_code,
                "times_restricted": s.times_restricted,
                "subjects": s.subjects,
            }
            for s in stats
        ]
        typer.echo(json.dumps(rows))
        return
    catalogue = measures_for(settings)
    for s in stats:
        m = catalogue.measure(s.measure_code)
        name = m.name_zh if m else ""
        typer.echo(f"{s.measure_code}\t{s.times_restricted}\t{s.subjects}\t{name}")
