"""The embedded default: a PostgreSQL + PostGIS cluster that the tool manages itself.

The cluster lives in ``$KC_HOME/pgdata`` (see ``Cluster._place_data`` for the one exception) and listens on 127.0.0.1 only, with no Unix socket,
password authentication and a generated password kept in ``$KC_HOME/cluster.json`` (mode 600).
``initdb`` refuses to run as root, so when the tool runs as root (CI, containers) the server runs
as an unprivileged system user (``postgres`` when the distribution created it, else ``kc-postgres``).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from gis.store.errors import ClusterError
from gis.store.files import write_json_atomic
from gis.store.settings import Settings

DATABASE = "kc"
SUPERUSER = "kc"
STATE_FILE = "cluster.json"
FALLBACK_OS_USER = "kc-postgres"


@dataclass(frozen=True)
class ClusterState:
    """What the tool remembers about its cluster between runs."""

    port: int
    password: str
    os_user: str
    pgdata: str = ""
    database: str = DATABASE
    user: str = SUPERUSER

    def url(self, *, with_password: bool = True) -> str:
        secret = f":{quote(self.password, safe='')}" if with_password else ""
        return f"postgresql://{self.user}{secret}@127.0.0.1:{self.port}/{self.database}"


def find_bindir(override: Path | None = None) -> Path:
    """The directory of ``initdb``/``pg_ctl``: ``override`` (``KC_PG_BINDIR``), else the newest
    Debian install, else the ``PATH``."""
    candidates = (
        [Path(override)]
        if override
        else sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
    )
    for path in candidates:
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            return path
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    raise ClusterError(
        "PostgreSQL server programs (initdb, pg_ctl) were not found. Install them with "
        "'apt-get install postgresql-15-postgis-3' (as root, 'make demo' does it for you), "
        "or run 'docker compose up' and set KC_DATABASE_URL."
    )


def check_postgis_installed(bindir: Path) -> None:
    """Fail early, with the package to install, when the PostGIS extension files are missing."""
    sharedir = (
        subprocess.run(
            [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if (bindir / "pg_config").exists()
        else ""
    )
    candidates = [Path(sharedir)] if sharedir else []
    candidates.append(Path("/usr/share/postgresql") / bindir.parent.name)
    if not any((c / "extension" / "postgis.control").exists() for c in candidates):
        raise ClusterError(
            f"PostGIS is not installed for the PostgreSQL in {bindir}. Install it with "
            f"'apt-get install postgresql-{bindir.parent.name}-postgis-3'."
        )


class Cluster:
    """The managed cluster in one data folder."""

    def __init__(self, settings: Settings) -> None:
        if settings.uses_external_database:
            raise ClusterError(
                "KC_DATABASE_URL is set: the database is managed elsewhere and there is no local "
                "cluster to start, stop or inspect. Unset KC_DATABASE_URL to use the embedded one."
            )
        self.settings = settings
        self.home = settings.home
        self.state_path = self.home / STATE_FILE
        self.pgdata = self.home / "pgdata"
        self.logdir = self.home / "log"
        if self.state_path.exists():
            try:
                stored = json.loads(self.state_path.read_text()).get("pgdata")
            except ValueError:
                stored = None
            if stored:
                self.pgdata = Path(stored)
                self.logdir = self.pgdata.parent / "log"

    # -- state -------------------------------------------------------------------------------
    def state(self) -> ClusterState | None:
        """The remembered state, or None when the cluster was never initialised here."""
        if not self.state_path.exists() or not (self.pgdata / "PG_VERSION").exists():
            return None
        try:
            data = json.loads(self.state_path.read_text())
            return ClusterState(**data)
        except (ValueError, TypeError) as err:
            raise ClusterError(
                f"{self.state_path} is damaged ({err}); remove {self.home} to start afresh"
            ) from err

    def _write_state(self, state: ClusterState) -> None:
        write_json_atomic(self.state_path, asdict(state), mode=0o600)

    # -- running programs as the service user ---------------------------------------------------
    def _os_user(self) -> str:
        if os.geteuid() != 0:
            return pwd.getpwuid(os.geteuid()).pw_name
        for name in ("postgres", FALLBACK_OS_USER):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                FALLBACK_OS_USER,
            ],
            check=True,
        )
        return FALLBACK_OS_USER

    def _run(
        self, args: list[str], os_user: str, *, check: bool = True
    ) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if os.geteuid() == 0:
            entry = pwd.getpwnam(os_user)
            kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        env = {
            "PATH": self.settings.program_path,
            "LC_ALL": "C.UTF-8",
            "LANG": "C.UTF-8",
        }
        proc = subprocess.run(
            args, capture_output=True, text=True, cwd="/", env=env, check=False, **kwargs
        )
        if check and proc.returncode != 0:
            raise ClusterError(
                f"{Path(args[0]).name} failed (exit {proc.returncode}):\n"
                f"{(proc.stderr or proc.stdout).strip()}\nServer log: {self.logdir / 'postgresql.log'}"
            )
        return proc

    def _give_to(self, path: Path, os_user: str) -> None:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(os_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)
            os.chmod(path, 0o700)

    def _place_data(self, os_user: str) -> None:
        """Put the data where the service user can reach it.

        As root the server runs as ``os_user``, which may be unable to enter KC_HOME (a private
        parent such as /root or a 0700 temporary folder). Then the data goes to
        ``/var/lib/kc/<hash of KC_HOME>``, recorded in cluster.json, and KC_HOME keeps the rest.
        """
        if os.geteuid() != 0:
            return
        proc = self._run(["/usr/bin/test", "-x", str(self.home)], os_user, check=False)
        if proc.returncode == 0:
            return
        digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:16]
        base = Path("/var/lib/kc") / digest
        base.mkdir(parents=True, exist_ok=True)
        os.chmod(base.parent, 0o755)  # noqa: S103 - the service user must traverse it
        os.chmod(base, 0o755)  # noqa: S103 - idem
        self.pgdata = base / "pgdata"
        self.logdir = base / "log"

    # -- lifecycle -------------------------------------------------------------------------------
    def is_running(self) -> bool:
        state = self.state()
        if state is None:
            return False
        proc = self._run(
            [
                str(find_bindir(self.settings.pg_bindir) / "pg_ctl"),
                "status",
                "-D",
                str(self.pgdata),
            ],
            state.os_user,
            check=False,
        )
        return proc.returncode == 0

    def init(self) -> ClusterState:
        """Create the cluster (first time only) and return its state."""
        existing = self.state()
        if existing is not None:
            return existing
        bindir = find_bindir(self.settings.pg_bindir)
        check_postgis_installed(bindir)
        self.home.mkdir(parents=True, exist_ok=True)
        os_user = self._os_user()
        self._place_data(os_user)
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise ClusterError(
                f"{self.pgdata} exists but holds no cluster this tool created (no "
                f"{self.state_path}); move it away or set KC_HOME to another folder"
            )
        self._give_to(self.pgdata, os_user)
        self._give_to(self.logdir, os_user)
        state = ClusterState(
            port=self.settings.db_port or _free_port(),
            password=secrets.token_urlsafe(24),
            os_user=os_user,
            pgdata=str(self.pgdata),
        )
        pwfile = self.logdir / ".initdb-password"
        pwfile.write_text(state.password + "\n")
        self._give_to_file(pwfile, os_user)
        try:
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    state.user,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
                os_user,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# Managed by kc: localhost only, no Unix socket.\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {state.port}\n"
                "unix_socket_directories = ''\n"
                "shared_buffers = '256MB'\n"
                "max_connections = 100\n"
            )
        self._write_state(state)
        return state

    def _give_to_file(self, path: Path, os_user: str) -> None:
        os.chmod(path, 0o600)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(os_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> ClusterState:
        """Initialise when needed, start when stopped, and make sure the database exists."""
        state = self.init()
        port = self.settings.db_port
        if port is not None and port != state.port:
            raise ClusterError(
                f"KC_DB_PORT={port} but the cluster in {self.home} was set up on port {state.port}; "
                f"unset KC_DB_PORT or use another KC_HOME"
            )
        if not self.is_running():
            self._run(
                [
                    str(find_bindir(self.settings.pg_bindir) / "pg_ctl"),
                    "start",
                    "-D",
                    str(self.pgdata),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(self.logdir / "postgresql.log"),
                ],
                state.os_user,
            )
        self._ensure_database(state)
        return state

    def stop(self) -> bool:
        """Stop the cluster; False when it was not running."""
        state = self.state()
        if state is None or not self.is_running():
            return False
        self._run(
            [
                str(find_bindir(self.settings.pg_bindir) / "pg_ctl"),
                "stop",
                "-D",
                str(self.pgdata),
                "-m",
                "fast",
                "-w",
            ],
            state.os_user,
        )
        return True

    def _ensure_database(self, state: ClusterState) -> None:
        import psycopg2
        from psycopg2 import sql

        admin = ClusterState(**{**asdict(state), "database": "postgres"})
        conn = psycopg2.connect(admin.url())
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (state.database,))
                if cur.fetchone() is None:
                    cur.execute(
                        sql.SQL("CREATE DATABASE {}").format(sql.Identifier(state.database))
                    )
        finally:
            conn.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
