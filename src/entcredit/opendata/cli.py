"""``entcredit opendata``: the open-data exports from the shell (same rows and format as
``/api/v1/public/exports/...``), for publishing files on a schedule or a portal mirror."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from entcredit.opendata.exports import FORMATS, export_chunks, record_categories
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory
from entcredit.web.deps import china_today

app = typer.Typer(help="Open-data exports of public records.", no_args_is_help=True)
console = Console(stderr=True)


@app.callback()
def _group() -> None:
    """Keeps ``export`` a sub-command while it is the only one."""


@app.command("export")
def export_cmd(
    category: Annotated[str, typer.Argument(help="A public record category, e.g. penalty.")],
    out: Annotated[Path, typer.Option("--out", help="File to write (replaced whole).")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    as_of: Annotated[
        str | None, typer.Option(help="Day of publicity, YYYY-MM-DD; default today.")
    ] = None,
) -> None:
    """Write every record of CATEGORY the public sees, streamed, to --out."""
    names = {c.name: c for c in record_categories()}
    if category not in names:
        raise typer.BadParameter(f"not a public record category; one of: {', '.join(names)}")
    if fmt not in FORMATS:
        raise typer.BadParameter("--format must be csv or jsonl")
    day = date.fromisoformat(as_of) if as_of else china_today()
    engine = make_engine(Settings())
    part = out.with_name(out.name + ".part")
    size = 0
    try:
        with part.open("wb") as f:
            for chunk in export_chunks(make_session_factory(engine), names[category], day, fmt):
                f.write(chunk)
                size += len(chunk)
        part.replace(out)  # readers never see half a file
    finally:
        part.unlink(missing_ok=True)
        engine.dispose()
    console.print(f"wrote {size:,} bytes of {category} ({fmt}, as of {day}) to {out}")
