"""``kc demo``: the synthetic sample in a database of its own, its books and tiles, then the server.

The demo never touches the user's data. It runs with :func:`gis.store.settings.demo_settings`:
the database ``<name>_demo`` beside the user's on the same server (``kc_demo`` on the local
cluster, whose user database is ``kc``) and the folders under ``$KC_HOME/demo`` (sample files,
Project Books, 3D Tiles). ``kc load`` writes to, and ``kc serve`` serves, the user's database;
``kc demo`` sets up and serves the demo's.

:func:`set_up` is everything before the server (a test calls it); a second run skips what has
not changed: the sample is not loaded again when the demo database holds exactly what the last
run loaded, unchanged tilesets are not built again, unchanged books are not rewritten.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shlex
import shutil
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gis.cli.options import pass_settings
from gis.cli.steps import Step
from gis.store.cluster import Cluster
from gis.store.db import connect, database_name, database_url, ensure_database, redact
from gis.store.files import write_json_atomic
from gis.store.migrations import migrate
from gis.store.reference import seed
from gis.store.settings import CONFIG_DIR, PROJECT_ROOT, Settings, demo_settings

if TYPE_CHECKING:
    from gis.books.build import BuildReport, PdfJob

#: What ``kc demo`` loads: the whole synthetic districts (street blocks filling each city's
#: district boundary; a number would be plots per city, from the middle outwards).
DEMO_PLOTS: int | None = None
STATE_FILE = "state.json"


@dataclass
class DemoSetup:
    """What :func:`set_up` did and where the results are."""

    settings: Settings  # the demo's (its database, its folders)
    url: str
    created: bool = False
    migrated: int = 0
    loaded: bool = False  # False: the database already held this sample
    books: BuildReport | None = None
    pdf_jobs: list[PdfJob] = field(default_factory=list)
    tilesets: int = 0
    tiles_rebuilt: int = 0
    standing: dict[str, dict[str, int]] = field(default_factory=dict)  # point -> city -> count
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def database(self) -> str:
        return database_name(self.url)

    @property
    def folder(self) -> Path:
        return self.settings.home / "demo"


# --- the set-up ----------------------------------------------------------------------------------


def set_up(settings: Settings, *, pdf: str = "now", plots: int | None = DEMO_PLOTS) -> DemoSetup:
    """Prepare the demo from the user's ``settings``: database, sample, books, tiles.

    ``pdf``: ``"now"`` renders the books' PDF copies here, ``"later"`` leaves them in
    ``DemoSetup.pdf_jobs`` (``kc demo`` renders them while the server runs), ``"no"`` skips them.
    """
    demo = demo_settings(settings)
    if not settings.uses_external_database:
        Cluster(settings).start()  # started already by `make demo`; cheap when running
    url = database_url(demo)
    setup = DemoSetup(demo, url)
    setup.folder.mkdir(parents=True, exist_ok=True)

    step = Step("Demo database")
    setup.created = ensure_database(url, database_url(settings))
    conn = connect(url)
    try:
        report = migrate(conn)
        seeded = sum(seed(conn).values())
    finally:
        conn.close()
    setup.migrated = len(report.applied) + len(report.redeployed) + seeded
    what = "created" if setup.created else ("migrated" if setup.migrated else "up to date")
    step.done(
        f"{setup.database} {what} (your data stays in {database_name(database_url(settings))})"
    )

    state = _read_state(setup)
    sample = _sample_state(setup, plots)
    if state.get("sample") == sample:
        Step("Sample").done("SYNTHETIC districts already loaded, unchanged since the last run")
    else:
        # A changed generator writes the files again, even if it forgot to bump its VERSION.
        before = state.get("sample") or {}
        force = before.get("generator") not in (None, sample["generator"])
        files = _write_sample(setup.folder / "sample", plots, force=force)
        _load_sample(setup, files)
        state["sample"] = _sample_state(setup, plots)
        _write_state(setup, state)
    books = _books_state(setup, pdf)
    if state.get("books") == books and not setup.migrated and _books_complete(setup, pdf):
        Step("Project Books").done("unchanged since the last run")
    else:
        _build_books(setup, pdf)
        state["books"] = books
        _write_state(setup, state)
    _export_tiles(setup)
    _count(setup)
    return setup


# What the last run left, so that an unchanged demo is not loaded or built again. Each entry
# names what its result depends on: the demo database (its identity and its loads), the
# sample's files and generator, the code that renders.


def _read_state(setup: DemoSetup) -> dict:
    try:
        state = json.loads((setup.folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(setup: DemoSetup, state: dict) -> None:
    write_json_atomic(setup.folder / STATE_FILE, state)


def _tree_digest(*roots: Path, pattern: str = "*") -> str:
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _database_state(setup: DemoSetup) -> list:
    """The demo database's identity (its oid: a recreated one differs) and its loads."""
    conn = connect(setup.url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT d.oid::bigint, (SELECT count(*) FROM kc.load_run), "
                "(SELECT max(load_id) FROM kc.load_run) "
                "FROM pg_database d WHERE d.datname = current_database()"
            )
            oid, runs, last = cur.fetchone()
    finally:
        conn.close()
    return [redact(setup.url), oid, runs, last]


