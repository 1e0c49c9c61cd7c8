"""Which city-model format a file holds, told by its content (not its name), gzip included.

``.gml``, ``.xml``, ``.json`` and ``.jsonl`` are each used for other things too (GML footprints,
GeoJSON), so ``kc load buildings`` looks inside: an XML root in a CityGML namespace is CityGML; a
JSON object of type ``CityJSON`` is CityJSON, and when its first line is that whole object and
more lines follow, CityJSONSeq. Anything else is left to the footprint reader (GDAL).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from etl.citygml import CityGMLStream
from etl.cityjson import CityJSONStream

GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 64 * 1024
_CITYGML_NS = re.compile(rb"http://www\.opengis\.net/citygml/")


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as raw:
        magic = raw.read(2)
    return gzip.open(path, "rb") if magic == GZIP_MAGIC else path.open("rb")


def sniff(path: Path) -> str | None:
    """'citygml', 'cityjson', 'cityjsonseq' or None (not a city model, or not readable)."""
    if not path.is_file():
        return None
    try:
        with _open(path) as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "citygml" if _CITYGML_NS.search(head) else None
    if not text.startswith(b"{") or b'"CityJSON' not in head:
        return None
    first, _, rest = text.partition(b"\n")
    try:
        header = json.loads(first)
    except ValueError:
        return "cityjson"  # a pretty-printed document: the object spans many lines
    if isinstance(header, dict) and header.get("type") == "CityJSON" and rest.strip():
        return "cityjsonseq"
    return "cityjson"


def model_files(path: Path) -> list[tuple[Path, str]] | None:
    """The city-model files ``path`` stands for, with their kinds: itself, or, for a folder, every
    city model in it (sorted by name: one snapshot from several files, e.g. Vienna's one file
    per building). None when ``path`` is not a city model (or a folder holding none)."""
    if path.is_dir():
        found = [(p, sniff(p)) for p in sorted(path.iterdir()) if p.is_file()]
        models = [(p, kind) for p, kind in found if kind is not None]
        return models or None
    kind = sniff(path)
    return None if kind is None else [(path, kind)]


@contextmanager
def open_model(path: Path, kind: str) -> Iterator[CityGMLStream | CityJSONStream]:
    """A stream of the model's buildings (``kind`` from :func:`sniff`); the file closed after."""
    handle = _open(path)
    try:
        if kind == "citygml":
            yield CityGMLStream(handle)
        else:
            yield CityJSONStream(handle, sequence=kind == "cityjsonseq")
    finally:
        handle.close()
