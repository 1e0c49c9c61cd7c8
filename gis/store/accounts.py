"""Accounts of editors and coordinators (schema ``kc_auth``, migration 0043) and their passwords.

An editor writes the projects and reports of the cities listed for the account; a coordinator
those of every city; anyone else only reads. Passwords are kept as Argon2id hashes
(argon2-cffi's defaults, RFC 9106's second recommended parameter set); a password never leaves
the functions that hash or check it, and no message quotes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import argon2
import psycopg2.extensions

from gis.store.errors import KCError

NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,62}$")
#: Shorter passwords are refused: the web form and the API are reachable from the network.
MIN_PASSWORD = 12
_HASHER = argon2.PasswordHasher()
#: A hash checked when the account does not exist, so that an unknown name costs as long as a
#: wrong password (no timing oracle for which names exist).
_DUMMY_HASH = _HASHER.hash("kc-no-such-account-placeholder")


class AccountError(KCError):
    """An account cannot be created, changed or found as asked."""


@dataclass(frozen=True)
class Account:
    """Who is writing: an editor of ``cities`` or a coordinator (every city)."""

    name: str
    coordinator: bool
    cities: tuple[str, ...]

    def may_write(self, city: str) -> bool:
        return self.coordinator or city in self.cities

    @property
    def role(self) -> str:
        return "coordinator" if self.coordinator else "editor"


def hash_password(password: str) -> str:
    """The Argon2id hash (PHC string) of ``password``; too short a password is refused."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from (None: no such account)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise AccountError(
            f"invalid account name {name!r}: expected 2-63 lower-case letters, digits, "
            "'.', '_', '@' or '-', starting with a letter or digit"
        )
    return name


def add_account(
    cur: psycopg2.extensions.cursor,
    name: str,
    password: str,
    *,
    cities: Sequence[str] = (),
    coordinator: bool = False,
) -> Account:
    """Create an editor of ``cities`` or a coordinator (caller's transaction)."""
    check_name(name)
    if coordinator == bool(cities):
        raise AccountError(
            "an account is either an editor of one or more cities (--city) or a coordinator "
            "(--coordinator), not both and not neither"
        )
    cur.execute("SELECT code FROM kc.city")
    known = {code for (code,) in cur.fetchall()}
    unknown = sorted(set(cities) - known)
    if unknown:
        raise AccountError(
            f"unknown cit{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}: "
            f"expected {', '.join(sorted(known))}"
        )
    cur.execute("SELECT 1 FROM kc_auth.account WHERE name = %s", (name,))
    if cur.fetchone():
        raise AccountError(f"account {name!r} exists already ('kc users passwd' changes it)")
    cur.execute(
        "INSERT INTO kc_auth.account (name, password_hash, coordinator) VALUES (%s, %s, %s)",
        (name, hash_password(password), coordinator),
    )
    cur.executemany(
        "INSERT INTO kc_auth.account_city (account, city_code) VALUES (%s, %s)",
        [(name, city) for city in sorted(set(cities))],
    )
    return Account(name, coordinator, tuple(sorted(set(cities))))


def list_accounts(cur: psycopg2.extensions.cursor) -> list[Account]:
    cur.execute(
        "SELECT a.name, a.coordinator, coalesce(array_agg(c.city_code ORDER BY c.city_code) "
        "FILTER (WHERE c.city_code IS NOT NULL), '{}') FROM kc_auth.account a "
        "LEFT JOIN kc_auth.account_city c ON c.account = a.name GROUP BY a.name ORDER BY a.name"
    )
    return [Account(name, coord, tuple(cities)) for name, coord, cities in cur.fetchall()]


def remove_account(cur: psycopg2.extensions.cursor, name: str) -> None:
    """Remove an account; what it wrote stays, recorded under its name."""
    cur.execute("DELETE FROM kc_auth.account WHERE name = %s", (name,))
    if cur.rowcount == 0:
        raise AccountError(f"no account {name!r}")


def set_password(cur: psycopg2.extensions.cursor, name: str, password: str) -> None:
    cur.execute(
        "UPDATE kc_auth.account SET password_hash = %s, password_changed_at = now() "
        "WHERE name = %s",
        (hash_password(password), name),
    )
    if cur.rowcount == 0:
        raise AccountError(f"no account {name!r}")


def authenticate(cur: psycopg2.extensions.cursor, name: str, password: str) -> Account | None:
    """The account when ``password`` is its password, else None (same cost either way)."""
    cur.execute(
        "SELECT a.password_hash, a.coordinator, coalesce(array_agg(c.city_code ORDER BY "
        "c.city_code) FILTER (WHERE c.city_code IS NOT NULL), '{}') FROM kc_auth.account a "
        "LEFT JOIN kc_auth.account_city c ON c.account = a.name WHERE a.name = %s "
        "GROUP BY a.name",
        (name,),
    )
    row = cur.fetchone()
    if not password_matches(row[0] if row else None, password) or row is None:
        return None
    return Account(name, row[1], tuple(row[2]))


#: Wrong passwords for one account name within ``FAILURE_WINDOW`` before attempts are refused.
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)


def too_many_failures(cur: psycopg2.extensions.cursor, name: str) -> bool:
    """Whether ``name`` had ``MAX_FAILURES`` wrong passwords within the window (migration 0044)."""
    cur.execute(
        "SELECT count(*) FROM kc_auth.login_failure WHERE account = %s AND failed_at > now() - %s",
        (name, FAILURE_WINDOW),
    )
    return cur.fetchone()[0] >= MAX_FAILURES


def login(cur: psycopg2.extensions.cursor, name: str, password: str) -> Account | None:
    """:func:`authenticate`, recording a failure (committed with the caller's transaction) or
    clearing the failures on success. Check :func:`too_many_failures` first."""
    account = authenticate(cur, name, password)
    if account is None:
        cur.execute("INSERT INTO kc_auth.login_failure (account) VALUES (%s)", (name,))
    else:
        cur.execute("DELETE FROM kc_auth.login_failure WHERE account = %s", (name,))
    return account
