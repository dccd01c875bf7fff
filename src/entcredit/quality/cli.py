"""``entcredit quality``: operator commands of this feature."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from entcredit.quality.circular import build_circular, circular_pdf, circular_xlsx
from entcredit.quality.findings import send_open
from entcredit.quality.rules import DIMENSIONS
from entcredit.quality.service import rules_of, run_scan
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work

app = typer.Typer(
    help="Data quality: six-dimension scans, findings, circulars.", no_args_is_help=True
)
AsOf = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Scan date (default: today).")
]


def _as_of(value: datetime | None) -> date:
    return value.date() if value is not None else datetime.now(UTC).date()


@app.command("rules")
def rules_cmd() -> None:
    """List the quality rules: code, dimension, severity, title and basis."""
    t = Table("code", "dimension", "severity", "title", "basis", title="quality rules")
    for r in rules_of(Settings()).rules:
        t.add_row(r.code, r.dimension, r.severity, r.title_zh, r.basis)
    Console().print(t)


@app.command("scan")
def scan_cmd(as_of: AsOf = None) -> None:
    """Snapshot the store, run every rule on DuckDB and write the findings back."""
    settings = Settings()
    run = run_scan(make_engine(settings), settings, as_of=_as_of(as_of), taken_at=datetime.now(UTC))
    w = run.written
    t = Table("dimension", "found", "open after", title=f"quality scan as of {_as_of(as_of)}")
    for d in DIMENSIONS:
        t.add_row(d, f"{w.found[d]:,}", f"{w.open_after[d]:,}")
    Console().print(t)
    Console().print(f"opened {w.opened:,}, reopened {w.reopened:,}, rectified {w.rectified:,}")


@app.command("send")
def send_cmd(
    as_of: AsOf = None,
    dept: Annotated[str | None, typer.Option(help="Only this department.")] = None,
) -> None:
    """Send the open findings to their departments (state open -> sent)."""
    settings = Settings()
    with unit_of_work(make_session_factory(make_engine(settings)), write_lock=True) as s:
        n = send_open(s, _as_of(as_of), actor="system", dept_code=dept)
    Console().print(f"sent {n:,} findings")


@app.command("circular")
def circular_cmd(
    period: Annotated[str, typer.Argument(help="YYYY, YYYY-Qn or YYYY-MM.")],
    out: Annotated[Path, typer.Option(help="Folder for circular-PERIOD.pdf/.xlsx.")] = Path("."),
    as_of: AsOf = None,
    lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
) -> None:
    """Write the circular (情况通报) of a period as PDF and XLSX."""
    settings = Settings()
    with unit_of_work(make_session_factory(make_engine(settings))) as s:
        c = build_circular(s, period, issued_on=_as_of(as_of), lang="en" if lang == "en" else "zh")
    out.mkdir(parents=True, exist_ok=True)
    (out / f"circular-{period}.pdf").write_bytes(circular_pdf(c, settings.pdf_font_path))
    (out / f"circular-{period}.xlsx").write_bytes(circular_xlsx(c))
    Console().print(f"wrote {out / f'circular-{period}'}.pdf and .xlsx")
