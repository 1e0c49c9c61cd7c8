"""The books are self-contained documents that a headless browser renders (screenshots kept)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from gis.books.build import build_books
from tests.books.fixture import load_fixture
from tests.browser import ARTIFACTS, FLAGS

EXTERNAL = re.compile(r"https?:|//|\b(?:src|href)\s*=\s*[\"']?(?:[a-z][a-z0-9+.-]*:|/)", re.I)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "chromium is not installed: run tools/setup.sh (as root) or apt-get install chromium"
        )
    return found


def screenshot(page: Path, target: Path, height: int = 1600) -> Image.Image:
    """Render ``page`` in headless Chromium with no network and return the screenshot."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="kc-chromium-") as profile:
        subprocess.run(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={target}",
                f"--window-size=1280,{height}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    image = Image.open(target)
    image.load()
    return image


def assert_non_trivial(image: Image.Image) -> None:
    assert image.size == (1280, image.size[1]) and image.size[1] >= 800
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 50, "the screenshot is (nearly) a single colour"


@pytest.fixture
def built(conn, tmp_path: Path) -> Path:
    load_fixture(conn)
    out = tmp_path / "books"
    with conn:
        build_books(conn, out, langs=["en", "fr"], pdf=False)
    return out


def test_pages_contain_no_url_and_no_external_resource(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) == 3 * 2 * (6 + 2) + 1
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not EXTERNAL.search(html), (page, EXTERNAL.search(html))
        assert "<link" not in html and "<script" not in html and "<img" not in html
        assert "@import" not in html and "url(" not in html


def test_book_and_matrix_render_in_headless_chromium(built: Path) -> None:
    book = screenshot(
        built / "PM30" / "en" / "holistic_refurbishment.html", ARTIFACTS / "book-PM30-en.png"
    )
    assert_non_trivial(book)
    matrix = screenshot(built / "PM30" / "en" / "challenges.html", ARTIFACTS / "matrix-PM30-en.png")
    assert_non_trivial(matrix)
    french = screenshot(built / "PM24" / "fr" / "index.html", ARTIFACTS / "index-PM24-fr.png", 900)
    assert_non_trivial(french)
