"""Writing files so that a reader never sees half of one.

Every generated file (books, tileset indexes, the server's configuration, the cluster's state) is
written to a temporary file in the same folder, flushed to disk and renamed over the target: a
rename within one file system is atomic, so a crash leaves the old file or the new one, never a
mix. One helper for all of them, so that they all get the fsync and the clean-up on error.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(
    path: Path,
    content: str | bytes | Callable[[Path], None],
    *,
    mode: int = 0o644,
    skip_unchanged: bool = False,
) -> bool:
    """Replace ``path`` with ``content`` (text, bytes, or a function that writes a given path).

    ``mode`` is set before the rename (0o600 for files holding a secret, so it is never readable
    by others, not even for an instant). With ``skip_unchanged``, a file that already holds
    exactly ``content`` is not touched and False is returned: rebuilding unchanged data rewrites
    nothing (and whoever watches modification times sees no change).
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    if skip_unchanged and isinstance(data, bytes):
        try:
            if path.read_bytes() == data:
                return False
        except OSError:
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        os.fchmod(fd, mode)
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        else:
            os.close(fd)
            data(tmp)
            with tmp.open("rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def write_json_atomic(
    path: Path, data: object, *, indent: int = 2, mode: int = 0o644, skip_unchanged: bool = False
) -> bool:
    """``data`` as UTF-8 JSON (non-ASCII kept as is, keys in their order), written atomically."""
    text = json.dumps(data, ensure_ascii=False, indent=indent) + "\n"
    return write_atomic(path, text, mode=mode, skip_unchanged=skip_unchanged)
