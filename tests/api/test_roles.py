"""The server's login role reads the API views and can do nothing else, and not for long."""

from __future__ import annotations

import psycopg2
import psycopg2.errors
import pytest


@pytest.fixture
def reader(reader_db_url: str):
    conn = psycopg2.connect(reader_db_url)
    yield conn
    conn.close()


def scalar(conn, query: str):
    with conn.cursor() as cur:
        cur.execute(query)
        value = cur.fetchone()[0]
    conn.rollback()
    return value


def test_reads_the_api_views(reader) -> None:
    assert scalar(reader, "SELECT count(*) FROM kc.api_buildings") > 0


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TEMP TABLE scratch (x int)",
        "CREATE TABLE kc.scratch (x int)",
        "CREATE TABLE public.scratch (x int)",
        "DELETE FROM kc.building_validity",
        "SELECT count(*) FROM kc.building_validity",
    ],
)
def test_cannot_create_write_or_read_behind_the_views(reader, statement) -> None:
    with pytest.raises(psycopg2.Error) as err, reader.cursor() as cur:
        cur.execute(statement)
    reader.rollback()
    assert isinstance(
        err.value, psycopg2.errors.InsufficientPrivilege | psycopg2.errors.ReadOnlySqlTransaction
    ), err.value


def test_even_in_a_read_write_transaction_no_temp_table(reader) -> None:
    with pytest.raises(psycopg2.errors.InsufficientPrivilege), reader.cursor() as cur:
        cur.execute("SET TRANSACTION READ WRITE")
        cur.execute("CREATE TEMP TABLE scratch (x int)")
    reader.rollback()


def test_queries_and_idle_transactions_are_time_limited(reader) -> None:
    assert scalar(reader, "SHOW statement_timeout") == "30s"
    assert scalar(reader, "SHOW idle_in_transaction_session_timeout") == "1min"
    assert scalar(reader, "SHOW default_transaction_read_only") == "on"
