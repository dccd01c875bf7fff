"""``entcredit analytics ...``: the Parquet snapshot batch work reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from entcredit.analytics.snapshot import export_snapshot
from entcredit.settings import Settings
from entcredit.store.db import make_engine

app = typer.Typer(help="Analytics over a Parquet snapshot of the store.", no_args_is_help=True)


@app.command("snapshot")
def snapshot_cmd(
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write (replaced whole); default DATA_DIR/snapshot."),
    ] = None,
) -> None:
    """Write a consistent Parquet snapshot of the register and the records."""
    settings = Settings()
    folder = out or settings.data_dir / "snapshot"
    snap = export_snapshot(make_engine(settings), folder, taken_at=datetime.now(UTC))
    t = Table("table", "rows", title=f"snapshot {snap.folder} ({snap.taken_at:%Y-%m-%d %H:%M} UTC)")
    for f in snap.tables:
        t.add_row(f.table, f"{f.rows:,}")
    Console(stderr=True).print(t)
