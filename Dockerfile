# The application image: the `kc` tool and its server. The database is the compose `postgis`
# service, reached through KC_DATABASE_URL (no embedded cluster in the container).

# The browser libraries, from package.json: `npm ci` in a throw-away node stage; only what the
# server serves goes into the application image: CesiumJS's built library for the web viewer
# (/viewer/, also the HTML pages' Natural Earth base map) and, for pygeoapi's HTML pages
# (/vendor/), the folders of gis/api/assets.py PACKAGES (tests/deploy checks they are all here).
FROM node:20-bookworm-slim AS node
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KC_HOME=/data \
    KC_HOST=0.0.0.0 \
    KC_PORT=5000

RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin postgresql-client \
       libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
COPY --from=node /build/node_modules/cesium/Build/Cesium /app/node_modules/cesium/Build/Cesium
COPY --from=node /build/node_modules/bootstrap/dist/css /app/node_modules/bootstrap/dist/css
COPY --from=node /build/node_modules/leaflet/dist /app/node_modules/leaflet/dist
COPY --from=node /build/node_modules/leaflet.markercluster/dist /app/node_modules/leaflet.markercluster/dist
COPY --from=node /build/node_modules/swagger-ui-dist /app/node_modules/swagger-ui-dist
RUN pip install --no-cache-dir -e . \
    && useradd --system --create-home --home-dir /data kc
USER kc
VOLUME /data
EXPOSE 5000
CMD ["sh", "-c", "kc db migrate && kc demo"]
