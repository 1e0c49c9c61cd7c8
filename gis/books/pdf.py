"""PDF copies of the books with WeasyPrint, when it and its system libraries are there.

WeasyPrint needs pango (Debian: libpango-1.0-0, libpangoft2-1.0-0; ``tools/setup.sh`` installs
them). Without it the HTML books are still built and the reason PDF was skipped is reported.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def pdf_unavailable() -> str | None:
    """None when PDF can be written, else why not (a message for the user)."""
    try:
        import weasyprint  # noqa: F401
    except ImportError as err:
        return f"PDF skipped: WeasyPrint is not installed ({err}); run 'make setup'"
    except OSError as err:  # pango or its friends missing
        return (
            f"PDF skipped: WeasyPrint cannot load its system libraries ({err}); install "
            "libpango-1.0-0 and libpangoft2-1.0-0 (tools/setup.sh does it as root)"
        )
    return None


def write_pdf(html: str, target: Path) -> None:
    """Render one self-contained HTML page to ``target`` (no network: nothing is fetched).

    The stylesheet keeps each project on one page (``break-inside: avoid``). A project longer
    than a page cannot be, and WeasyPrint would still move it to a new page first, leaving the
    page before it empty but for a heading: those projects are found in a first rendering (their
    anchor is on more than one page) and may break anywhere in a second one.
    """
    import weasyprint

    def refuse(url: str, *args: object, **kwargs: object) -> dict:
        raise ValueError(f"the books are self-contained, refusing to fetch {url}")

    page = weasyprint.HTML(string=html, url_fetcher=refuse)
    document = page.render()
    too_long = longer_than_a_page(document.pages)
    if too_long:
        document = page.render(stylesheets=[weasyprint.CSS(string=break_inside(too_long))])
    document.write_pdf(target)


#: The id prefix of the blocks kept on one page (the projects: ``project.html.j2``).
KEPT = "p-"


def longer_than_a_page(pages: list) -> list[str]:
    """The ids of the kept-together blocks that span more than one of ``pages`` all the same."""
    seen = Counter(name for page in pages for name in page.anchors if name.startswith(KEPT))
    return sorted(name for name, n in seen.items() if n > 1)


def css_string(value: str) -> str:
    """``value`` as a quoted CSS string (anything but letters, digits and ``-_.`` escaped)."""
    return '"' + "".join(c if c.isalnum() or c in "-_." else f"\\{ord(c):x} " for c in value) + '"'


def break_inside(ids: list[str]) -> str:
    """CSS that lets the projects ``ids`` break across pages (a user stylesheet: !important)."""
    selectors = ", ".join(f"article.project[id={css_string(i)}]" for i in ids)
    return f"{selectors} {{ break-inside: auto !important; page-break-inside: auto !important; }}"
