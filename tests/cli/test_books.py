"""``kc books build``: the command line, the default folder under KC_HOME, PDF and bad input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gis.books.pdf import pdf_unavailable
from gis.cli import main
from tests.books.fixture import load_fixture


def run(db_url: str, home: Path, *args: str):
    env = {"KC_DATABASE_URL": db_url, "KC_HOME": str(home)}
    return CliRunner().invoke(main, ["books", "build", *args], env=env, catch_exceptions=False)


def test_build_one_point_and_language_with_pdf_into_kc_home(
    conn, db_url: str, tmp_path: Path
) -> None:
    load_fixture(conn)
    assert pdf_unavailable() is None, pdf_unavailable()
    result = run(db_url, tmp_path, "--at", "PM24", "--lang", "de")
    assert result.exit_code == 0, result.output
    books = tmp_path / "books"
    assert "Built 8 HTML page(s), 6 PDF(s) for PM24 in de" in result.output
    pdf = (books / "PM24" / "de" / "e_mobility.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5000
    # The same again: nothing changed, nothing is written, and the output says so.
    result = run(db_url, tmp_path, "--at", "PM24", "--lang", "de")
    assert result.exit_code == 0, result.output
    assert "Nothing to rebuild: 8 HTML page(s) and 6 PDF(s) up to date for PM24 in de" in (
        result.output
    )
    assert (books / "PM24" / "de" / "e_mobility.pdf").read_bytes() == pdf
    index = json.loads((books / "index.json").read_text())
    assert [e["point"] for e in index["books"]] == ["PM24"]
    assert index["books"][0]["index"] == {"de": "PM24/de/index.html"}
    assert not (books / "PM18").exists() and not (books / "PM24" / "en").exists()
    # A second point later: the index now lists both, in time order.
    result = run(db_url, tmp_path, "--at", "PM18", "--lang", "en", "--no-pdf")
    assert result.exit_code == 0, result.output
    index = json.loads((books / "index.json").read_text())
    assert [e["point"] for e in index["books"]] == ["PM18", "PM24"]
    assert not (books / "PM18" / "en" / "e_mobility.pdf").exists()


def test_bad_input_is_a_message_and_exit_1(db_url: str, tmp_path: Path) -> None:
    result = run(db_url, tmp_path, "--at", "PM99")
    assert result.exit_code == 1
    assert (
        "unknown measurement point PM99: expected one of start, PM18, PM24, PM30" in result.output
    )
    result = run(db_url, tmp_path, "--at", "PM18", "--all")
    assert result.exit_code == 2 and "either --at POINT or --all" in result.output
    result = run(db_url, tmp_path, "--lang", "it")
    assert result.exit_code == 2 and "'it' is not one of" in result.output


def test_empty_database_builds_an_empty_index(db_url: str, tmp_path: Path) -> None:
    result = run(db_url, tmp_path, "--all")
    assert result.exit_code == 0, result.output
    assert "nothing to build" in result.output
    assert json.loads((tmp_path / "books" / "index.json").read_text()) == {"books": []}
