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
from dataclasses import asdict, dataclass

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

    @property
    def changes(self) -> int:
        return self.new + self.changed + self.ended

    def as_dict(self) -> dict:
        return asdict(self)


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


def apply_snapshot(
    conn: psycopg2.extensions.connection,
    kind: VersionedKind,
    city: str,
    point: str,
    staging: str,
    *,
    source: str,
    source_sha256: str | None = None,
) -> SnapshotSummary:
    """Apply the snapshot held in temp table ``staging`` inside the caller's transaction.

    ``staging`` has one row per feature: the identity key (``kind.key``), ``content_hash`` and the
    content columns. The identities must exist and belong to ``city``. Leaves ``_kc_seg`` (the
    rewritten segments and their version ids) for the caller until the transaction ends.
    """
    cur = conn.cursor()
    t = snapshot_date(cur, city, point)
    ids = {
        "identity": _t(kind.identity_table),
        "version": _t(kind.version_table),
        "validity": _t(kind.validity_table),
        "key": sql.Identifier(kind.key),
        "stg": sql.Identifier(staging),
        "content": sql.SQL(", ").join(map(sql.Identifier, kind.content_columns)),
        "v_content": sql.SQL(", ").join(sql.Identifier("v", c) for c in kind.content_columns),
        "s_content": sql.SQL(", ").join(sql.Identifier("s", c) for c in kind.content_columns),
    }

    def run(statement: str, params: dict | None = None) -> None:
        cur.execute(sql.SQL(statement).format(**ids), params or {})

    cur.execute(
        sql.SQL(
            "SELECT count(*) FROM {stg} s LEFT JOIN {identity} i ON i.{key} = s.{key} "
            "WHERE i.city_code IS DISTINCT FROM %s"
        ).format(**ids),
        (city,),
    )
    if cur.fetchone()[0]:
        raise SnapshotError(
            f"the {kind.kind} snapshot holds features of another city than {city!r}"
        )

    cur.execute(
        "SELECT min(m.valid_at) FILTER (WHERE m.valid_at > %(t)s), "
        "       coalesce(bool_or(m.valid_at = %(t)s), false) "
        "FROM kc.load_run l JOIN kc.measurement_point m ON m.code = l.point_code "
        "WHERE l.kind = %(kind)s AND l.city_code = %(city)s",
        {"t": t, "kind": kind.kind, "city": city},
    )
    u, correction = cur.fetchone()
    params = {"t": t, "u": u, "city": city}

    for temp in ("_kc_cur", "_kc_class", "_kc_piece", "_kc_seg"):
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(temp)))

    # Rows currently believed that touch [t, u]: the version valid at t and its neighbours.
    run(
        """CREATE TEMP TABLE _kc_cur ON COMMIT DROP AS
           SELECT r.row_id, r.{key} AS ident, r.version_id, r.valid_from,
                  coalesce(r.valid_to, 'infinity'::date) AS vt, v.content_hash
             FROM {validity} r
             JOIN {version} v ON v.version_id = r.version_id
             JOIN {identity} i ON i.{key} = r.{key}
            WHERE i.city_code = %(city)s AND r.superseded_at IS NULL
              AND daterange(r.valid_from, r.valid_to) && daterange(%(t)s::date - 1, %(u)s, '[]')""",
        params,
    )
    run(
        """CREATE TEMP TABLE _kc_class ON COMMIT DROP AS
           SELECT coalesce(s.{key}, c.ident) AS ident,
                  CASE WHEN c.ident IS NULL THEN 'new'
                       WHEN s.{key} IS NULL THEN 'ended'
                       WHEN s.content_hash = c.content_hash THEN 'unchanged'
                       ELSE 'changed' END AS change
             FROM {stg} s
             FULL JOIN (SELECT * FROM _kc_cur WHERE valid_from <= %(t)s AND vt > %(t)s) c
               ON c.ident = s.{key}""",
        params,
    )
    cur.execute("SELECT change, count(*) FROM _kc_class GROUP BY change")
    counts = {"new": 0, "changed": 0, "unchanged": 0, "ended": 0, **dict(cur.fetchall())}
    summary = SnapshotSummary(
        kind=kind.kind,
        city=city,
        point=point,
        new=counts["new"],
        changed=counts["changed"],
        unchanged=counts["unchanged"],
        ended=counts["ended"],
        correction=bool(correction),
        load_id=None,
    )
    if summary.changes == 0 and correction:
        cur.execute(
            "CREATE TEMP TABLE _kc_seg (ident bigint, valid_from date, vt date, version_id bigint, "
            "copy_of bigint, staged boolean, new_version boolean) ON COMMIT DROP"
        )
        return summary  # the same snapshot again: nothing to record

    cur.execute(
        "INSERT INTO kc.load_run (kind, city_code, point_code, source, source_sha256, "
        "is_correction, summary) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING load_id",
        (
            kind.kind,
            city,
            point,
            source,
            source_sha256,
            bool(correction),
            json.dumps({k: counts[k] for k in ("new", "changed", "unchanged", "ended")}),
        ),
    )
    load_id = cur.fetchone()[0]
    params["load_id"] = load_id

    # The new timeline of every affected feature, in pieces: what stays before t, what stays
    # from u on, and the snapshot's content on [t, u).
    run(
        """CREATE TEMP TABLE _kc_piece ON COMMIT DROP AS
           SELECT c.ident, c.version_id, NULL::bigint AS copy_of, false AS staged,
                  c.content_hash, c.valid_from, LEAST(c.vt, %(t)s::date) AS vt
             FROM _kc_cur c JOIN _kc_class k USING (ident)
            WHERE k.change <> 'unchanged' AND c.valid_from < %(t)s
           UNION ALL
           SELECT c.ident,
                  CASE WHEN c.valid_from >= %(t)s THEN c.version_id END,
                  CASE WHEN c.valid_from < %(t)s THEN c.version_id END,
                  false, c.content_hash, GREATEST(c.valid_from, %(u)s::date), c.vt
             FROM _kc_cur c JOIN _kc_class k USING (ident)
            WHERE k.change <> 'unchanged' AND %(u)s::date IS NOT NULL AND c.vt > %(u)s::date
           UNION ALL
           SELECT s.{key}, NULL, NULL, true, s.content_hash, %(t)s::date,
                  coalesce(%(u)s::date, 'infinity'::date)
             FROM {stg} s JOIN _kc_class k ON k.ident = s.{key}
            WHERE k.change IN ('new', 'changed')""",
        params,
    )
    # Merge adjacent pieces with equal content (gaps and islands).
    run(
        """CREATE TEMP TABLE _kc_seg ON COMMIT DROP AS
           WITH marked AS (
               SELECT p.*, CASE WHEN lag(vt) OVER w = valid_from
                                 AND lag(content_hash) OVER w = content_hash
                                THEN 0 ELSE 1 END AS brk
                 FROM _kc_piece p WINDOW w AS (PARTITION BY ident ORDER BY valid_from)
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
    cur.execute(
        sql.SQL(
            "UPDATE _kc_seg SET version_id = nextval(pg_get_serial_sequence(%s, 'version_id')), "
            "new_version = true WHERE version_id IS NULL"
        ),
        (f"kc.{kind.version_table}",),
    )
    run(
        """INSERT INTO {version} (version_id, {key}, content_hash, {content})
           SELECT g.version_id, s.{key}, s.content_hash, {s_content}
             FROM _kc_seg g JOIN {stg} s ON s.{key} = g.ident
            WHERE g.new_version AND g.staged"""
    )
    run(
        """INSERT INTO {version} (version_id, {key}, content_hash, {content})
           SELECT g.version_id, v.{key}, v.content_hash, {v_content}
             FROM _kc_seg g JOIN {version} v ON v.version_id = g.copy_of
            WHERE g.new_version AND NOT g.staged"""
    )
    run(
        """UPDATE {validity} r SET superseded_at = now()
             FROM _kc_cur c JOIN _kc_class k USING (ident)
            WHERE r.row_id = c.row_id AND k.change <> 'unchanged'
              AND NOT EXISTS (SELECT 1 FROM _kc_seg g
                               WHERE g.ident = c.ident AND g.version_id = c.version_id
                                 AND g.valid_from = c.valid_from AND g.vt = c.vt)"""
    )
    run(
        """INSERT INTO {validity} (version_id, {key}, valid_from, valid_to, load_id)
           SELECT g.version_id, g.ident, g.valid_from, NULLIF(g.vt, 'infinity'::date), %(load_id)s
             FROM _kc_seg g
            WHERE NOT EXISTS (SELECT 1 FROM _kc_cur c
                               WHERE c.ident = g.ident AND c.version_id = g.version_id
                                 AND c.valid_from = g.valid_from AND c.vt = g.vt)
            ORDER BY g.ident, g.valid_from""",
        params,
    )
    return SnapshotSummary(**{**summary.as_dict(), "load_id": load_id})