def _sample_state(setup: DemoSetup, plots: int | None) -> dict:
    """The sample as loaded: database, files, generator (no geopandas import needed)."""
    return {
        "database": _database_state(setup),
        "files": _tree_digest(setup.folder / "sample"),
        "generator": _tree_digest(PROJECT_ROOT / "etl" / "sample", pattern="*.py"),
        "plots": plots,
    }


def _books_state(setup: DemoSetup, pdf: str) -> dict:
    """What the books are made of: the database's loads and the code and config that render."""
    return {
        "database": _database_state(setup),
        "code": _tree_digest(PROJECT_ROOT / "gis" / "books", PROJECT_ROOT / "sql", CONFIG_DIR),
        "pdf": pdf != "no",
    }


def _books_complete(setup: DemoSetup, pdf: str) -> bool:
    """Every page of the books' index is there (and every PDF, when PDFs are asked for)."""
    books = setup.settings.books_dir
    try:
        index = json.loads((books / "index.json").read_text(encoding="utf-8"))
        langs = [lang for entry in index["books"] for lang in entry["langs"].values()]
        files = [f["href"] for lang in langs for f in lang["fields"]]
        if pdf != "no":
            files += [f["pdf"] for lang in langs for f in lang["fields"] if f.get("pdf")]
            if any(not f.get("pdf") for lang in langs for f in lang["fields"]):
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return bool(files) and all((books / f).is_file() for f in files)


def _write_sample(folder: Path, plots: int | None, *, force: bool = False):
    step = Step("Sample files")
    from etl.sample.districts import write_sample

    files = write_sample(folder, plots, force=force)
    step.done(f"SYNTHETIC districts of lyon, munich, vienna in {folder}")
    return files


def _load_sample(setup: DemoSetup, files) -> None:
    """Load every sample file through the real loaders (all of them: the state had changed)."""
    from etl.buildings import load_buildings
    from etl.projects import load_projects
    from etl.reporting import load_reporting
    from etl.sample.districts import CITIES, POINTS

    url = setup.url
    total = len(POINTS) * (2 * len(CITIES) + 1)
    changes = 0
    with Step("Loading the sample", total) as step:
        for point in POINTS:
            for city in CITIES:
                b = load_buildings(url, files.buildings[(city, point)], city, point)
                step.advance(f"{city} {point} buildings")
                p = load_projects(url, files.projects[(city, point)], city, point)
                step.advance(f"{city} {point} projects")
                changes += b.snapshot.changes + p.snapshot.changes
            r = load_reporting(url, files.reporting[point], point)
            step.advance(f"{point} reports")
            changes += r.changes
        step.done(
            f"{len(CITIES)} cities at {', '.join(POINTS)}"
            + ("" if changes else " (nothing changed)")
        )
    setup.loaded = True


