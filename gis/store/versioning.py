"""Valid-time versioning: apply a snapshot of one city at one measurement point, set-based.

A snapshot at point ``t`` states what the city looked like from ``t`` until the next measurement
point already loaded for that city (``u``, or open-ended when there is none). Applying it rewrites
each affected feature's timeline on ``[t, u)`` and keeps the rest:

* unchanged features keep their version (nothing is written);
* changed features: the version valid at ``t`` is closed at ``t`` and a new version opens;
* features missing from the snapshot are closed at ``t``;
* new features open a version at ``t``;
* adjacent pieces with the same content are merged, so a late-arriving earlier snapshot or a
  correction leaves the later versions right.

Nothing is deleted or updated in place except ``superseded_at``: a validity row that the new
timeline does not reproduce exactly is superseded (transaction time) and the new pieces are
recorded, so "what did we know at S about T" stays answerable. A version keeps its id when only its
end moves; a piece that continues a version after a gap gets a copy with a new id, so that every
version id stands for one unbroken validity interval.

Loading a snapshot for a point earlier than one already loaded is therefore handled, not refused:
the later points keep what they were loaded with.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import psycopg2.extensions
from psycopg2 import sql

from gis.store.errors import SnapshotError, UnknownReference
from gis.store.vocabulary import require_city, require_point


@dataclass(frozen=True)
class VersionedKind:
    """Where one kind of versioned feature lives, for the generic timeline rewrite."""

    kind: str
    identity_table: str
    key: str
    version_table: str
    validity_table: str
    content_columns: tuple[str, ...]


BUILDINGS = VersionedKind(
    kind="buildings",
    identity_table="building",
    key="building_id",
    version_table="building_version",
    validity_table="building_validity",
    content_columns=(
        "footprint",
        "height",
        "height_estimated",
        "storeys",
        "base_elevation",
        "geom_3d",
        "source_crs",
        "source_attributes",
        "lod",
        "surface_types",
        "surface_parts",
        "vertical_datum",
        "ellipsoid_offset",
        "geoid",
    ),
)

PROJECTS = VersionedKind(
    kind="projects",
    identity_table="project",
    key="project_id",
    version_table="project_version",
    validity_table="project_validity",
    content_columns=("footprint", "status", "attributes", "source_crs"),
)


@dataclass(frozen=True)
class SnapshotSummary:
    """What applying one snapshot did."""

    kind: str
    city: str
    point: str
    new: int
    changed: int
    unchanged: int
    ended: int
    correction: bool
    load_id: int | None
    #: The later points already loaded for this kind and city, in time order: the snapshot sets
    #: the state until the first of them; they keep what they were loaded with.
    later_points: tuple[str, ...] = ()

    @property
    def changes(self) -> int:
        return self.new + self.changed + self.ended


#: The rewrite's work tables (temporary, dropped at commit). ``SEGMENTS`` outlives the call: it is
#: handed to the caller in :class:`AppliedSnapshot`.
CURRENT = "_kc_cur"
CLASSES = "_kc_class"
PIECES = "_kc_piece"
SEGMENTS = "_kc_seg"
WORK_TABLES = (CURRENT, CLASSES, PIECES, SEGMENTS)


@dataclass(frozen=True)
class AppliedSnapshot:
    """What :func:`apply_snapshot` did, and the segments it wrote.

    ``segments`` names a temporary table, dropped when the transaction ends, with one row per
    piece of the rewritten timelines: ``ident`` (the feature's key), ``valid_from``, ``vt`` (end,
    ``infinity`` when open), ``version_id``, ``copy_of`` (the version whose content a new version
    copies, when a piece continues it after a gap), ``staged`` (the content comes from the staging
    table) and ``new_version`` (``version_id`` was allocated by this call). A caller that versions
    more than the kind's content columns (the buildings a project touches) fills that in from here.
    """

    summary: SnapshotSummary
    segments: sql.Identifier


def _t(name: str) -> sql.Identifier:
    return sql.Identifier("kc", name)


def snapshot_date(cur: psycopg2.extensions.cursor, city: str, point: str) -> dt.date:
    """The date of ``point``, once ``city`` and ``point`` are known to the database.

    An unknown one is a :class:`SnapshotError` (listing the known codes), the error every other
    refusal of a snapshot raises.
    """
    try:
        require_city(cur, city)
        return require_point(cur, point)
    except UnknownReference as err:
        raise SnapshotError(str(err)) from err


@dataclass(frozen=True)
class _Statements:
    """A cursor and the identifiers that the rewrite's statements are formatted with."""

    cur: psycopg2.extensions.cursor
    names: Mapping[str, sql.Composable]

    def run(self, statement: str, params: Mapping | Sequence | None = None) -> None:
        self.cur.execute(sql.SQL(statement).format(**self.names), params or {})


