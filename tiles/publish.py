"""Atomic publishing of a whole export run: index.json and every tileset switch together.

Layout of an export folder ``DIR``::

    DIR/content/<digest>.glb      tile content, named by its bytes, shared by every tileset
    DIR/.runs/<run>/index.json    one complete run: the index and every tileset.json
    DIR/.runs/<run>/<city>/<point>/tileset.json, DIR/.runs/<run>/<city>/temporal/tileset.json
    DIR/.runs/<run>/<city>/<point>/<partition>-<digest>.json   external tilesets of partitions
    DIR/.runs/<run>/<city>/temporal/subtrees/..., content/...   implicit tiling (hard links)
    DIR/live -> .runs/<run>       the published run: the one link that is switched
    DIR/index.json -> live/index.json, DIR/<city> -> live/<city>   stable links

A run starts as a copy (hard links) of the published one, the export replaces what it builds,
writes new content files beside the old ones (never over them: a name is a digest), syncs the
disk and then renames one link, ``DIR/live``: a rename is atomic, so a reader and a killed run
see the previous run or the new one everywhere, never a mix. Only then are old runs and content
files no published tileset refers to removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from gis.store.errors import KCError
from tiles.content import CONTENT_DIR

RUNS = ".runs"
LIVE = "live"
INDEX = "index.json"
TMP_PREFIX = ".tmp-"


class PublishError(KCError):
    """A run cannot be published (a real folder where a link belongs, not writable ...)."""


def start_run(out: Path) -> Path:
    """A new run folder holding a copy of the published run (hard links: nothing is copied)."""
    runs = out / RUNS
    runs.mkdir(parents=True, exist_ok=True)
    (out / CONTENT_DIR).mkdir(exist_ok=True)
    for stale in runs.glob(f"{TMP_PREFIX}*"):  # left by a killed run
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=runs))
    live = out / LIVE
    if live.is_symlink() and live.resolve().is_dir():
        shutil.copytree(live.resolve(), tmp, copy_function=os.link, dirs_exist_ok=True)
    return tmp


def _digest(run: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in run.rglob("*") if p.is_file()):
        digest.update(path.relative_to(run).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def _link(path: Path, target: str) -> None:
    """Make ``path`` a symbolic link to ``target`` with one rename (atomic)."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    if path.is_dir() and not path.is_symlink():
        if not any(path.glob(".*.*")) and not any(path.glob("*/tileset.json")):
            raise PublishError(
                f"{path} is a real folder, not one published by 'kc tiles export'; "
                "move it away or export to another --out folder"
            )
        # A folder of the previous layout (one link per point): replaced once.
        old = path.parent / f"{TMP_PREFIX}old-{path.name}"
        path.rename(old)
        shutil.rmtree(old, ignore_errors=True)
    tmp = path.parent / f"{TMP_PREFIX}{path.name}.link"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    tmp.replace(path)


def finish_run(out: Path, run: Path) -> Path:
    """Publish ``run`` (switch ``DIR/live``), then remove what nothing refers to any more."""
    for path in sorted(out.iterdir()):  # a folder of an older layout, or a foreign one
        if path.name.startswith(".") or path.is_symlink() or path.name in (CONTENT_DIR, RUNS):
            continue
        if path.is_dir() or path.name == INDEX:
            _link(path, f"{LIVE}/{path.name}")  # raises on a foreign folder
    os.sync()  # every content file and tileset.json on disk before anything points at them
    final = out / RUNS / _digest(run)
    if final.exists():
        shutil.rmtree(run)  # the same run, byte for byte, is already there
    else:
        run.rename(final)
    _link(out / LIVE, f"{RUNS}/{final.name}")
    # The stable links: to every city of the run, to its index; none to a city it lacks.
    names = {p.name for p in final.iterdir()}
    for name in sorted(names):
        _link(out / name, f"{LIVE}/{name}")
    for path in out.iterdir():
        if path.is_symlink() and path.name not in names and path.name != LIVE:
            path.unlink()
    for path in (out / RUNS).iterdir():
        if path != final:
            shutil.rmtree(path, ignore_errors=True)
    collect_garbage(out, final)
    return final


def referenced(run: Path) -> set[str]:
    """The content files the tilesets of ``run`` refer to."""
    return referenced_by(run.glob("*/*/tileset.json"))


def referenced_by(tilesets: Iterable[Path]) -> set[str]:
    """The content files the ``tilesets`` (tileset.json files) refer to, through their
    external tilesets too (``tiles.tileset.external``)."""
    names: set[str] = set()
    files = list(tilesets)
    while files:
        path = files.pop()
        stack = [json.loads(path.read_text(encoding="utf-8"))["root"]]
        while stack:
            tile = stack.pop()
            if "content" in tile:
                uri = tile["content"]["uri"]
                if uri.endswith(".json"):
                    files.append(path.parent / uri)
                else:
                    names.add(uri.rsplit("/", 1)[-1])
            stack.extend(tile.get("children", []))
    return names


def collect_garbage(out: Path, run: Path) -> None:
    """Remove content files that no tileset of the published ``run`` refers to."""
    keep = referenced(run)
    for path in (out / CONTENT_DIR).iterdir():
        if path.name not in keep:
            path.unlink(missing_ok=True)
