"""Implicit tiling (3D Tiles 1.1) of a tree: subtree files instead of every tile in tileset.json.

A city's explicit tileset.json lists every tile with its volume, error and content URI, and a
client reads all of it before it draws anything (MBs for a city of a million buildings). An
implicit tileset's tileset.json holds only the root; the tree (a regular quadtree:
``tiles.quadtree``) is described by subtree files of ``subtreeLevels`` levels each, which a
client loads as it goes down the tree where it looks:

    <tileset>/tileset.json                        root: QUADTREE, templates below
    <tileset>/subtrees/{level}/{x}/{y}.subtree    bitstreams: tiles, contents, child subtrees
    <tileset>/content/{level}/{x}/{y}.glb         hard links to the run's content store

Exact volumes and errors. A building lies in the quarter its centre is in, but may stick out
of it, and the square of a tile that holds only blocks of its level of detail says nothing of
heights: a tile's volume derived from its square alone could cull buildings that are on
screen. So each subtree carries, per available tile, metadata with the semantics
``TILE_BOUNDING_BOX`` (the box of its content and of every tile below it, in the root's frame:
a parent's box holds its children's) and ``TILE_GEOMETRIC_ERROR`` (its level of detail's cell,
0 for a leaf), which CesiumJS uses instead of the implicit square and root error / 2^level.
The root's square in tileset.json is the subdivision only (with the heights of the city).

``subtreeLevels`` comes from the data: the tree's levels (``availableLevels``) split into bands
of at most ``MAX_SUBTREE_LEVELS`` of equal size, so a client needs few subtree requests and
none is large (at most 341 tiles, a few KB). Everything here depends on the tree and the
contents only, so the files are the same however many processes drew the contents.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from py3dtiles.tileset import BoundingVolumeBox

from tiles import tiling
from tiles.content import Content
from tiles.gltf import GENERATOR
from tiles.partition import GRID_CELLS, Grid
from tiles.placement import Frame
from tiles.tileset import tileset_version

FloatArray = npt.NDArray[np.float64]
Coords = tuple[int, int, int]

#: Levels in one subtree file, at most: 4^5 child subtree bits, (4^5 - 1) / 3 tile bits.
MAX_SUBTREE_LEVELS = 5
CONTENT = "content"
SUBTREES = "subtrees"
MAGIC = b"subt"
#: The tile metadata class of the subtrees (tileset.json ``schema``).
SCHEMA = {
    "id": "kc_implicit",
    "classes": {
        "tile": {
            "description": "Exact volume and error of an implicit tile",
            "properties": {
                "box": {
                    "description": "Box of the tile's content and every tile below it",
                    "type": "SCALAR",
                    "componentType": "FLOAT64",
                    "array": True,
                    "count": 12,
                    "semantic": "TILE_BOUNDING_BOX",
                },
                "geometricError": {
                    "description": "Its level of detail's cell (m); 0 for a leaf",
                    "type": "SCALAR",
                    "componentType": "FLOAT64",
                    "semantic": "TILE_GEOMETRIC_ERROR",
                },
            },
        }
    },
}


@dataclass(frozen=True)
class Tile:
    """An available tile: its volume (mins then maxs, root frame), error and content."""

    coords: Coords
    box: FloatArray  # (6,)
    error: float
    content: str | None  # name in the content store


def tiles_of(
    tree: tiling.Node,
    leaf: Callable[[str], Content | None],
    inner: Callable[[str], Content | None],
) -> dict[Coords, Tile]:
    """The available tiles of ``tree`` (nodes with ``coords``) by coordinates: those with
    content or with a tile with content below. ``leaf(path)``/``inner(path)``: their content."""
    out: dict[Coords, Tile] = {}

    def visit(node: tiling.Node) -> Tile | None:
        if node.coords is None:
            raise ValueError(f"tile {node.path} has no quadtree coordinates")
        below = [t for t in map(visit, node.children) if t is not None]
        content = (leaf if node.is_leaf else inner)(node.path)
        boxes = [t.box for t in below] + ([np.array(content.box)] if content else [])
        if not boxes:
            return None
        box = np.concatenate(
            [np.min([b[:3] for b in boxes], axis=0), np.max([b[3:] for b in boxes], axis=0)]
        )
        error = 0.0 if node.is_leaf else node.geometric_error
        tile = Tile(node.coords, box, error, content.name if content else None)
        out[node.coords] = tile
        return tile

    if visit(tree) is None:
        raise ValueError("a tileset without any content")
    return out


def subtree_levels(available: int) -> int:
    """Levels per subtree for a tree of ``available`` levels: equal bands of at most
    ``MAX_SUBTREE_LEVELS``."""
    bands = -(-available // MAX_SUBTREE_LEVELS)
    return -(-available // bands)


def morton(x: int, y: int) -> int:
    """The Morton index of (x, y): their bits interleaved, x's in the even ones."""
    out = 0
    for bit in range(16):
        out |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return out


def box12(box: FloatArray) -> list[float]:
    """A 3D Tiles ``box`` (centre, three half-axes) of mins then maxs."""
    return [float(v) for v in BoundingVolumeBox.from_mins_maxs(box).to_dict()["box"]]


def _bits(flags: npt.NDArray[np.bool_]) -> bytes:
    return np.packbits(flags, bitorder="little").tobytes()


