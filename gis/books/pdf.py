"""PDF copies of the books with WeasyPrint, when it and its system libraries are there.

WeasyPrint needs pango (Debian: libpango-1.0-0, libpangoft2-1.0-0; ``tools/setup.sh`` installs
them). Without it the HTML books are still built and the reason PDF was skipped is reported.
"""

from __future__ import annotations

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
    """Render one self-contained HTML page to ``target`` (no network: nothing is fetched)."""
    import weasyprint

    def refuse(url: str, *args: object, **kwargs: object) -> dict:
        raise ValueError(f"the books are self-contained, refusing to fetch {url}")

    weasyprint.HTML(string=html, url_fetcher=refuse).write_pdf(target)
