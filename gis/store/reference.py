"""Reference data from ``config/``: cities, thematic fields, measurement points, statuses, challenges.

The YAML files are the source; ``kc db migrate`` upserts them, touching only rows that differ, so a
second run changes nothing. Rows are never deleted here: loaded data may refer to them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psycopg2.extensions
import yaml
from psycopg2 import sql

from gis.store.errors import ConfigError
from gis.store.settings import CONFIG_DIR

LANGUAGES = ("en", "de", "fr")


@dataclass(frozen=True)
class MeasurementPoint:
    code: str
    valid_at: dt.date
    project_month: int | None
    label: dict[str, str]


def read_yaml(path: Path, key: str) -> list[dict]:
    """The list under ``key`` in one config file, or a ConfigError naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot read: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ConfigError(f"{path}: expected a top-level '{key}:' list")
    return data[key]


def i18n(value: object, where: str, *, required: bool = True) -> dict[str, str] | None:
    """Validate a ``{en, de, fr}`` text: English required, only those languages."""
    if value is None and not required:
        return None
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict) or not str(value.get("en") or "").strip():
        raise ConfigError(f"{where}: expected a text with at least 'en', found {value!r}")
    unknown = set(value) - set(LANGUAGES)
    if unknown:
        raise ConfigError(f"{where}: unknown languages {sorted(unknown)}, expected {LANGUAGES}")
    return {k: str(v).strip() for k, v in value.items() if v is not None and str(v).strip()}


def measurement_points(config_dir: Path = CONFIG_DIR) -> list[MeasurementPoint]:
    """The configured measurement points, ordered by date."""
    path = config_dir / "measurement_points.yaml"
    points = []
    for n, entry in enumerate(read_yaml(path, "measurement_points"), start=1):
        where = f"{path}, entry {n}"
        try:
            valid_at = entry["valid_at"]
            if isinstance(valid_at, str):
                valid_at = dt.date.fromisoformat(valid_at)
            if not isinstance(valid_at, dt.date):
                raise ValueError(valid_at)
            points.append(
                MeasurementPoint(
                    code=str(entry["code"]),
                    valid_at=valid_at,
                    project_month=entry.get("project_month"),
                    label=i18n(entry.get("label"), f"{where}, label"),
                )
            )
        except KeyError as err:
            raise ConfigError(f"{where}: missing '{err.args[0]}'") from None
        except ValueError:
            raise ConfigError(
                f"{where}: valid_at must be a date YYYY-MM-DD, found {entry.get('valid_at')!r}"
            ) from None
    return sorted(points, key=lambda p: p.valid_at)


def _rows(config_dir: Path) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = {}
    path = config_dir / "cities.yaml"
    rows["city"] = [
        (
            c["code"],
            json.dumps(i18n(c.get("name"), f"{path}: {c['code']}.name")),
            c["role"],
            c["country"],
            json.dumps(i18n(c.get("district"), f"{path}: {c['code']}.district", required=False))
            if c.get("district")
            else None,
            c.get("boundary"),
            c["centre"],
            *(
                json.dumps(i18n(c.get(k), f"{path}: {c['code']}.{k}", required=False))
                if c.get(k)
                else None
                for k in ("concept", "objectives", "vision")
            ),
        )
        for c in read_yaml(path, "cities")
    ]
    path = config_dir / "thematic_fields.yaml"
    rows["thematic_field"] = [
        (f["code"], json.dumps(i18n(f.get("name"), f"{path}: {f['code']}.name")), n)
        for n, f in enumerate(read_yaml(path, "thematic_fields"), start=1)
    ]
    rows["measurement_point"] = [
        (p.code, p.valid_at, json.dumps(p.label), p.project_month)
        for p in measurement_points(config_dir)
    ]
    path = config_dir / "statuses.yaml"
    rows["implementation_status"] = [
        (s["code"], json.dumps(i18n(s.get("label"), f"{path}: {s['code']}.label")), n, s["colour"])
        for n, s in enumerate(read_yaml(path, "statuses"), start=1)
    ]
    path = config_dir / "challenges.yaml"
    rows["challenge"] = [
        (c["code"], json.dumps(i18n(c.get("label"), f"{path}: {c['code']}.label")), True)
        for c in read_yaml(path, "challenges")
    ]
    return rows


