"""``entcredit synth generate``: write a synthetic province to a directory."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from entcredit.synth.generator import generate as _generate

app = typer.Typer(
    help="Synthetic province: data files in the exchange standard plus ground truth.",
    no_args_is_help=True,
)


@app.callback()
def _group() -> None:
    """Keeps ``generate`` a sub-command even while it is the only one."""


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a YYYY-MM-DD date") from exc


@app.command("generate")
def generate_cmd(
    out: Annotated[
        Path, typer.Option("--out", help="Output directory (new, or a previous generation).")
    ],
    scale: Annotated[float, typer.Option(help="1.0 = Guangdong (~18.5 M entities).")] = 0.001,
    seed: Annotated[int, typer.Option(help="Same seed and options, same bytes.")] = 20240630,
    start: Annotated[
        str, typer.Option(help="First day of the period (YYYY-MM-DD).")
    ] = "2021-01-01",
    end: Annotated[
        str, typer.Option(help="Last day of the period, the 'as of' date.")
    ] = "2024-06-30",
    messiness: Annotated[float, typer.Option(help="0 = clean; 1 = realistic defects.")] = 1.0,
) -> None:
    """Generate the province and print rows per category and format."""
    began = time.perf_counter()
    try:
        summary = _generate(
            out,
            scale=scale,
            seed=seed,
            start=_parse_date(start),
            end=_parse_date(end),
            messiness=messiness,
        )
    except (ValueError, FileExistsError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    elapsed = time.perf_counter() - began
    formats = list(summary.rows_by_format)
    table = Table(title=f"Synthetic province in {summary.out_dir}")
    table.add_column("category")
    for fmt in formats:
        table.add_column(fmt, justify="right")
    table.add_column("total", justify="right")
    for cat, total in summary.rows_by_category.items():
        per = summary.rows_by_category_format.get(cat, {})
        table.add_row(cat, *(f"{per.get(f, 0):,}" for f in formats), f"{total:,}")
    table.add_row(
        "all", *(f"{summary.rows_by_format[f]:,}" for f in formats), f"{summary.total_rows:,}"
    )
    console = Console()
    console.print(table)
    ents = summary.entities
    console.print(
        f"{summary.files} files, {summary.total_rows:,} rows, {summary.rejected:,} expected "
        f"rejections; entities: {ents.get('enterprise', 0):,} enterprises, "
        f"{ents.get('cooperative', 0):,} cooperatives, {ents.get('individual', 0):,} individual "
        f"businesses; {elapsed:.1f} s ({summary.total_rows / max(elapsed, 1e-9):,.0f} rows/s)"
    )
    console.print(f"manifest: {summary.manifest_path}  truth: {summary.truth_dir}")
