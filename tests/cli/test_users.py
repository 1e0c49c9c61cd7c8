"""``kc users``: accounts with Argon2 hashes, passwords read from stdin and never shown."""

from __future__ import annotations

from click.testing import CliRunner

from gis.cli import main
from gis.store import accounts
from gis.store.db import connect
from tests.databases import query

PASSWORD = "correct horse battery staple"


def kc_stdin(db_url: str, stdin: str, *args: str):
    return CliRunner().invoke(
        main, list(args), input=stdin, env={"KC_DATABASE_URL": db_url}, catch_exceptions=False
    )


def test_add_list_passwd_remove(db_url: str) -> None:
    added = kc_stdin(
        db_url,
        PASSWORD + "\n",
        "users",
        "add",
        "anne",
        "--city",
        "lyon",
        "--city",
        "vienna",
        "--password-stdin",
    )
    assert added.exit_code == 0, added.output
    assert "editor (lyon, vienna)" in added.output and PASSWORD not in added.output
    coordinator = kc_stdin(
        db_url, PASSWORD + "\n", "users", "add", "cora", "--coordinator", "--password-stdin"
    )
    assert coordinator.exit_code == 0, coordinator.output
    [(stored,)] = query(db_url, "SELECT password_hash FROM kc_auth.account WHERE name = 'anne'")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    listed = kc_stdin(db_url, "", "users", "list")
    assert listed.output.splitlines() == [
        "anne\teditor\tlyon, vienna",
        "cora\tcoordinator\tall cities",
    ]
    assert "argon2" not in listed.output

    conn = connect(db_url)
    try:
        with conn.cursor() as cur:
            anne = accounts.authenticate(cur, "anne", PASSWORD)
            assert anne == accounts.Account("anne", False, ("lyon", "vienna"))
            assert anne.may_write("lyon") and not anne.may_write("munich")
            assert accounts.authenticate(cur, "anne", PASSWORD + "x") is None
            assert accounts.authenticate(cur, "nobody", PASSWORD) is None
        conn.rollback()
        new = "another long passphrase"
        assert (
            kc_stdin(db_url, new + "\n", "users", "passwd", "anne", "--password-stdin").exit_code
            == 0
        )
        with conn.cursor() as cur:
            assert accounts.authenticate(cur, "anne", PASSWORD) is None
            assert accounts.authenticate(cur, "anne", new) is not None
        conn.rollback()
    finally:
        conn.close()
    removed = kc_stdin(db_url, "", "users", "remove", "anne")
    assert removed.exit_code == 0 and query(db_url, "SELECT count(*) FROM kc_auth.account") == [
        (1,)
    ]


def test_refusals_say_what_is_expected(db_url: str) -> None:
    short = kc_stdin(db_url, "short\n", "users", "add", "bob", "--city", "lyon", "--password-stdin")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    assert "short\n" not in short.output.replace("Error", "")
    both = kc_stdin(
        db_url,
        PASSWORD + "\n",
        "users",
        "add",
        "bob",
        "--city",
        "lyon",
        "--coordinator",
        "--password-stdin",
    )
    assert both.exit_code != 0 and "not both" in both.output
    city = kc_stdin(
        db_url, PASSWORD + "\n", "users", "add", "bob", "--city", "paris", "--password-stdin"
    )
    assert city.exit_code != 0 and "unknown city paris" in city.output and "lyon" in city.output
    name = kc_stdin(
        db_url, PASSWORD + "\n", "users", "add", "Bob Smith", "--city", "lyon", "--password-stdin"
    )
    assert name.exit_code != 0 and "invalid account name" in name.output
    assert kc_stdin(db_url, "", "users", "remove", "nobody").exit_code != 0
    assert query(db_url, "SELECT count(*) FROM kc_auth.account") == [(0,)]


def test_a_password_change_does_not_change_the_served_data_version(db_url: str) -> None:
    kc_stdin(db_url, PASSWORD + "\n", "users", "add", "anne", "--city", "lyon", "--password-stdin")
    before = query(db_url, "SELECT version FROM kc.data_change")
    kc_stdin(db_url, "yet another passphrase\n", "users", "passwd", "anne", "--password-stdin")
    kc_stdin(db_url, "", "users", "remove", "anne")
    assert query(db_url, "SELECT version FROM kc.data_change") == before


def test_token_add_refuses_unknown_accounts_and_bad_lifetimes(db_url: str) -> None:
    unknown = kc_stdin(db_url, "", "users", "token", "add", "nobody")
    assert unknown.exit_code != 0 and "no account 'nobody'" in unknown.output
    assert query(db_url, "SELECT count(*) FROM kc_auth.api_token") == [(0,)]
    added = kc_stdin(db_url, PASSWORD + "\n", "users", "add", "anne", "--city", "lyon",
                     "--password-stdin")  # fmt: skip
    assert added.exit_code == 0, added.output
    too_long = kc_stdin(db_url, "", "users", "token", "add", "anne", "--days", "400")
    assert too_long.exit_code == 2 and "400" in too_long.output
    made = kc_stdin(db_url, "", "users", "token", "add", "anne", "--days", "7")
    assert made.exit_code == 0 and made.stdout.startswith("kct_")
    [(days,)] = query(db_url, "SELECT round(extract(epoch FROM expires_at - created_at) / 86400) "
                              "FROM kc_auth.api_token")  # fmt: skip
    assert days == 7
    missing = kc_stdin(db_url, "", "users", "token", "revoke", "999")
    assert missing.exit_code != 0 and "no token 999" in missing.output
    # Removing the account removes its tokens.
    assert kc_stdin(db_url, "", "users", "remove", "anne").exit_code == 0
    assert query(db_url, "SELECT count(*) FROM kc_auth.api_token") == [(0,)]
