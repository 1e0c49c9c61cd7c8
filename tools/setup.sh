#!/usr/bin/env bash
# Set-up shared by `make demo` and `make test`: system packages (PostgreSQL + PostGIS, GDAL tools)
# and the Python virtual environment. Fast and silent when everything is already there; each
# longer step says what it does and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_MAJOR="${KC_PG_MAJOR:-15}"
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

have_postgis() {
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 &&
        ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1
}

missing=()
have_postgis || missing+=("postgresql-${PG_MAJOR}-postgis-3")
command -v ogr2ogr >/dev/null 2>&1 || missing+=("gdal-bin")
"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=("python3-venv")
# Project Books: pango for WeasyPrint's PDF. Chromium renders books and CesiumJS headless in tests;
# node runs the glTF validator and serves nothing (CesiumJS comes from node_modules).
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib libpango-1.0.so.0 || missing+=("libpango-1.0-0")
have_lib libpangoft2-1.0.so.0 || missing+=("libpangoft2-1.0-0")
command -v node >/dev/null 2>&1 || missing+=("nodejs")
command -v npm >/dev/null 2>&1 || missing+=("npm")
[ -x /usr/bin/chromium ] || missing+=("chromium")
# poppler's pdftotext and pdftoppm check the layout of the PDF books in tests.
command -v pdftotext >/dev/null 2>&1 || missing+=("poppler-utils")

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> installing system packages: ${missing[*]}"
        # Our own cluster lives in KC_HOME: do not let the package create and start another one.
        mkdir -p /etc/postgresql-common
        if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
            echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Missing system packages: ${missing[*]}" >&2
        echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
        echo "or run the platform with Docker:  docker compose up" >&2
        exit 1
    fi
fi

# Each step that takes a while says so, and how long it took.
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# Node packages (CesiumJS, the glTF validator, the HTML pages' assets) install in the background
# while the Python ones do: the two are independent and each takes a while on a fresh clone.
npm_pid=""
if [ ! -d node_modules/gltf-validator ] || [ ! -d node_modules/cesium ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> installing node packages (npm ci: gltf-validator, cesium, the HTML pages' assets) in the background"
    npm_log="$(mktemp)"
    npm_started="$(now)"
    npm ci --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1 &
    npm_pid=$!
    # Not left running when a later step fails.
    trap 'kill "$npm_pid" 2>/dev/null || true' EXIT
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    started="$(now)"
    "$PYTHON" -m venv "$VENV"
    echo "    $VENV created ($(took "$started"))"
fi
# Reinstall when pyproject.toml changes or a top-level package appears (an editable install maps
# the packages that existed when it ran).
wanted="$(sha256sum pyproject.toml | cut -c1-16) $(ls -d */__init__.py 2>/dev/null | tr '\n' ' ')"
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$wanted" ]; then
    echo "==> installing Python dependencies into $VENV"
    started="$(now)"
    # uv (from PyPI) installs the same packages as pip in seconds, with a progress bar; pip is
    # the fallback where uv cannot be had.
    if [ ! -x "$VENV/bin/uv" ]; then
        "$VENV/bin/pip" install -q --disable-pip-version-check uv || true
    fi
    if [ -x "$VENV/bin/uv" ]; then
        "$VENV/bin/uv" pip install --python "$VENV/bin/python" -e '.[test]'
    else
        "$VENV/bin/pip" install --disable-pip-version-check --progress-bar on -e '.[test]'
    fi
    echo "$wanted" > "$VENV/.installed"
    echo "    Python dependencies installed ($(took "$started"))"
fi

if [ -n "$npm_pid" ]; then
    # A ticking clock while npm finishes (on a terminal), then its result.
    while [ -t 1 ] && kill -0 "$npm_pid" 2>/dev/null; do
        printf '\r    waiting for npm ci … %s' "$(took "$npm_started")"
        sleep 1
    done
    [ -t 1 ] && printf '\r\033[K'
    if ! wait "$npm_pid"; then
        cat "$npm_log" >&2
        rm -f "$npm_log"
        echo "npm ci failed (its output is above)" >&2
        exit 1
    fi
    rm -f "$npm_log"
    trap - EXIT
    echo "    node packages installed ($(took "$npm_started"))"
fi
