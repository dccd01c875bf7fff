"""``entcredit ingest ...``: load files and folders, list batches, export problem reports."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from entcredit.ingest.checking import IngestError
from entcredit.ingest.context import IngestContext
from entcredit.ingest.export import iter_issue_report
from entcredit.ingest.pipeline import LoadOptions
from entcredit.ingest.readers import SourceError
from entcredit.ingest.report import BatchReport
from entcredit.ingest.service import load_path
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work
from entcredit.store.models import IngestBatch, Record

app = typer.Typer(
    help="Load department files into the store and inspect batches.", no_args_is_help=True
)
console = Console(stderr=True)

DATA_SUFFIXES = (".csv", ".xlsx", ".jsonl", ".ndjson")


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; folders expand to their data files in file-name order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in DATA_SUFFIXES))
        else:
            out.append(p)
    return out


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """Per-file options written by the synthetic generator or an operator
    (``manifest.json``: files with their dept_code and received_on)."""
    path = folder / "manifest.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return {f["name"]: f for f in data.get("files", [])}


def summary_table(reports: list[BatchReport]) -> Table:
    t = Table(title="Ingest summary")
    for col in (
        "file",
        "category",
        "read",
        "new",
        "corrected",
        "unchanged",
        "withdrawn",
        "rejected",
        "unlinked",
        "late",
        "rows/s",
    ):
        t.add_column(col, justify="left" if col in ("file", "category") else "right")
    for r in reports:
        rate = r.rows_read / r.elapsed_seconds if r.elapsed_seconds else 0
        t.add_row(
            r.source_name,
            r.category,
            *(
                str(x)
                for x in (
                    r.rows_read,
                    r.rows_new,
                    r.rows_corrected,
                    r.rows_unchanged,
                    r.rows_withdrawn,
                    r.rows_rejected,
                    r.rows_unlinked,
                    r.rows_late,
                )
            ),
            f"{rate:,.0f}",
        )
    return t


@app.command("load")
def load_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders (folders load in file-name order).")
    ],
    category: Annotated[
        str | None, typer.Option(help="Category; inferred from the headers if omitted.")
    ] = None,
    dept: Annotated[
        str | None, typer.Option("--dept", help="dept_code for files without that column.")
    ] = None,
    received_on: Annotated[
        str | None,
        typer.Option(help="Date the data was received (migrating history); default today."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the reports as JSON on stdout.")
    ] = False,
    submitted_by: Annotated[
        str, typer.Option(help="Actor recorded in the audit log.")
    ] = "operator:cli",
    strict: Annotated[
        bool, typer.Option(help="Exit with status 2 when any row was rejected (for scripts).")
    ] = False,
) -> None:
    """Load files; each file is one atomic batch. Exit status: 0 loaded, 1 a file was refused
    whole (nothing of it stored), 2 with --strict when rows were rejected."""
    settings = Settings()
    ctx = IngestContext.from_settings(settings)
    factory = make_session_factory(make_engine(settings))
    # Operators load daily: the place to hear, from November on, that next year's
    # working-day calendar is missing (deadlines into it are provisional until it is added).
    today = ctx.today()
    if warning := ctx.calendar.missing_year_warning(today, settings.calendar_warn_from_month):
        console.print(f"[yellow]{warning}[/yellow]")
    manifests: dict[str, dict[str, Any]] = {}
    for p in paths:
        if p.is_dir():
            manifests.update(read_manifest(p))
    reports: list[BatchReport] = []
    failed = False
    for path in expand_paths(paths):
        m = manifests.get(path.name, {})
        rec = received_on or m.get("received_on")
        options = LoadOptions(
            category=category or m.get("category"),
            dept_code=dept or m.get("dept_code"),
            received_on=date.fromisoformat(rec) if rec else None,
            submitted_by=submitted_by,
        )
        try:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                disable=as_json,
            ) as bar:
                task = bar.add_task(path.name)

                def tick(
                    n: int, task: Any = task, bar: Progress = bar, name: str = path.name
                ) -> None:
                    bar.update(task, description=f"{name}: {n:,} rows")
                    if not console.is_terminal and not as_json:
                        # Plain lines for logs and supervisors when there is no terminal.
                        console.print(f"progress: {name} {n} rows", highlight=False)

                reports.append(load_path(factory, ctx, path, options, tick))
        except (SourceError, IngestError, OSError) as exc:
            failed = True
            console.print(f"[red]refused[/red] {path}: {exc} (nothing stored from this file)")
    if as_json:
        sys.stdout.write(
            json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=1) + "\n"
        )
    else:
        console.print(summary_table(reports))
        for r in reports:
            for reason, n in list(r.rejected_by_reason.most_common())[:5]:
                console.print(f"  {r.source_name}: {n} × {reason}")
            if r.unknown_columns:
                console.print(
                    f"  {r.source_name}: unknown columns kept aside: {', '.join(r.unknown_columns)}"
                )
    if failed:
        raise typer.Exit(1)
    if strict and any(r.rows_rejected for r in reports):
        raise typer.Exit(2)


@app.command("batches")
def batches_cmd(limit: int = 20) -> None:
    """The latest batches."""
    settings = Settings()
    factory = make_session_factory(make_engine(settings))
    with unit_of_work(factory) as s:
        t = Table("id", "received", "category", "file", "read", "rejected", "by")
        for b in s.scalars(select(IngestBatch).order_by(IngestBatch.id.desc()).limit(limit)):
            t.add_row(
                str(b.id),
                str(b.received_on),
                b.category,
                b.source_name,
                str(b.rows_read),
                str(b.rows_rejected),
                b.submitted_by,
            )
        Console().print(t)


@app.command("report")
def report_cmd(batch_id: int, out: Annotated[Path | None, typer.Option()] = None) -> None:
    """Write a batch's problem report (rejected rows and warnings) as CSV."""
    settings = Settings()
    factory = make_session_factory(make_engine(settings))
    with unit_of_work(factory) as s:
        batch = s.get(IngestBatch, batch_id)
        if batch is None:
            console.print(f"[red]no batch {batch_id}[/red]")
            raise typer.Exit(1)
        stream = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        try:
            for line in iter_issue_report(s, batch):
                stream.write(line)
        finally:
            if out:
                stream.close()


@app.command("unlinked")
def unlinked_cmd() -> None:
    """Records waiting for their enterprise to be registered, by category."""
    settings = Settings()
    factory = make_session_factory(make_engine(settings))
    with unit_of_work(factory) as s:
        rows = s.execute(
            select(Record.category, func.count())
            .where(Record.enterprise_id.is_(None))
            .group_by(Record.category)
            .order_by(Record.category)
        ).all()
        t = Table("category", "unlinked records")
        for cat, n in rows:
            t.add_row(cat, str(n))
        Console().print(t)