def upsert(
    table: str, columns: tuple[str, ...], values: dict[str, str] | None = None
) -> sql.Composed:
    """INSERT a row of ``kc.<table>`` keyed by its first column, or UPDATE it when it differs.

    Rows that already hold the same values are not touched, so the cursor's ``rowcount`` says how
    many rows changed. ``values`` gives an SQL expression for a column's ``%s`` where the value
    needs converting (constants of this module, never user input).
    """
    key, rest = columns[0], columns[1:]
    values = values or {}
    column = sql.Identifier
    listed = partial(sql.SQL(", ").join)
    return sql.SQL(
        "INSERT INTO {table} AS t ({columns}) VALUES ({values}) "
        "ON CONFLICT ({key}) DO UPDATE SET {assignments} "
        "WHERE ({old}) IS DISTINCT FROM ({new})"
    ).format(
        table=sql.Identifier("kc", table),
        columns=listed(map(column, columns)),
        values=listed(sql.SQL(values.get(c, "%s")) for c in columns),
        key=column(key),
        assignments=listed(sql.SQL("{0} = EXCLUDED.{0}").format(column(c)) for c in rest),
        old=listed(sql.SQL("t.{}").format(column(c)) for c in rest),
        new=listed(sql.SQL("EXCLUDED.{}").format(column(c)) for c in rest),
    )


#: The reference tables in seeding order, with the columns of their rows (see ``_rows``).
UPSERTS = {
    "city": upsert(
        "city",
        (
            "code",
            "name",
            "role",
            "country",
            "district",
            "boundary",
            "centre",
            "concept",
            "objectives",
            "vision",
        ),
        {
            "boundary": "ST_Multi(ST_GeomFromText(%s, 4326))",
            "centre": "ST_GeomFromText(%s, 4326)",
        },
    ),
    "thematic_field": upsert("thematic_field", ("code", "name", "sort_order")),
    "measurement_point": upsert(
        "measurement_point", ("code", "valid_at", "label", "project_month")
    ),
    "implementation_status": upsert(
        "implementation_status", ("code", "label", "sort_order", "colour")
    ),
    "challenge": upsert("challenge", ("code", "label", "controlled")),
}


def seed(conn: psycopg2.extensions.connection, config_dir: Path = CONFIG_DIR) -> dict[str, int]:
    """Upsert the reference rows in one transaction; returns how many rows changed per table."""
    try:
        rows = _rows(config_dir)
    except KeyError as err:
        raise ConfigError(
            f"{config_dir}: an entry lacks the required key '{err.args[0]}'"
        ) from None
    changed: dict[str, int] = {}
    with conn, conn.cursor() as cur:
        _refuse_moving_loaded_points(cur, rows["measurement_point"])
        for table, statement in UPSERTS.items():
            count = 0
            for row in rows[table]:
                cur.execute(statement, row)
                count += cur.rowcount
            changed[table] = count
    return changed


def _refuse_moving_loaded_points(cur: psycopg2.extensions.cursor, points: list[tuple]) -> None:
    cur.execute(
        "SELECT DISTINCT m.code, m.valid_at FROM kc.measurement_point m "
        "JOIN kc.load_run l ON l.point_code = m.code"
    )
    loaded = dict(cur.fetchall())
    for code, valid_at, *_ in points:
        if code in loaded and loaded[code] != valid_at:
            raise ConfigError(
                f"config/measurement_points.yaml moves {code} from {loaded[code]} to {valid_at}, but "
                f"data was loaded at {code}: its versions are valid from {loaded[code]}. Add a new "
                "point instead of moving a loaded one."
            )
