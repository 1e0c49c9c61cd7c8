# The application image: the `kc` tool and its server. The database is the compose `postgis`
# service, reached through KC_DATABASE_URL (no embedded cluster in the container).

# CesiumJS for the web viewer (/viewer/): `npm ci` in a throw-away node stage; only the built
# library goes into the application image.
FROM node:20-bookworm-slim AS cesium
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
COPY --from=cesium /build/node_modules/cesium/Build/Cesium /app/node_modules/cesium/Build/Cesium
RUN pip install --no-cache-dir -e . \
    && useradd --system --create-home --home-dir /data kc
USER kc
VOLUME /data
EXPOSE 5000
CMD ["sh", "-c", "kc db migrate && kc demo"]
