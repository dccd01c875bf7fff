"""``entcredit search``: operator commands of this feature."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from entcredit.search.service import QueryError, rebuild_index, search_enterprises
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work

app = typer.Typer(help="Enterprise search index.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("reindex")
def reindex_cmd() -> None:
    """Rebuild the whole search index from the register (one transaction, streaming)."""
    engine = make_engine(Settings())
    started = time.perf_counter()
    with unit_of_work(make_session_factory(engine), write_lock=True) as s:
        n = rebuild_index(s)
    vacuum(engine)
    console.print(f"indexed {n:,} enterprises in {time.perf_counter() - started:.1f} s")


def vacuum(engine: Engine) -> None:
    """Fresh statistics, and on PostgreSQL a visibility map so that posting lists are read
    by index-only scans (VACUUM cannot run inside a transaction)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM (ANALYZE) search_names, search_grams")
        return
    with engine.begin() as c:
        c.exec_driver_sql("ANALYZE search_names")
        c.exec_driver_sql("ANALYZE search_grams")


@app.command("find")
def find_cmd(
    query: Annotated[str, typer.Argument(help="Name fragment, code or legal representative.")],
    limit: Annotated[int, typer.Option(min=1, max=50)] = 20,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of an earlier page.")] = None,
) -> None:
    """Search as the portal does and print one page."""
    factory = make_session_factory(make_engine(Settings()))
    try:
        with unit_of_work(factory) as s:
            page = search_enterprises(s, query, limit=limit, cursor=cursor)
    except QueryError as exc:
        raise typer.BadParameter(str(exc)) from exc
    more = "+" if page.total_is_lower_bound else ""
    console.print(f"{page.total}{more} enterprises")
    for h in page.hits:  # tab-separated, whole values: for the eye and for scripts
        typer.echo("\t".join((h.uscc, h.name, h.match, h.matched_name or "", h.legal_rep)))
    if page.next_cursor:
        console.print(f"next: --cursor {page.next_cursor}")
