"""tileset.json of one tree: leaves pointing at stored content, inner tiles at their LOD blocks.

Built on py3dtiles' ``TileSet``/``Tile``. Content URIs point into the run's shared content store
(``../../content/<digest>.<fmt>`` from ``<city>/<name>/tileset.json``), so the same tile is one file
for every tileset that shows it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from py3dtiles.constants import SpecVersion
from py3dtiles.tileset import BoundingVolumeBox, Tile, TileSet

from tiles import tiling
from tiles.content import CONTENT_DIR, Content
from tiles.placement import Frame

URI_PREFIX = f"../../{CONTENT_DIR}/"


def assemble(
    tree: tiling.Node,
    leaf: Callable[[str], Content | None],
    inner: Callable[[str], Content | None],
    frame: Frame,
    *,
    fmt: str,
    extras: dict,
    error: float,
    name: str,
) -> tuple[dict, int]:
    """The tileset (as a dict) and how many tiles have content; tiles without anything below
    them are left out. ``leaf(path)``/``inner(path)`` give a tile's content, or None."""
    names: list[str] = []

    def tile_of(node: tiling.Node) -> Tile | None:
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
    root.transform = frame.matrix()
    spec = SpecVersion.V1_1 if fmt == "glb" else SpecVersion.V1_0
    tileset = TileSet(geometric_error=error, spec_version=spec)
    tileset.root_tile = root
    digest = hashlib.sha256(repr((name, extras, names)).encode())
    tileset.asset.tileset_version = f"{name}-{digest.hexdigest()[:16]}"
    tileset.asset.extras = {"generator": "knowledge-carrier tiles"}
    tileset.extras = extras
    return tileset.to_dict(), len(names)