def _build_books(setup: DemoSetup, pdf: str) -> None:
    from gis.books.build import build_books, points_with_content
    from gis.books.i18n import LANGS

    conn = connect(setup.url)
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM kc.thematic_field")
                fields = cur.fetchone()[0]
            total = len(points_with_content(conn)) * len(LANGS) * fields
            with Step("Project Books", total) as step:
                jobs: list[PdfJob] = []
                setup.books = build_books(
                    conn,
                    setup.settings.books_dir,
                    pdf=pdf != "no",
                    progress=lambda item: step.advance(item.replace("/", " ")),
                    pdf_jobs=jobs if pdf == "later" else None,
                )
                note = f"{setup.books.html} HTML pages"
                if pdf == "now":
                    note += f", {setup.books.pdf} PDF(s) written"
                elif jobs:
                    note += f", {len(jobs)} PDF(s) to write"
                step.done(note)
        setup.pdf_jobs = jobs
    finally:
        conn.close()


def _export_tiles(setup: DemoSetup) -> None:
    from tiles.export import export_all

    conn = connect(setup.url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT (SELECT count(*) FROM kc.city) * (SELECT count(*) FROM kc.measurement_point)"
            )
            total = cur.fetchone()[0]
        conn.rollback()
        with Step("3D Tiles", total) as step:

            def done(result) -> None:
                verb = "kept" if result.reused else "built" if result.path else "no buildings"
                step.advance(f"{result.city} {result.point} {verb}")

            results = export_all(
                conn, setup.settings.tiles_dir, progress=done, database_url=setup.url
            )
            setup.tilesets = sum(1 for r in results if r.path is not None)
            setup.tiles_rebuilt = sum(1 for r in results if r.path is not None and not r.reused)
            kept = setup.tilesets - setup.tiles_rebuilt
            step.done(f"{setup.tilesets} tileset(s)" + (f", {kept} unchanged kept" if kept else ""))
    finally:
        conn.close()


def _count(setup: DemoSetup) -> None:
    conn = connect(setup.url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                """SELECT m.code, s.city_code, count(*)
                     FROM kc.measurement_point m, LATERAL kc.building_state(m.valid_at) s
                    GROUP BY m.code, m.valid_at, s.city_code ORDER BY m.valid_at, s.city_code"""
            )
            for point, city, n in cur.fetchall():
                setup.standing.setdefault(point, {})[city] = n
            cur.execute(
                """SELECT (SELECT count(*) FROM kc.building),
                          (SELECT count(*) FROM kc.building_validity WHERE superseded_at IS NULL),
                          (SELECT count(*) FROM kc.project),
                          (SELECT count(*) FROM kc.report WHERE superseded_at IS NULL)"""
            )
            names = ("buildings", "building versions", "projects", "reports")
            setup.totals = dict(zip(names, cur.fetchone(), strict=True))
    finally:
        conn.close()


# --- the PDFs, while the server runs -----------------------------------------------------------


def write_pdfs(jobs: list[PdfJob], label: str = "Book PDFs") -> None:
    """Render the PDF copies left for later, with a bar."""
    if not jobs:
        return
    with Step(label, len(jobs)) as step:
        for job in jobs:
            job.write()
            step.advance(job.target.relative_to(job.target.parents[2]).as_posix())
        step.done(f"written in {job.target.parents[2]}")


