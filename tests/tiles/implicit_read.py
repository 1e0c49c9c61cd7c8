"""Reading an implicit tileset back as a client does: tileset.json, then subtree by subtree.

Written from the 3D Tiles 1.1 specification (subtree binary format, availability bitstreams in
Morton order, tile metadata of available tiles in bit order), independently of
``tiles.implicit``: what the export wrote is checked against what the spec says it means.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ReadTile:
    level: int
    x: int
    y: int
    content: Path | None
    box: list[float] | None  # TILE_BOUNDING_BOX (12 numbers) when given
    error: float | None  # TILE_GEOMETRIC_ERROR when given


def _deinterleave(m: int) -> tuple[int, int]:
    x = y = 0
    for bit in range(16):
        x |= ((m >> (2 * bit)) & 1) << bit
        y |= ((m >> (2 * bit + 1)) & 1) << bit
    return x, y


def _fill(template: str, level: int, x: int, y: int) -> str:
    return template.replace("{level}", str(level)).replace("{x}", str(x)).replace("{y}", str(y))


def read_subtree(path: Path) -> tuple[dict, bytes]:
    data = path.read_bytes()
    magic, version, json_len, bin_len = struct.unpack_from("<4sIQQ", data)
    assert magic == b"subt" and version == 1, (magic, version)
    assert (24 + json_len) % 8 == 0 and len(data) == 24 + json_len + bin_len
    return json.loads(data[24 : 24 + json_len]), data[24 + json_len :]


def _availability(doc: dict, binary: bytes, spec: dict, bits: int) -> np.ndarray:
    if "constant" in spec:
        return np.full(bits, bool(spec["constant"]))
    view = doc["bufferViews"][spec["bitstream"]]
    raw = np.frombuffer(binary, np.uint8, view["byteLength"], view["byteOffset"])
    flags = np.unpackbits(raw, bitorder="little")[:bits].astype(bool)
    assert view["byteLength"] == -(-bits // 8)
    if "availableCount" in spec:
        assert spec["availableCount"] == flags.sum()
    return flags


def _column(doc: dict, binary: bytes, table: dict | None, name: str | None, width: int):
    """A FLOAT64 property of the tile metadata (``width`` values per tile), or None."""
    if table is None or name is None:
        return None
    view = doc["bufferViews"][table["properties"][name]["values"]]
    assert view["byteOffset"] % 8 == 0
    values = np.frombuffer(binary, "<f8", table["count"] * width, view["byteOffset"])
    return values.reshape(table["count"], width)


def read_implicit(folder: Path) -> tuple[dict, list[ReadTile]]:
    """tileset.json of the implicit tileset in ``folder`` and every available tile."""
    tileset = json.loads((folder / "tileset.json").read_text())
    root = tileset["root"]
    tiling = root["implicitTiling"]
    assert tiling["subdivisionScheme"] == "QUADTREE"
    levels, available = tiling["subtreeLevels"], tiling["availableLevels"]
    content_uri = root["content"]["uri"]
    props = tileset["schema"]["classes"]["tile"]["properties"]
    semantic = {p["semantic"]: name for name, p in props.items()}
    out: list[ReadTile] = []
    todo = [(0, 0, 0)]
    while todo:
        level0, x0, y0 = todo.pop()
        doc, binary = read_subtree(folder / _fill(tiling["subtrees"]["uri"], level0, x0, y0))
        n_tiles = (4**levels - 1) // 3
        tiles = _availability(doc, binary, doc["tileAvailability"], n_tiles)
        [content_spec] = doc["contentAvailability"]
        contents = _availability(doc, binary, content_spec, n_tiles)
        children = _availability(doc, binary, doc["childSubtreeAvailability"], 4**levels)
        table = doc["propertyTables"][doc["tileMetadata"]] if "tileMetadata" in doc else None
        assert table is None or table["count"] == tiles.sum()
        boxes = _column(doc, binary, table, semantic.get("TILE_BOUNDING_BOX"), 12)
        errors = _column(doc, binary, table, semantic.get("TILE_GEOMETRIC_ERROR"), 1)
        k = 0
        for rel in range(levels):
            first = (4**rel - 1) // 3
            for m in range(4**rel):
                if not tiles[first + m]:
                    continue
                dx, dy = _deinterleave(m)
                level, x, y = level0 + rel, (x0 << rel) + dx, (y0 << rel) + dy
                assert level < available
                uri = _fill(content_uri, level, x, y) if contents[first + m] else None
                out.append(
                    ReadTile(
                        level,
                        x,
                        y,
                        folder / uri if uri else None,
                        None if boxes is None else boxes[k].tolist(),
                        None if errors is None else float(errors[k, 0]),
                    )
                )
                k += 1
        for m in np.flatnonzero(children):
            dx, dy = _deinterleave(int(m))
            todo.append((level0 + levels, (x0 << levels) + dx, (y0 << levels) + dy))
    return tileset, out
