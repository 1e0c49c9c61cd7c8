"""Schema migrations: ordered, recorded with checksums, each in its own transaction.

``sql/migrations/NNNN_name.sql`` are applied once, in order, and never edited afterwards (an edit
is refused before anything runs). ``sql/functions/*.sql`` and then ``sql/views/*.sql`` hold objects
that are redeployed whole with ``CREATE OR REPLACE`` whenever their text changes, as 3DCityDB does.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import psycopg2.extensions

from gis.store.errors import MigrationError
from gis.store.settings import SQL_DIR

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
REPEATABLE_DIRS = ("functions", "views")
LOCK_KEY = 0x6B63_6D69  # "kcmi": one migrate at a time per database

BOOKKEEPING = """
CREATE SCHEMA IF NOT EXISTS kc_meta;
CREATE TABLE IF NOT EXISTS kc_meta.migration (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS kc_meta.repeatable (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT now()
);
"""


@dataclass(frozen=True)
class SqlFile:
    """One SQL file with the checksum of its exact bytes."""

    name: str
    path: Path
    checksum: str

    @classmethod
    def read(cls, path: Path, name: str) -> SqlFile:
        return cls(name=name, path=path, checksum=hashlib.sha256(path.read_bytes()).hexdigest())


@dataclass
class MigrationReport:
    """What one ``migrate`` run did."""

    applied: list[str] = field(default_factory=list)
    redeployed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied or self.redeployed)


def discover_migrations(sql_dir: Path = SQL_DIR) -> list[SqlFile]:
    """The migration files in order; a badly named or duplicated number is an error."""
    files = []
    seen: dict[str, str] = {}
    for path in sorted((sql_dir / "migrations").glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(
                f"{path}: migration files must be named NNNN_lowercase_name.sql, found {path.name!r}"
            )
        number = match.group(1)
        if number in seen:
            raise MigrationError(f"{path}: number {number} is already used by {seen[number]}")
        seen[number] = path.name
        files.append(SqlFile.read(path, path.name))
    return files


def discover_repeatables(sql_dir: Path = SQL_DIR) -> list[SqlFile]:
    """Functions then views, each folder in file-name order."""
    return [
        SqlFile.read(path, f"{folder}/{path.name}")
        for folder in REPEATABLE_DIRS
        for path in sorted((sql_dir / folder).glob("*.sql"))
    ]


def check_unchanged(recorded: dict[str, str], files: list[SqlFile]) -> None:
    """Refuse, naming every offender, when an applied migration was edited or removed."""
    by_name = {f.name: f for f in files}
    problems = []
    for name, checksum in sorted(recorded.items()):
        current = by_name.get(name)
        if current is None:
            problems.append(f"  {name}: applied to this database but the file is gone")
        elif current.checksum != checksum:
            problems.append(
                f"  {name}: edited after it was applied (recorded sha256 {checksum[:12]}…, "
                f"file now {current.checksum[:12]}…)"
            )
    if problems:
        raise MigrationError(
            "Refusing to migrate: applied migrations must never change. Restore them and put the "
            "change in a new migration file.\n" + "\n".join(problems)
        )


def stale_repeatables(deployed: dict[str, str], repeatables: list[SqlFile]) -> list[SqlFile]:
    """The first changed repeatable file and every one after it.

    A view file may drop and recreate a view that later files build on, so everything after the
    first change is redeployed too; when nothing changed, nothing is.
    """
    for index, obj in enumerate(repeatables):
        if deployed.get(obj.name) != obj.checksum:
            return repeatables[index:]
    return []


def migrate(conn: psycopg2.extensions.connection, sql_dir: Path = SQL_DIR) -> MigrationReport:
    """Bring the database to the current schema. Running it again changes nothing."""
    migrations = discover_migrations(sql_dir)
    repeatables = discover_repeatables(sql_dir)
    report = MigrationReport()
    with conn, conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SET LOCAL client_min_messages = warning")
            cur.execute(BOOKKEEPING)
        recorded = _recorded(conn, "migration")
        check_unchanged(recorded, migrations)
        for migration in migrations:
            if migration.name not in recorded:
                _apply(conn, migration, "migration")
                report.applied.append(migration.name)
        deployed = _recorded(conn, "repeatable")
        for obj in stale_repeatables(deployed, repeatables):
            _apply(conn, obj, "repeatable")
            report.redeployed.append(obj.name)
    finally:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return report


def _recorded(conn: psycopg2.extensions.connection, table: str) -> dict[str, str]:
    query = {
        "migration": "SELECT name, checksum FROM kc_meta.migration",
        "repeatable": "SELECT name, checksum FROM kc_meta.repeatable",
    }[table]
    with conn, conn.cursor() as cur:
        cur.execute(query)
        return dict(cur.fetchall())


def _apply(conn: psycopg2.extensions.connection, sql_file: SqlFile, table: str) -> None:
    record = {
        "migration": "INSERT INTO kc_meta.migration (name, checksum) VALUES (%s, %s)",
        "repeatable": (
            "INSERT INTO kc_meta.repeatable (name, checksum) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, deployed_at = now()"
        ),
    }[table]
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SET LOCAL client_min_messages = warning")
            cur.execute(sql_file.path.read_text())
            cur.execute(record, (sql_file.name, sql_file.checksum))
    except psycopg2.Error as err:
        raise MigrationError(
            f"{sql_file.path} failed and was rolled back, nothing of it applied: "
            f"{(err.pgerror or str(err)).strip()}"
        ) from err
