"""``entcredit search``: operator commands of this feature."""

from __future__ import annotations

import typer

app = typer.Typer(help="search.", no_args_is_help=True)