def subtree(tiles: list[Tile], root: Coords, levels: int, children: set[Coords]) -> bytes:
    """The binary subtree file of the ``tiles`` below ``root`` within ``levels`` levels, with
    the child subtrees rooted at ``children`` (level root level + ``levels``)."""
    level0, x0, y0 = root
    tile_bits = np.zeros((4**levels - 1) // 3, bool)
    content_bits = np.zeros_like(tile_bits)
    entries: list[tuple[int, Tile]] = []
    for t in tiles:
        level, x, y = t.coords
        rel = level - level0
        i = (4**rel - 1) // 3 + morton(x - (x0 << rel), y - (y0 << rel))
        tile_bits[i] = True
        content_bits[i] = t.content is not None
        entries.append((i, t))
    entries.sort(key=lambda e: e[0])
    child_bits = np.zeros(4**levels, bool)
    for _, x, y in children:
        child_bits[morton(x - (x0 << levels), y - (y0 << levels))] = True
    blobs: list[bytes] = [_bits(tile_bits), _bits(content_bits)]
    doc: dict = {
        "tileAvailability": {"bitstream": 0, "availableCount": int(tile_bits.sum())},
        "contentAvailability": [{"bitstream": 1, "availableCount": int(content_bits.sum())}]
        if content_bits.any()
        else [{"constant": 0}],
    }
    if child_bits.any():
        doc["childSubtreeAvailability"] = {
            "bitstream": len(blobs),
            "availableCount": int(child_bits.sum()),
        }
        blobs.append(_bits(child_bits))
    else:
        doc["childSubtreeAvailability"] = {"constant": 0}
    boxes = np.array([box12(t.box) for _, t in entries], "<f8")
    errors = np.array([t.error for _, t in entries], "<f8")
    doc["propertyTables"] = [
        {
            "class": "tile",
            "count": len(entries),
            "properties": {
                "box": {"values": len(blobs)},
                "geometricError": {"values": len(blobs) + 1},
            },
        }
    ]
    doc["tileMetadata"] = 0
    blobs += [boxes.tobytes(), errors.tobytes()]
    views, binary = [], b""
    for blob in blobs:  # every view on an 8-byte boundary
        views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(blob)})
        binary += blob + b"\0" * (-len(blob) % 8)
    doc = {"buffers": [{"byteLength": len(binary)}], "bufferViews": views, **doc}
    text = json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return MAGIC + struct.pack("<IQQ", 1, len(text), len(binary)) + text + binary


def subtrees(tiles: dict[Coords, Tile], levels: int) -> dict[Coords, bytes]:
    """Every subtree file of ``tiles`` (subtrees of ``levels`` levels), by its root."""
    members: dict[Coords, list[Tile]] = defaultdict(list)
    children: dict[Coords, set[Coords]] = defaultdict(set)
    for t in tiles.values():
        level, x, y = t.coords
        rel = level % levels
        root = (level - rel, x >> rel, y >> rel)
        members[root].append(t)
        if level and not rel:
            children[(level - levels, x >> levels, y >> levels)].add(t.coords)
    return {
        root: subtree(found, root, levels, children[root])
        for root, found in sorted(members.items())
    }


def _link(source: Path, target: Path) -> None:
    """``target`` as a hard link to the stored ``source`` (a copy where links fail)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write(
    folder: Path,
    tree: tiling.Node,
    leaf: Callable[[str], Content | None],
    inner: Callable[[str], Content | None],
    frame: Frame,
    grid: Grid,
    store: Path,
    *,
    fmt: str,
    extras: dict,
    error: float,
    name: str,
) -> tuple[dict, int]:
    """Write the subtrees and content links of the implicit tileset of ``tree`` into
    ``folder`` (new); its tileset.json (as a dict) and how many tiles have content."""
    tiles = tiles_of(tree, leaf, inner)
    available = max(level for level, _, _ in tiles) + 1
    levels = subtree_levels(available)
    for (level, x, y), data in subtrees(tiles, levels).items():
        path = folder / SUBTREES / str(level) / str(x) / f"{y}.subtree"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    names = []
    for (level, x, y), t in sorted(tiles.items()):
        if t.content is not None:
            _link(store / t.content, folder / CONTENT / str(level) / str(x) / f"{y}.{fmt}")
            names.append(t.content)
    root = tiles[(0, 0, 0)]
    side = grid.side * GRID_CELLS
    square = np.array([*grid.origin, root.box[2], *(grid.origin + side), root.box[5]])
    tileset = {
        "asset": {
            "version": "1.1",
            "tilesetVersion": tileset_version(name, extras, names, levels),
            "extras": {"generator": GENERATOR},
        },
        "schema": SCHEMA,
        "geometricError": error,
        "root": {
            "boundingVolume": {"box": box12(square)},
            "geometricError": root.error,
            "refine": "REPLACE",
            "transform": frame.matrix().flatten(order="F").tolist(),
            "content": {"uri": f"{CONTENT}/{{level}}/{{x}}/{{y}}.{fmt}"},
            "implicitTiling": {
                "subdivisionScheme": "QUADTREE",
                "subtreeLevels": levels,
                "availableLevels": available,
                "subtrees": {"uri": f"{SUBTREES}/{{level}}/{{x}}/{{y}}.subtree"},
            },
        },
        "extras": extras,
    }
    return tileset, len(names)
