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
from gis.store import accounts, api_tokens
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


@users.group("token")
def token() -> None:
    """Bearer tokens: an account's writes over the OGC API without its password."""


@token.command("add")
@click.argument("name")
@click.option(
    "--days",
    type=click.IntRange(1, api_tokens.MAX_DAYS),
    default=api_tokens.DEFAULT_DAYS,
    show_default=True,
    help="Days until the token expires.",
)
@click.option("--label", default="", help="What the token is for (shown by 'token list').")
@pass_settings
def token_add(settings: Settings, name: str, days: int, label: str) -> None:
    """Make a token for account NAME and print it once (only its SHA-256 is kept).

    The token alone goes to standard output (TOKEN=$(kc users token add anne)); send it as
    'Authorization: Bearer <token>'. It writes with the account's cities until it expires or
    is revoked.
    """
    with _cursor(settings) as cur:
        token_id, secret = api_tokens.add_token(cur, name, days=days, label=label)
    click.echo(
        f"Token {token_id} of {name}, valid for {days} days. It is shown only now: keep it "
        "like a password.",
        err=True,
    )
    click.echo(secret)


@token.command("list")
@click.argument("name", required=False)
@pass_settings
def token_list(settings: Settings, name: str | None) -> None:
    """List the tokens (of account NAME): id, account, state, expiry, last use, label."""
    with _cursor(settings) as cur:
        cur.execute("SELECT now()")
        (now,) = cur.fetchone()
        found = api_tokens.list_tokens(cur, name)
    if not found:
        click.echo("No tokens ('kc users token add NAME' makes one).")
    for info in found:
        used = f"{info.last_used_at:%Y-%m-%d %H:%M}" if info.last_used_at else "never used"
        click.echo(
            f"{info.token_id}\t{info.account}\t{info.state(now)}\t"
            f"expires {info.expires_at:%Y-%m-%d %H:%M}\t{used}\t{info.label}"
        )


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_settings
def token_revoke(settings: Settings, token_id: int) -> None:
    """Revoke token TOKEN_ID (from 'token list'): refused from now on, kept in the list."""
    with _cursor(settings) as cur:
        info = api_tokens.revoke_token(cur, token_id)
    click.echo(f"Token {info.token_id} of {info.account} revoked.")
