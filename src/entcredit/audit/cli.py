"""``entcredit audit verify``: walk the hash chain and report the first broken event."""

from __future__ import annotations

import typer

from entcredit.audit.service import verify_chain
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work

app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@app.callback()
def _audit() -> None:
    """The hash-chained audit log."""


@app.command("verify")
def verify() -> None:
    """Recompute every link of the audit chain. Exit status 1 if it is broken."""
    settings = Settings()
    engine = make_engine(settings)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            report = verify_chain(session)
    finally:
        engine.dispose()
    if report.ok:
        typer.echo(f"audit chain OK: {report.checked} events, head {report.head_hash}")
        return
    typer.echo(
        f"audit chain BROKEN at event {report.first_bad_id} "
        f"(after {report.checked - 1} good events): {report.reason}",
        err=True,
    )
    raise typer.Exit(1)
