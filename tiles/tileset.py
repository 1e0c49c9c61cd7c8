"""tileset.json of one tree: leaves pointing at stored content, inner tiles at their LOD blocks.

Built on py3dtiles' ``TileSet``/``Tile``. Content URIs point into the run's shared content store
(``../../content/<digest>.<fmt>`` from ``<city>/<name>/tileset.json``), so the same tile is one file
for every tileset that shows it.

A city of several partitions (``tiles.partition``) has one external tileset per partition beside
its tileset.json (``<city>/<name>/<partition>-<digest>.json``, written as soon as the partition is
done: ``external``); tileset.json holds the tiles above the partitions, each partition's tile
pointing at its external tileset. So the export keeps nothing of a finished partition's tiles
but one box, and a client reads the tree of a partition only when it looks at it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from py3dtiles.constants import SpecVersion
from py3dtiles.tileset import BoundingVolumeBox, Tile, TileSet

from tiles import tiling
from tiles.content import CONTENT_DIR, Content
from tiles.gltf import GENERATOR
from tiles.placement import Frame

URI_PREFIX = f"../../{CONTENT_DIR}/"


def assemble(
    tree: tiling.Node,
    leaf: Callable[[str], Content | None],
    inner: Callable[[str], Content | None],
    frame: Frame | None,
    *,
    fmt: str,
    extras: dict,
    error: float,
    name: str,
    external: Callable[[str], Content | None] = lambda path: None,
) -> tuple[dict, int]:
    """The tileset (as a dict) and how many tiles have content; tiles without anything below
    them are left out. ``leaf(path)``/``inner(path)`` give a tile's content, or None;
    ``external(path)`` a tile's external tileset (its ``count``: the tiles with content in it).
    Without ``frame`` (an external tileset) the root has no transform: its parent's applies."""
    names: list[str] = []
    externals = counted = 0  # external tilesets, the tiles with content in them

    def tile_of(node: tiling.Node) -> Tile | None:
        nonlocal externals, counted
        outside = external(node.path)
        if outside is not None:
            names.append(outside.name)
            externals += 1
            counted += outside.count
            return Tile(
                geometric_error=node.geometric_error,
                bounding_volume=BoundingVolumeBox.from_mins_maxs(outside.box),
                refine_mode="REPLACE",
                content_uri=outside.name,
            )
        if node.is_leaf:
            content = leaf(node.path)
            if content is None:
                return None
            names.append(content.name)
            return Tile(
                geometric_error=0.0,
                bounding_volume=BoundingVolumeBox.from_mins_maxs(content.box),
                refine_mode="REPLACE",
                content_uri=URI_PREFIX + content.name,
            )
        children = [t for t in map(tile_of, node.children) if t is not None]
        if not children:
            return None
        content = inner(node.path)
        if content is None:
            tile = Tile(geometric_error=node.geometric_error, refine_mode="ADD")
        else:
            names.append(content.name)
            tile = Tile(
                geometric_error=node.geometric_error,
                bounding_volume=BoundingVolumeBox.from_mins_maxs(content.box),
                refine_mode="REPLACE",
                content_uri=URI_PREFIX + content.name,
            )
        for child in children:
            tile.add_child(child)
        return tile

    root = tile_of(tree)
    if root is None:
        raise ValueError("a tileset without any content")
    if frame is not None:
        root.transform = frame.matrix()
    spec = SpecVersion.V1_1 if fmt == "glb" else SpecVersion.V1_0
    tileset = TileSet(geometric_error=error, spec_version=spec)
    tileset.root_tile = root
    tileset.asset.tileset_version = tileset_version(name, extras, names)
    tileset.asset.extras = {"generator": GENERATOR}
    tileset.extras = extras
    return tileset.to_dict(), len(names) - externals + counted


def tileset_version(name: str, *held: object) -> str:
    """``asset.tilesetVersion``: the tileset's name and a digest of what it holds, so that a
    client's cache tells a rebuilt tileset from the one it has."""
    return f"{name}-{hashlib.sha256(repr((name, *held)).encode()).hexdigest()[:16]}"


def external(
    folder: Path,
    node: tiling.Node,
    leaf: Callable[[str], Content | None],
    inner: Callable[[str], Content | None],
    *,
    fmt: str,
    name: str,
) -> Content | None:
    """Write the external tileset of the tree below ``node`` into ``folder``, named after the
    node and its digest; what its parent tile points at (its name, the box of every content in
    it, its tiles with content), or None when nothing below has content."""
    boxes = [
        c.box
        for n in node.walk()
        for c in ((leaf if n.is_leaf else inner)(n.path),)
        if c is not None
    ]
    if not boxes:
        return None
    tileset, count = assemble(
        node, leaf, inner, None, fmt=fmt, extras={}, error=node.geometric_error, name=name
    )
    data = json.dumps(tileset, separators=(",", ":"), ensure_ascii=False).encode()
    uri = f"{node.path}-{hashlib.sha256(data).hexdigest()[:16]}.json"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / uri).write_bytes(data)
    box = np.array(boxes)
    return Content(uri, [*box[:, :3].min(axis=0).tolist(), *box[:, 3:].max(axis=0).tolist()], count)
