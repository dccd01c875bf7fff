"""``entcredit users ...`` and ``entcredit tokens ...``: staff accounts and department API
tokens from the operator's shell. Each command runs in one unit of work."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from entcredit.audit.models import utcnow
from entcredit.audit.service import SYSTEM_ACTOR
from entcredit.identity.rules import PasswordPolicyError, Role
from entcredit.identity.service import (
    IdentityError,
    create_user,
    issue_token,
    list_tokens,
    list_users,
    revoke_token,
    set_user_active,
)
from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory, unit_of_work

app = typer.Typer(help="Staff users and department API tokens.", no_args_is_help=True)
users_app = typer.Typer(help="Staff user accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="Department API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")


@contextmanager
def cli_unit_of_work(*, write: bool = True) -> Iterator[Session]:
    """Settings from the environment, an engine, one transaction (writers take SQLite's
    write lock up front); identity errors become a clear message and exit status 2."""
    settings = Settings()
    engine = make_engine(settings)
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    try:
        with unit_of_work(make_session_factory(bind)) as session:
            yield session
    except PasswordPolicyError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2) from exc
    except IdentityError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name (a-z, 0-9, _ . -).")],
    role: Annotated[list[Role], typer.Option(help="Role; repeat for several.")],
    dept_code: Annotated[
        str | None, typer.Option(help="Department code (required for department_staff).")
    ] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in pages.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff user."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with cli_unit_of_work() as session:
        user = create_user(
            session,
            username=username,
            password=password,
            roles=frozenset(role),
            dept_code=dept_code,
            display_name=display_name,
            actor=SYSTEM_ACTOR,
        )
        typer.echo(f"created user {user.username} (id {user.id})")


@users_app.command("list")
def users_list() -> None:
    """List staff users."""
    with cli_unit_of_work(write=False) as session:
        for user in list_users(session):
            roles = ",".join(sorted(r.value for r in user.roles))
            state = "active" if user.is_active else "disabled"
            last = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "-"
            typer.echo(f"{user.id}\t{user.username}\t{roles}\t{state}\tlast login {last}")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account and end its sessions at once."""
    with cli_unit_of_work() as session:
        set_user_active(session, username=username, active=False, actor=SYSTEM_ACTOR)
        typer.echo(f"disabled {username}")


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Enable a disabled account."""
    with cli_unit_of_work() as session:
        set_user_active(session, username=username, active=True, actor=SYSTEM_ACTOR)
        typer.echo(f"enabled {username}")


@tokens_app.command("issue")
def tokens_issue(
    dept_code: Annotated[str, typer.Option(help="Department the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for (shown in listings).")],
    expires_days: Annotated[
        int | None, typer.Option(min=1, help="Expire after this many days (default: never).")
    ] = None,
) -> None:
    """Issue a token. The secret is printed once, on standard output, and never again."""
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    with cli_unit_of_work() as session:
        issued = issue_token(
            session, dept_code=dept_code, name=name, expires_at=expires_at, actor=SYSTEM_ACTOR
        )
        token_id = issued.id
        plaintext = issued.plaintext
    # Printed after the commit: a token is never shown unless it exists.
    typer.echo(f"token {token_id} for {dept_code}; store it now, it is not shown again:", err=True)
    typer.echo(plaintext)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    with cli_unit_of_work() as session:
        token = revoke_token(session, token_id, actor=SYSTEM_ACTOR)
        assert token.revoked_at is not None
        typer.echo(f"revoked token {token.id} at {token.revoked_at.isoformat(timespec='seconds')}")


@tokens_app.command("list")
def tokens_list(
    dept_code: Annotated[str | None, typer.Option(help="Only this department.")] = None,
) -> None:
    """List tokens (prefixes only; secrets are never stored)."""
    with cli_unit_of_work(write=False) as session:
        for token, code in list_tokens(session, dept_code):
            if token.revoked_at is not None:
                state = "revoked"
            elif token.expires_at is not None and token.expires_at <= utcnow():
                state = "expired"
            else:
                state = "active"
            used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "-"
            typer.echo(
                f"{token.id}\t{code}\tect_{token.token_prefix}…\t{token.name}\t{state}"
                f"\tlast used {used}"
            )