def _statements(cur: psycopg2.extensions.cursor, kind: VersionedKind, staging: str) -> _Statements:
    """The tables of ``kind``, the staging table and the work tables, as SQL identifiers."""
    names = {
        "identity": _t(kind.identity_table),
        "version": _t(kind.version_table),
        "validity": _t(kind.validity_table),
        "key": sql.Identifier(kind.key),
        "stg": sql.Identifier(staging),
        "content": sql.SQL(", ").join(map(sql.Identifier, kind.content_columns)),
        "v_content": sql.SQL(", ").join(sql.Identifier("v", c) for c in kind.content_columns),
        "s_content": sql.SQL(", ").join(sql.Identifier("s", c) for c in kind.content_columns),
        "current": sql.Identifier(CURRENT),
        "classes": sql.Identifier(CLASSES),
        "pieces": sql.Identifier(PIECES),
        "segments": sql.Identifier(SEGMENTS),
    }
    return _Statements(cur, names)


def apply_snapshot(
    conn: psycopg2.extensions.connection,
    kind: VersionedKind,
    city: str,
    point: str,
    staging: str,
    *,
    source: str,
    source_sha256: str | None = None,
    only: Sequence[int] | None = None,
    written_by: str | None = None,
) -> AppliedSnapshot:
    """Apply the snapshot held in temp table ``staging`` inside the caller's transaction.

    ``staging`` has one row per feature: the identity key (``kind.key``), ``content_hash`` and the
    content columns. The identities must exist and belong to ``city``. The steps below each do one
    set-based statement or two; the work tables live until the transaction ends.

    ``only`` makes it a snapshot of those features (keys) alone: the others are left as they are,
    and one of them missing from ``staging`` is ended at the point (a write of one feature through
    the web). ``written_by`` is the account that wrote it (recorded in the load run).
    """
    cur = conn.cursor()
    t = snapshot_date(cur, city, point)
    db = _statements(cur, kind, staging)
    _refuse_other_cities(db, kind, city)
    if only is None:
        u, correction, later = _loaded_around(cur, kind, city, t)
    else:
        u, correction, later = _own_around(db, t, list(only))
    window = {"t": t, "u": u, "city": city, "only": list(only) if only is not None else None}
    for table in WORK_TABLES:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
    _select_current(db, window)
    counts = _classify(db, window)
    _cut_pieces(db, window)
    _merge_segments(db)
    summary = SnapshotSummary(
        kind=kind.kind,
        city=city,
        point=point,
        **counts,
        correction=correction,
        load_id=None,
        later_points=later,
    )
    segments = sql.Identifier(SEGMENTS)
    if summary.changes == 0 and correction:
        # The same snapshot again: every feature unchanged, no segments, nothing to record.
        return AppliedSnapshot(summary, segments)
    load_id = _record_run(
        cur, summary, source=source, source_sha256=source_sha256, written_by=written_by
    )
    _allocate_version_ids(db)
    _insert_versions(db)
    _supersede(db)
    _insert_validity(db, load_id)
    return AppliedSnapshot(replace(summary, load_id=load_id), segments)


def _refuse_other_cities(db: _Statements, kind: VersionedKind, city: str) -> None:
    """A SnapshotError when a staged feature is unknown or belongs to another city."""
    db.run(
        "SELECT count(*) FROM {stg} s LEFT JOIN {identity} i ON i.{key} = s.{key} "
        "WHERE i.city_code IS DISTINCT FROM %s",
        (city,),
    )
    if db.cur.fetchone()[0]:
        raise SnapshotError(
            f"the {kind.kind} snapshot holds features of another city than {city!r}"
        )


def _loaded_around(
    cur: psycopg2.extensions.cursor, kind: VersionedKind, city: str, t: dt.date
) -> tuple[dt.date | None, bool, tuple[str, ...]]:
    """``u``, the first later point already loaded (None: none), whether ``t`` was loaded, and
    the codes of the later points loaded (in time order).

    The snapshot rewrites ``[t, u)`` only; loading ``t`` again is a correction.
    """
    params = {"t": t, "kind": kind.kind, "city": city}
    cur.execute(
        "SELECT min(m.valid_at) FILTER (WHERE m.valid_at > %(t)s), "
        "       coalesce(bool_or(m.valid_at = %(t)s), false) "
        "FROM kc.load_run l JOIN kc.measurement_point m ON m.code = l.point_code "
        "WHERE l.kind = %(kind)s AND l.city_code = %(city)s AND l.written_by IS NULL",
        params,
    )
    u, correction = cur.fetchone()
    later: tuple[str, ...] = ()
    if u is not None:
        cur.execute(
            "SELECT m.code FROM kc.measurement_point m WHERE m.valid_at > %(t)s AND EXISTS "
            "(SELECT 1 FROM kc.load_run l WHERE l.point_code = m.code AND l.kind = %(kind)s "
            "AND l.city_code = %(city)s AND l.written_by IS NULL) ORDER BY m.valid_at",
            params,
        )
        later = tuple(code for (code,) in cur.fetchall())
    return u, bool(correction), later


