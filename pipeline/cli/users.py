"""`infracast users`: editor accounts for the web app, and API tokens."""

from __future__ import annotations

import getpass
import sys

import click

from pipeline.cli.app import (
    Context,
    cli,
    out,
    pass_ctx,
)
from pipeline.errors import InputError


@cli.group()
def users() -> None:
    """Editor accounts for the web app, and API tokens."""


@users.command(name="add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (scripts).")
@pass_ctx
def users_add(c: Context, name: str, password_stdin: bool) -> None:
    """Add an editor who can sign in (asks for the password twice)."""
    from pipeline import accounts

    password = _new_password(password_stdin)
    user = accounts.add_user(c.store, name, password)
    out.print(f"added user {user.name}")


@users.command(name="password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (scripts).")
@pass_ctx
def users_password(c: Context, name: str, password_stdin: bool) -> None:
    """Change a password; the user's browser sessions end."""
    from pipeline import accounts

    accounts.set_password(c.store, name, _new_password(password_stdin))
    out.print(f"changed the password of {name}; their sessions are signed out")


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise InputError("the two passwords differ")
    return first


@users.command(name="list")
@pass_ctx
def users_list(c: Context) -> None:
    """List the editors."""
    for user in c.store.accounts.users():
        out.print(user.name, markup=False)


@users.command(name="token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (shown nowhere but the DB).")
@pass_ctx
def users_token(c: Context, name: str, label: str) -> None:
    """Make an API token for NAME and print it (once: only its hash is kept)."""
    from pipeline import accounts

    click.echo(accounts.new_api_token(c.store, name, label))


@users.command(name="signout")
@click.argument("name")
@pass_ctx
def users_signout(c: Context, name: str) -> None:
    """End every browser session of NAME and revoke their API tokens."""
    user = c.store.accounts.user_by_name(name)
    if user is None:
        raise InputError(f"there is no user called {name!r}")
    sessions = c.store.accounts.delete_sessions(user.id)
    tokens = c.store.accounts.delete_api_tokens(user.id)
    out.print(f"{name}: ended {sessions} session(s), revoked {tokens} token(s)")
