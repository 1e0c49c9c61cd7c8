#!/usr/bin/env bash
# Set-up shared by `make demo` and `make test`: system packages (PostgreSQL + PostGIS, GDAL tools)
# and the Python virtual environment. Fast and silent when everything is already there.
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

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
if [ ! -d node_modules/gltf-validator ] || [ ! -d node_modules/cesium ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> installing node packages (gltf-validator, cesium, the HTML pages' assets) into node_modules"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
# Reinstall when pyproject.toml changes or a top-level package appears (an editable install maps
# the packages that existed when it ran).
wanted="$(sha256sum pyproject.toml | cut -c1-16) $(ls -d */__init__.py 2>/dev/null | tr '\n' ' ')"
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$wanted" ]; then
    echo "==> installing Python dependencies into $VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -e '.[test]'
    echo "$wanted" > "$VENV/.installed"
fi