def _own_around(
    db: _Statements, t: dt.date, only: list[int]
) -> tuple[dt.date | None, bool, tuple[str, ...]]:
    """For a snapshot of some features alone: ``u`` is the start of their next believed version
    after ``t`` (None: none), so a write at a point holds until the feature's own next change,
    not the city's next load; whether one of them has a version starting at ``t``."""
    db.run(
        "SELECT min(valid_from) FILTER (WHERE valid_from > %(t)s), "
        "coalesce(bool_or(valid_from = %(t)s), false) FROM {validity} "
        "WHERE {key} = ANY (%(only)s::bigint[]) AND superseded_at IS NULL",
        {"t": t, "only": only},
    )
    u, correction = db.cur.fetchone()
    return u, bool(correction), ()


def _select_current(db: _Statements, window: Mapping[str, object]) -> None:
    """``current``: the believed validity rows of the city that touch ``[t - 1 day, u]``.

    That is the version valid at ``t`` and its neighbours, the only rows a merge can involve.
    """
    db.run(
        """CREATE TEMP TABLE {current} ON COMMIT DROP AS
           SELECT r.row_id, r.{key} AS ident, r.version_id, r.valid_from,
                  coalesce(r.valid_to, 'infinity'::date) AS vt, v.content_hash
             FROM {validity} r
             JOIN {version} v ON v.version_id = r.version_id
             JOIN {identity} i ON i.{key} = r.{key}
            WHERE i.city_code = %(city)s AND r.superseded_at IS NULL
              AND (%(only)s::bigint[] IS NULL OR r.{key} = ANY (%(only)s::bigint[]))
              AND daterange(r.valid_from, r.valid_to) && daterange(%(t)s::date - 1, %(u)s, '[]')""",
        window,
    )


def _classify(db: _Statements, window: Mapping[str, object]) -> dict[str, int]:
    """``classes``: each feature staged or valid at ``t`` as new, changed, unchanged or ended.

    Returns how many features fall in each class (every class present, possibly 0).
    """
    db.run(
        """CREATE TEMP TABLE {classes} ON COMMIT DROP AS
           SELECT coalesce(s.{key}, c.ident) AS ident,
                  CASE WHEN c.ident IS NULL THEN 'new'
                       WHEN s.{key} IS NULL THEN 'ended'
                       WHEN s.content_hash = c.content_hash THEN 'unchanged'
                       ELSE 'changed' END AS change
             FROM {stg} s
             FULL JOIN (SELECT * FROM {current} WHERE valid_from <= %(t)s AND vt > %(t)s) c
               ON c.ident = s.{key}""",
        window,
    )
    db.run("SELECT change, count(*) FROM {classes} GROUP BY change")
    return {"new": 0, "changed": 0, "unchanged": 0, "ended": 0, **dict(db.cur.fetchall())}


def _cut_pieces(db: _Statements, window: Mapping[str, object]) -> None:
    """``pieces``: the new timeline of every affected feature, not yet merged.

    What stays before ``t``, what stays from ``u`` on (a piece that starts before ``t`` continues
    there as a copy), and the snapshot's content on ``[t, u)``. Unchanged features have none.
    """
    db.run(
        """CREATE TEMP TABLE {pieces} ON COMMIT DROP AS
           SELECT c.ident, c.version_id, NULL::bigint AS copy_of, false AS staged,
                  c.content_hash, c.valid_from, LEAST(c.vt, %(t)s::date) AS vt
             FROM {current} c JOIN {classes} k USING (ident)
            WHERE k.change <> 'unchanged' AND c.valid_from < %(t)s
           UNION ALL
           SELECT c.ident,
                  CASE WHEN c.valid_from >= %(t)s THEN c.version_id END,
                  CASE WHEN c.valid_from < %(t)s THEN c.version_id END,
                  false, c.content_hash, GREATEST(c.valid_from, %(u)s::date), c.vt
             FROM {current} c JOIN {classes} k USING (ident)
            WHERE k.change <> 'unchanged' AND %(u)s::date IS NOT NULL AND c.vt > %(u)s::date
           UNION ALL
           SELECT s.{key}, NULL, NULL, true, s.content_hash, %(t)s::date,
                  coalesce(%(u)s::date, 'infinity'::date)
             FROM {stg} s JOIN {classes} k ON k.ident = s.{key}
            WHERE k.change IN ('new', 'changed')""",
        window,
    )


