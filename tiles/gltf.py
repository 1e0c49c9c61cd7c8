"""Binary glTF (glb) of a tile: triangles, normals, status colours, feature ids and metadata.

py3dtiles builds glTF from meshes with one shared index range and float32 transforms; here the
buffer is laid out directly: one bufferView per attribute, 8-byte aligned (the structural-metadata
extension asks for it), JSON written with a fixed key order so the same tile gives the same bytes.

glb content (3D Tiles 1.1) carries ``_FEATURE_ID_0`` with EXT_mesh_features and a property table
of EXT_structural_metadata; b3dm content (1.0) carries ``_BATCHID`` and its metadata lives in the
b3dm batch table instead.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tiles.geometry import Mesh, bounds, lengths
from tiles.metadata import Property
from tiles.placement import y_up

#: What wrote a glTF or a tileset (their ``asset``'s generator).
GENERATOR = "knowledge-carrier tiles"

FLOAT, UNSIGNED_BYTE, UNSIGNED_SHORT, UNSIGNED_INT = 5126, 5121, 5123, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
SCHEMA_ID = "kc_buildings"
CLASS = "building"

_NUMERIC = {"FLOAT64": np.float64, "INT32": np.int32, "UINT32": np.uint32}


class _Buffer:
    """Accumulates bufferViews in one binary buffer, each aligned to 8 bytes."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.length = 0
        self.views: list[dict] = []

    def add(self, data: bytes, target: int | None = None) -> int:
        pad = (-self.length) % 8
        if pad:
            self.parts.append(b"\0" * pad)
            self.length += pad
        view: dict = {"buffer": 0, "byteOffset": self.length, "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self.parts.append(data)
        self.length += len(data)
        self.views.append(view)
        return len(self.views) - 1

    def bytes(self) -> bytes:
        data = b"".join(self.parts)
        return data + b"\0" * ((-len(data)) % 8)


def _schema(properties: Sequence[Property]) -> dict:
    props = {}
    for p in properties:
        entry: dict = {"description": p.description}
        if p.kind == "STRING":
            entry["type"] = "STRING"
        elif p.kind == "BOOLEAN":
            entry["type"] = "BOOLEAN"
        else:
            entry["type"] = "SCALAR"
            entry["componentType"] = p.kind
        if p.no_data is not None:
            entry["noData"] = p.no_data
        props[p.name] = entry
    return {"id": SCHEMA_ID, "classes": {CLASS: {"properties": props}}}


def _filled(p: Property, column: Sequence) -> Sequence:
    """The column with ``p.no_data`` for its missing values (the list itself when none is)."""
    if isinstance(column, np.ndarray) or None not in column:
        return column
    return [p.no_data if v is None else v for v in column]


def _property_table(
    buffer: _Buffer, properties: Sequence[Property], columns: dict[str, Sequence], count: int
) -> dict:
    table: dict = {"class": CLASS, "count": count, "properties": {}}
    for p in properties:
        values = _filled(p, columns[p.name])
        if p.kind == "STRING":
            try:
                encoded = list(map(str.encode, values))
            except TypeError:  # not all str (str.encode refuses anything else)
                encoded = [str(v).encode() for v in values]
            lengths = np.fromiter(map(len, encoded), np.uint32, len(encoded))
            if not lengths.any():
                # All empty (no value, or blocks without a source id): an optional property
                # may be left out of the table, and an empty bufferView is not allowed.
                continue
            offsets = np.zeros(len(encoded) + 1, dtype=np.uint32)
            np.cumsum(lengths, out=offsets[1:])
            entry = {
                "values": buffer.add(b"".join(encoded)),
                "stringOffsets": buffer.add(offsets.tobytes()),
                "stringOffsetType": "UINT32",
            }
        elif p.kind == "BOOLEAN":
            bits = np.packbits(np.asarray(values, dtype=bool), bitorder="little")
            entry = {"values": buffer.add(bits.tobytes())}
        else:
            entry = {"values": buffer.add(np.asarray(values, dtype=_NUMERIC[p.kind]).tobytes())}
        table["properties"][p.name] = entry
    return table


def glb(
    mesh: Mesh,
    feature_colours: npt.NDArray[np.uint8],
    *,
    properties: Sequence[Property] = (),
    columns: dict[str, Sequence] | None = None,
    batch_ids: bool = False,
) -> bytes:
    """The glb of one tile's mesh (local east-north-up positions, written y-up).

    With ``batch_ids`` the feature index goes into ``_BATCHID`` (for b3dm) and no metadata
    extension is written; otherwise ``_FEATURE_ID_0`` + EXT_mesh_features, and with ``columns``
    an EXT_structural_metadata property table over ``properties``.
    """
    count = len(feature_colours)
    buffer = _Buffer()
    accessors: list[dict] = []

    def accessor(data: np.ndarray, ctype: int, atype: str, target: int, **extra) -> int:
        view = buffer.add(np.ascontiguousarray(data).tobytes(), target)
        acc = {"bufferView": view, "componentType": ctype, "count": len(data), "type": atype}
        acc.update(extra)
        accessors.append(acc)
        return len(accessors) - 1

    pos = y_up(mesh.positions).astype(np.float32)
    nrm = y_up(mesh.normals).astype(np.float32)
    nrm /= lengths(nrm)[:, None]
    lo, hi = bounds(pos)
    attributes = {
        "POSITION": accessor(
            pos,
            FLOAT,
            "VEC3",
            ARRAY_BUFFER,
            min=lo.astype(float).tolist(),
            max=hi.astype(float).tolist(),
        ),
        "NORMAL": accessor(nrm, FLOAT, "VEC3", ARRAY_BUFFER),
        "COLOR_0": accessor(
            vertex_colours(mesh, feature_colours),
            UNSIGNED_BYTE,
            "VEC4",
            ARRAY_BUFFER,
            normalized=True,
        ),
    }
    id_name = "_BATCHID" if batch_ids else "_FEATURE_ID_0"
    attributes[id_name] = accessor(mesh.feature.astype(np.float32), FLOAT, "SCALAR", ARRAY_BUFFER)
    small = len(pos) <= 65535
    indices = mesh.triangles.astype(np.uint16 if small else np.uint32).reshape(-1)
    index_accessor = accessor(
        indices, UNSIGNED_SHORT if small else UNSIGNED_INT, "SCALAR", ELEMENT_ARRAY_BUFFER
    )
    primitive: dict = {"attributes": attributes, "indices": index_accessor, "material": 0}
    gltf: dict = {"asset": {"version": "2.0", "generator": GENERATOR}}
    used: list[str] = []
    root_extensions: dict = {}
    if not batch_ids:
        used.append("EXT_mesh_features")
        feature_ids: dict = {"featureCount": count, "attribute": 0}
        if columns is not None:
            used.append("EXT_structural_metadata")
            feature_ids["propertyTable"] = 0
            root_extensions["EXT_structural_metadata"] = {
                "schema": _schema(properties),
                "propertyTables": [_property_table(buffer, properties, columns, count)],
            }
        primitive["extensions"] = {"EXT_mesh_features": {"featureIds": [feature_ids]}}
    binary = buffer.bytes()
    if used:
        gltf["extensionsUsed"] = used
    gltf |= {
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [primitive]}],
        "materials": [
            {
                "pbrMetallicRoughness": {
                    "baseColorFactor": [1.0, 1.0, 1.0, 1.0],
                    "metallicFactor": 0.0,
                    "roughnessFactor": 1.0,
                }
            }
        ],
        "accessors": accessors,
        "bufferViews": buffer.views,
        "buffers": [{"byteLength": len(binary)}],
    }
    if root_extensions:
        gltf["extensions"] = root_extensions
    return pack_glb(gltf, binary)


def vertex_colours(mesh: Mesh, feature_colours: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Each vertex's feature colour (linear RGBA bytes), times its shade when it has one."""
    rgba = feature_colours[mesh.feature]
    if mesh.shade is None:
        return rgba
    out = rgba.copy()
    out[:, :3] = np.round(rgba[:, :3] * mesh.shade[:, None]).astype(np.uint8)
    return out


def pack_glb(gltf: dict, binary: bytes) -> bytes:
    """The glb container; the binary chunk starts 8-byte aligned (b3dm embeds glb at 8 bytes)."""
    text = json.dumps(gltf, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((-(28 + len(text))) % 8)  # 12 + 8 + json + 8: a multiple of 8
    total = 12 + 8 + len(text) + 8 + len(binary)
    return b"".join(
        [
            struct.pack("<4sII", b"glTF", 2, total),
            struct.pack("<I4s", len(text), b"JSON"),
            text,
            struct.pack("<I4s", len(binary), b"BIN\0"),
            binary,
        ]
    )
