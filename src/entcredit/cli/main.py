"""The operator's command: ``entcredit``. Every feature mounts its sub-commands here."""

from __future__ import annotations

import json
import secrets
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from entcredit.analytics.cli import app as analytics_app
from entcredit.audit.cli import app as audit_app
from entcredit.credit.cli import app as credit_app
from entcredit.identity.cli import tokens_app, users_app
from entcredit.ingest.cli import app as ingest_app
from entcredit.lists.cli import app as lists_app
from entcredit.opendata.cli import app as opendata_app
from entcredit.quality.cli import app as quality_app
from entcredit.search.cli import app as search_app
from entcredit.settings import Settings
from entcredit.synth.cli import app as synth_app

app = typer.Typer(
    help="entcredit: provincial enterprise credit information platform.", no_args_is_help=True
)
app.add_typer(ingest_app, name="ingest")
app.add_typer(synth_app, name="synth")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(analytics_app, name="analytics")
app.add_typer(lists_app, name="lists")
app.add_typer(credit_app, name="credit")
app.add_typer(opendata_app, name="opendata")
app.add_typer(search_app, name="search")
app.add_typer(quality_app, name="quality")
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
calendar_app = typer.Typer(help="The official working-day calendar.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(calendar_app, name="calendar")
console = Console(stderr=True)


def _as_of(value: str | None) -> date:
    # The clock is read here, at the edge, and passed in as a date.
    return date.fromisoformat(value) if value else date.today()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version."""
    from entcredit.store.db import make_engine
    from entcredit.store.migrate import upgrade

    settings = Settings()
    upgrade(make_engine(settings))
    console.print(f"schema up to date: {settings.effective_database_url.split('@')[-1]}")


@app.command("publish")
def publish_cmd(
    as_of: Annotated[str | None, typer.Option(help="Publication date (default today).")] = None,
) -> None:
    """Publish every received record not yet published (the scheduled publish step)."""
    from entcredit.ingest.service import publish_due
    from entcredit.store.db import make_engine, make_session_factory, unit_of_work

    settings = Settings()
    with unit_of_work(make_session_factory(make_engine(settings))) as s:
        n = publish_due(s, _as_of(as_of))
    console.print(f"published {n} records")


@calendar_app.command("status")
def calendar_status(as_of: Annotated[str | None, typer.Option()] = None) -> None:
    """Years the calendar covers, and a warning when next year is missing."""
    from entcredit.core.calendar import WorkCalendar

    settings = Settings()
    cal = WorkCalendar.from_file(settings.effective_calendar_file)
    years = sorted(cal.covered_years)
    console.print(
        f"covered years: {years[0]}-{years[-1]} (file: {settings.effective_calendar_file})"
    )
    warning = cal.missing_year_warning(_as_of(as_of), settings.calendar_warn_from_month)
    if warning:
        console.print(f"[yellow]{warning}[/yellow]")


@calendar_app.command("recompute")
def calendar_recompute() -> None:
    """Recompute provisional deadlines after a year was added to the calendar file."""
    from entcredit.ingest.context import IngestContext
    from entcredit.ingest.service import recompute_provisional
    from entcredit.store.db import make_engine, make_session_factory, unit_of_work

    settings = Settings()
    ctx = IngestContext.from_settings(settings)
    with unit_of_work(make_session_factory(make_engine(settings))) as s:
        done, still = recompute_provisional(s, ctx)
    console.print(f"recomputed {done} deadlines; {still} still provisional")


@app.command("serve")
def serve_cmd() -> None:
    """Run the web server (settings from ENTCREDIT_*)."""
    import uvicorn

    from entcredit.web.app import create_app

    settings = Settings()
    console.print(f"entcredit listening on http://{settings.host}:{settings.port}/")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@app.command("demo")
def demo_cmd(
    scale: Annotated[float, typer.Option(help="Province scale (1.0 = Guangdong).")] = 0.001,
    seed: int = 20240630,
    serve: Annotated[bool, typer.Option(help="Start the web server afterwards.")] = True,
) -> None:
    """Set up the embedded platform: schema, an administrator, a synthetic province loaded
    through the normal ingest path, then the web server."""
    from entcredit.ingest.cli import load_cmd
    from entcredit.store.db import make_engine, make_session_factory
    from entcredit.store.migrate import upgrade
    from entcredit.synth import generate

    settings = Settings()
    engine = make_engine(settings)
    upgrade(engine)
    synth_dir = settings.data_dir / f"synth-{scale:g}-{seed}"
    if not (synth_dir / "manifest.json").exists():
        console.print(f"generating a synthetic province at scale {scale:g} into {synth_dir}")
        generate(synth_dir, scale=scale, seed=seed, start=date(2021, 1, 1), end=date(2024, 6, 30))
    marker = settings.data_dir / f".loaded-{synth_dir.name}"
    if not marker.exists():
        load_cmd([synth_dir], submitted_by="system:demo")
        marker.write_text("loaded\n")
    _ensure_admin(make_session_factory(engine), settings.data_dir)
    if serve:
        serve_cmd()


def _ensure_admin(factory: object, data_dir: Path) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session, sessionmaker

    from entcredit.identity.models import StaffUser
    from entcredit.identity.rules import Role
    from entcredit.identity.service import create_user
    from entcredit.store.db import unit_of_work

    assert isinstance(factory, sessionmaker)
    cred = data_dir / "admin-credentials.json"
    with unit_of_work(factory) as s:
        assert isinstance(s, Session)
        if s.scalar(select(StaffUser).where(StaffUser.username == "admin")) is None:
            password = secrets.token_urlsafe(18)
            create_user(
                s,
                username="admin",
                password=password,
                roles={Role.regulator_admin},
                display_name="平台管理员",
            )
            cred.write_text(json.dumps({"username": "admin", "password": password}) + "\n")
            cred.chmod(0o600)
    if cred.exists():
        console.print(f"administrator credentials: {cred}")


def main() -> None:  # pragma: no cover - console entry
    app(prog_name="entcredit")
    sys.exit(0)