def _merge_segments(db: _Statements) -> None:
    """``segments``: adjacent pieces with equal content merged (gaps and islands).

    A segment keeps the first version id among its pieces, so a version whose end only moves keeps
    its id; a segment without one gets a new version in :func:`_allocate_version_ids`.
    """
    db.run(
        """CREATE TEMP TABLE {segments} ON COMMIT DROP AS
           WITH marked AS (
               SELECT p.*, CASE WHEN lag(vt) OVER w = valid_from
                                 AND lag(content_hash) OVER w = content_hash
                                THEN 0 ELSE 1 END AS brk
                 FROM {pieces} p WINDOW w AS (PARTITION BY ident ORDER BY valid_from)
           ), grouped AS (
               SELECT m.*, sum(brk) OVER (PARTITION BY ident ORDER BY valid_from) AS grp
                 FROM marked m
           )
           SELECT ident, min(valid_from) AS valid_from, max(vt) AS vt,
                  (array_agg(version_id ORDER BY valid_from)
                       FILTER (WHERE version_id IS NOT NULL))[1] AS version_id,
                  (array_agg(copy_of ORDER BY valid_from)
                       FILTER (WHERE copy_of IS NOT NULL))[1] AS copy_of,
                  bool_or(staged) AS staged, false AS new_version
             FROM grouped GROUP BY ident, grp"""
    )


def _record_run(
    cur: psycopg2.extensions.cursor,
    summary: SnapshotSummary,
    *,
    source: str,
    source_sha256: str | None,
    written_by: str | None = None,
) -> int:
    """Insert the ``kc.load_run`` row the new validity rows point to; returns its id."""
    counts = {k: getattr(summary, k) for k in ("new", "changed", "unchanged", "ended")}
    cur.execute(
        "INSERT INTO kc.load_run (kind, city_code, point_code, source, source_sha256, "
        "is_correction, summary, written_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        "RETURNING load_id",
        (
            summary.kind,
            summary.city,
            summary.point,
            source,
            source_sha256,
            summary.correction,
            json.dumps(counts),
            written_by,
        ),
    )
    return cur.fetchone()[0]


def _allocate_version_ids(db: _Statements) -> None:
    """Give every segment without a version id a new one from the version table's sequence."""
    db.run(
        "UPDATE {segments} SET version_id = nextval(pg_get_serial_sequence(%s, 'version_id')), "
        "new_version = true WHERE version_id IS NULL",
        (db.names["version"].as_string(db.cur),),
    )


def _insert_versions(db: _Statements) -> None:
    """Write the new versions: the staged content, or a copy of the version a piece continues."""
    db.run(
        """INSERT INTO {version} (version_id, {key}, content_hash, {content})
           SELECT g.version_id, s.{key}, s.content_hash, {s_content}
             FROM {segments} g JOIN {stg} s ON s.{key} = g.ident
            WHERE g.new_version AND g.staged"""
    )
    db.run(
        """INSERT INTO {version} (version_id, {key}, content_hash, {content})
           SELECT g.version_id, v.{key}, v.content_hash, {v_content}
             FROM {segments} g JOIN {version} v ON v.version_id = g.copy_of
            WHERE g.new_version AND NOT g.staged"""
    )


def _supersede(db: _Statements) -> None:
    """Close (transaction time) every current validity row the new timeline does not reproduce."""
    db.run(
        """UPDATE {validity} r SET superseded_at = now()
             FROM {current} c JOIN {classes} k USING (ident)
            WHERE r.row_id = c.row_id AND k.change <> 'unchanged'
              AND NOT EXISTS (SELECT 1 FROM {segments} g
                               WHERE g.ident = c.ident AND g.version_id = c.version_id
                                 AND g.valid_from = c.valid_from AND g.vt = c.vt)"""
    )


def _insert_validity(db: _Statements, load_id: int) -> None:
    """Record every segment that is not already a current validity row, under run ``load_id``."""
    db.run(
        """INSERT INTO {validity} (version_id, {key}, valid_from, valid_to, load_id)
           SELECT g.version_id, g.ident, g.valid_from, NULLIF(g.vt, 'infinity'::date), %(load_id)s
             FROM {segments} g
            WHERE NOT EXISTS (SELECT 1 FROM {current} c
                               WHERE c.ident = g.ident AND c.version_id = g.version_id
                                 AND c.valid_from = g.valid_from AND c.vt = g.vt)
            ORDER BY g.ident, g.valid_from""",
        {"load_id": load_id},
    )
