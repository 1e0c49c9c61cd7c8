"""``kc users``: the accounts that may write projects and reports through the web server.

Passwords are read from a hidden prompt (asked twice), or from standard input with
``--password-stdin`` for scripts; never from the command line, where other users and the shell
history would see them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from gis.cli.options import pass_settings
from gis.store import accounts
from gis.store.db import connect, database_url
from gis.store.settings import Settings

password_stdin = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of a prompt.",
)


@click.group()
def users() -> None:
    """Accounts: editors of one or more cities, coordinators of all cities."""


@contextmanager
def _cursor(settings: Settings) -> Iterator:
    conn = connect(database_url(settings))
    try:
        with conn, conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("add")
@click.argument("name")
@click.option("--city", "cities", multiple=True, help="A city the editor may write (repeatable).")
@click.option("--coordinator", is_flag=True, help="May write the projects of every city.")
@password_stdin
@pass_settings
def add(
    settings: Settings, name: str, cities: tuple[str, ...], coordinator: bool, password_stdin: bool
) -> None:
    """Create account NAME: an editor (--city lyon --city vienna) or a --coordinator."""
    accounts.check_name(name)
    password = _read_password(password_stdin)
    with _cursor(settings) as cur:
        account = accounts.add_account(cur, name, password, cities=cities, coordinator=coordinator)
    where = "all cities" if account.coordinator else ", ".join(account.cities)
    click.echo(f"Account {account.name} added: {account.role} ({where}).")


@users.command("list")
@pass_settings
def list_(settings: Settings) -> None:
    """List the accounts, their role and cities (never a password or a hash)."""
    with _cursor(settings) as cur:
        found = accounts.list_accounts(cur)
    if not found:
        click.echo("No accounts ('kc users add' creates one).")
    for account in found:
        where = "all cities" if account.coordinator else ", ".join(account.cities)
        click.echo(f"{account.name}\t{account.role}\t{where}")


@users.command("remove")
@click.argument("name")
@pass_settings
def remove(settings: Settings, name: str) -> None:
    """Remove account NAME (what it wrote stays in the history, under its name)."""
    with _cursor(settings) as cur:
        accounts.remove_account(cur, name)
    click.echo(f"Account {name} removed.")


@users.command("passwd")
@click.argument("name")
@password_stdin
@pass_settings
def passwd(settings: Settings, name: str, password_stdin: bool) -> None:
    """Set a new password for account NAME."""
    password = _read_password(password_stdin)
    with _cursor(settings) as cur:
        accounts.set_password(cur, name, password)
    click.echo(f"Password of {name} changed.")
