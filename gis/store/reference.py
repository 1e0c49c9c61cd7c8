"""Reference data from ``config/``: cities, thematic fields, measurement points, statuses, challenges.

The YAML files are the source; ``kc db migrate`` upserts them, touching only rows that differ, so a
second run changes nothing. Rows are never deleted here: loaded data may refer to them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import psycopg2.extensions
import yaml

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


UPSERTS = {
    "city": """
        INSERT INTO kc.city AS t (code, name, role, country, district, boundary, concept, objectives, vision)
        VALUES (%s, %s, %s, %s, %s, ST_Multi(ST_GeomFromText(%s, 4326)), %s, %s, %s)
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role,
            country = EXCLUDED.country, district = EXCLUDED.district, boundary = EXCLUDED.boundary,
            concept = EXCLUDED.concept, objectives = EXCLUDED.objectives, vision = EXCLUDED.vision
        WHERE (t.name, t.role, t.country, t.district, t.concept, t.objectives, t.vision)
              IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.role, EXCLUDED.country, EXCLUDED.district,
                                EXCLUDED.concept, EXCLUDED.objectives, EXCLUDED.vision)
           OR NOT (t.boundary IS NOT DISTINCT FROM EXCLUDED.boundary)""",
    "thematic_field": """
        INSERT INTO kc.thematic_field AS t (code, name, sort_order) VALUES (%s, %s, %s)
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, sort_order = EXCLUDED.sort_order
        WHERE (t.name, t.sort_order) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.sort_order)""",
    "measurement_point": """
        INSERT INTO kc.measurement_point AS t (code, valid_at, label, project_month)
        VALUES (%s, %s, %s, %s)
        ON CONFLICT (code) DO UPDATE SET valid_at = EXCLUDED.valid_at, label = EXCLUDED.label,
            project_month = EXCLUDED.project_month
        WHERE (t.valid_at, t.label, t.project_month)
              IS DISTINCT FROM (EXCLUDED.valid_at, EXCLUDED.label, EXCLUDED.project_month)""",
    "implementation_status": """
        INSERT INTO kc.implementation_status AS t (code, label, sort_order, colour)
        VALUES (%s, %s, %s, %s)
        ON CONFLICT (code) DO UPDATE SET label = EXCLUDED.label, sort_order = EXCLUDED.sort_order,
            colour = EXCLUDED.colour
        WHERE (t.label, t.sort_order, t.colour)
              IS DISTINCT FROM (EXCLUDED.label, EXCLUDED.sort_order, EXCLUDED.colour)""",
    "challenge": """
        INSERT INTO kc.challenge AS t (code, label, controlled) VALUES (%s, %s, %s)
        ON CONFLICT (code) DO UPDATE SET label = EXCLUDED.label, controlled = true
        WHERE (t.label, t.controlled) IS DISTINCT FROM (EXCLUDED.label, true)""",
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
