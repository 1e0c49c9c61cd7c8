"""Atomic publishing: a viewer sees the previous tileset or the new one, never a half-written one.

``DIR/<city>/<point>`` is a symbolic link to a hidden, complete version directory
(``.<point>.<tilesetVersion>``). An export writes into a temporary directory beside it, syncs it,
renames it to its version name and then replaces the link with ``rename`` (atomic on POSIX). A
failed or killed export leaves only a temporary directory that the next export removes; the link
still points at the previous version. ``index.json`` is replaced the same way.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from gis.store.errors import KCError


class PublishError(KCError):
    """A tileset cannot be published (target is a real directory, not writable ...)."""


TMP_PREFIX = ".tmp-"


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_stale(parent: Path) -> None:
    """Remove temporary directories left by failed exports, and versions nothing links to."""
    if not parent.is_dir():
        return
    linked = {os.readlink(p) for p in parent.iterdir() if p.is_symlink()}
    for path in parent.iterdir():
        if path.name.startswith(TMP_PREFIX) or (
            path.name.startswith(".") and path.is_dir() and path.name not in linked
        ):
            shutil.rmtree(path, ignore_errors=True)


def publish(target: Path, version: str, write: Callable[[Path], None]) -> Path:
    """Write a tileset with ``write(tmpdir)`` and swap it in at ``target`` (a symlink)."""
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not target.is_symlink():
        raise PublishError(
            f"{target} is a real directory, not a tileset published by 'kc tiles export'; "
            "move it away or export to another --out folder"
        )
    clean_stale(parent)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{target.name}.", dir=parent))
    try:
        write(tmp)
        _fsync_tree(tmp)
        final = parent / f".{target.name}.{version}"
        if final.exists():
            shutil.rmtree(tmp)  # same version already there, byte for byte
        else:
            tmp.rename(final)
        link = parent / f"{TMP_PREFIX}{target.name}.link"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(final.name)
        link.replace(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    clean_stale(parent)
    return target


def unpublish(target: Path) -> bool:
    """Remove a published tileset (its link first, so nothing half-removed is ever visible)."""
    if not target.is_symlink():
        return False
    target.unlink()
    clean_stale(target.parent)
    return True