def _die_with_parent() -> None:
    """Linux: the PDF writer ends when the server (its parent, after exec) ends."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def write_pdfs_in_background(jobs: list[PdfJob]) -> int | None:
    """Render the PDFs in a child process (lower priority) while this one becomes the server."""
    if not jobs:
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        _die_with_parent()
        os.nice(10)
        write_pdfs(jobs)
    except KeyboardInterrupt:
        code = 130
    except Exception as err:  # a failed PDF must not take the server down with a traceback
        click.secho(f"Warning: the books' PDF copies were not all written: {err}", fg="yellow")
        code = 1
    finally:
        sys.stdout.flush()
        os._exit(code)


# --- what the user is told -----------------------------------------------------------------------


def kc_command(settings: Settings) -> str:
    """How to run ``kc`` from the user's shell, with this run's KC_HOME when it is not the default.

    ``make demo`` runs ``.venv/bin/kc`` with ``KC_HOME`` exported: a hint without them fails in
    a shell where they are not set (a custom KC_HOME, another folder).
    """
    exe = Path(sys.argv[0])
    found = shutil.which("kc")
    if exe.name != "kc" or not exe.exists() or (found and Path(found).samefile(exe)):
        command = "kc"
    else:
        try:
            command = exe.absolute().relative_to(Path.cwd()).as_posix()
        except ValueError:
            command = exe.absolute().as_posix()
    command = shlex.quote(command)
    if settings.home != Path(".kc").absolute():
        command = f"KC_HOME={shlex.quote(str(settings.home))} {command}"
    return command


def summary(user: Settings, setup: DemoSetup) -> list[str]:
    """The closing lines: what was loaded, where the books and tiles are, how to go on."""
    demo = setup.settings
    kc = kc_command(user)
    lines = ["", f"The demo: SYNTHETIC sample districts in the database {setup.database}"]
    points = list(setup.standing)
    cities = sorted({c for counts in setup.standing.values() for c in counts})
    if points:
        lines.append("  buildings standing at " + "".join(f"{p:>8}" for p in points))
        for city in cities:
            counts = "".join(f"{setup.standing[p].get(city, 0):>8}" for p in points)
            lines.append(f"    {city:<19}{counts}")
    t = setup.totals
    if t:
        lines.append(
            f"  {t['buildings']} buildings in all (one identity each, whatever the point), "
            f"{t['building versions']} building versions (a new one when a building changes);"
        )
        lines.append(
            f"  {t['projects']} implementation projects, {t['reports']} Common Reporting "
            "answers (one per project and point)"
        )
    books = demo.books_dir / "index.html"
    note = ""
    if setup.pdf_jobs:
        note = f" ({len(setup.pdf_jobs)} PDF copies are written while the server runs)"
    lines.append(f"  Project Books   {books}{note}")
    lines.append(f"  3D Tiles        {demo.tiles_dir / 'index.json'}")
    if user.uses_external_database:
        lines.append(
            f'  psql "$({kc} db url --demo)"   the demo database (with KC_DATABASE_URL as for this run)'
        )
    else:
        lines.append(f'  psql "$({kc} db url --demo)"   the demo database with psql')
        lines.append(f"  {kc} db status    is the local PostGIS running?")
        lines.append(f"  {kc} db stop      stop it (the demo and your data stay in {user.home})")
    lines.append(
        f"Your own data goes to the database {database_name(database_url(user))}: "
        f"'{kc} load …', then '{kc} serve' serves it. The demo never writes there."
    )
    lines.append("")
    return lines


@click.command()
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Serve the demo when it is set up (--no-serve: set up, write the PDFs, and exit).",
)
@pass_settings
def demo(settings: Settings, serve: bool) -> None:
    """Load the synthetic sample into its own database (kc_demo) and serve it.

    The demo keeps apart from your data: its database is your database's name + _demo on the
    same server, its files are in KC_HOME/demo. 'kc serve' serves your data.
    """
    setup = set_up(settings, pdf="later" if serve else "now")
    for line in summary(settings, setup):
        click.echo(line)
    if not serve:
        return
    from gis.cli.serve import run as serve_api

    step = Step("Web server")
    # Last: this process becomes gunicorn (Ctrl-C stops it); the PDFs are written meanwhile.
    serve_api(
        setup.settings,
        prepared=lambda: step.done(f"configured for {setup.database}"),
        before_exec=lambda: write_pdfs_in_background(setup.pdf_jobs),
    )
