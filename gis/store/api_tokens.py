"""Bearer tokens of accounts (``kc_auth.api_token``, migration 0057) for the OGC API's writes.

A token lets a platform or a script write as an account without its password. It is
``kct_`` + 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits), shown once when
made; the database keeps only its SHA-256 (a fast hash suffices at that entropy, and the server
finds a token by an index instead of trying every Argon2 hash). A token expires; a revoked one
stays listed with the time it was revoked. Nothing here logs or returns a token after
:func:`add_token`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import psycopg2.extensions

from gis.store.accounts import Account, AccountError, check_name

PREFIX = "kct_"
#: Days a token is valid when nothing else is asked; at most ``MAX_DAYS``.
DEFAULT_DAYS = 90
MAX_DAYS = 366


@dataclass(frozen=True)
class TokenInfo:
    """What ``kc users token list`` shows of a token (never the token or its hash)."""

    token_id: int
    account: str
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    def state(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "valid"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(value: str) -> bool:
    """Whether ``value`` has a token's shape (a cheap refusal before any database lookup)."""
    return value.startswith(PREFIX) and 20 <= len(value) <= 200 and value.isascii()


def add_token(
    cur: psycopg2.extensions.cursor, account: str, *, days: int = DEFAULT_DAYS, label: str = ""
) -> tuple[int, str]:
    """A new token of ``account`` valid for ``days``: ``(id, token)``; the token is not kept."""
    check_name(account)
    if not 1 <= days <= MAX_DAYS:
        raise AccountError(f"a token is valid for 1 to {MAX_DAYS} days, not {days}")
    cur.execute("SELECT 1 FROM kc_auth.account WHERE name = %s", (account,))
    if cur.fetchone() is None:
        raise AccountError(f"no account {account!r} ('kc users add' creates one)")
    token = PREFIX + secrets.token_urlsafe(32)
    cur.execute(
        "INSERT INTO kc_auth.api_token (account, label, token_sha256, expires_at) "
        "VALUES (%s, %s, %s, now() + make_interval(days => %s)) RETURNING token_id",
        (account, label, token_digest(token), days),
    )
    return cur.fetchone()[0], token


def list_tokens(cur: psycopg2.extensions.cursor, account: str | None = None) -> list[TokenInfo]:
    cur.execute(
        "SELECT token_id, account, label, created_at, expires_at, revoked_at, last_used_at "
        "FROM kc_auth.api_token WHERE %(account)s IS NULL OR account = %(account)s "
        "ORDER BY token_id",
        {"account": account},
    )
    return [TokenInfo(*row) for row in cur.fetchall()]


def revoke_token(cur: psycopg2.extensions.cursor, token_id: int) -> TokenInfo:
    """Revoke token ``token_id`` from now on (revoking it again changes nothing)."""
    cur.execute(
        "UPDATE kc_auth.api_token SET revoked_at = coalesce(revoked_at, now()) "
        "WHERE token_id = %s RETURNING token_id, account, label, created_at, expires_at, "
        "revoked_at, last_used_at",
        (token_id,),
    )
    row = cur.fetchone()
    if row is None:
        raise AccountError(f"no token {token_id} ('kc users token list' shows them)")
    return TokenInfo(*row)


def token_account(cur: psycopg2.extensions.cursor, token: str) -> Account | None:
    """The account of a valid (known, unexpired, unrevoked) ``token``, else None.

    Its use is noted at most once a minute: the update locks the token's row, and concurrent
    writes with one token should not queue behind each other for a timestamp.
    """
    if not looks_like_token(token):
        return None
    cur.execute(
        "SELECT t.token_id, a.name, a.coordinator, coalesce(array_agg(c.city_code ORDER BY "
        "c.city_code) FILTER (WHERE c.city_code IS NOT NULL), '{}') FROM kc_auth.api_token t "
        "JOIN kc_auth.account a ON a.name = t.account "
        "LEFT JOIN kc_auth.account_city c ON c.account = a.name "
        "WHERE t.token_sha256 = %s AND t.revoked_at IS NULL AND t.expires_at > now() "
        "GROUP BY t.token_id, a.name",
        (token_digest(token),),
    )
    row = cur.fetchone()
    if row is None:
        return None
    cur.execute(
        "UPDATE kc_auth.api_token SET last_used_at = now() WHERE token_id = %s "
        "AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        (row[0],),
    )
    return Account(row[1], row[2], tuple(row[3]))
