-- Reference data: cities, thematic fields, measurement points, implementation statuses.
-- The rows come from config/ (seeded by `kc db migrate`); the rules live here.

-- Text for people: English required, German and French optional, nothing else.
CREATE DOMAIN kc.i18n_text AS jsonb CHECK (
    VALUE IS NULL OR (
        jsonb_typeof(VALUE) = 'object'
        AND VALUE ? 'en'
        AND (VALUE - 'en' - 'de' - 'fr') = '{}'::jsonb
        AND NOT jsonb_path_exists(VALUE, '$.* ? (@.type() != "string")')
        AND length(btrim(VALUE ->> 'en')) > 0
    )
);
COMMENT ON DOMAIN kc.i18n_text IS 'A text in {"en": …, "de": …, "fr": …}; en required';

CREATE TABLE kc.city (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    name        kc.i18n_text NOT NULL,
    role        text NOT NULL CHECK (role IN ('lighthouse', 'follower')),
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    district    kc.i18n_text,
    boundary    geometry(MultiPolygon, 4326) CHECK (boundary IS NULL OR ST_IsValid(boundary)),
    concept     kc.i18n_text,
    objectives  kc.i18n_text,
    vision      kc.i18n_text,
    CHECK (role = 'follower' OR district IS NOT NULL)
);
COMMENT ON TABLE kc.city IS 'City level: lighthouse cities with a district, follower cities without';

CREATE TABLE kc.thematic_field (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    name        kc.i18n_text NOT NULL,
    sort_order  integer NOT NULL UNIQUE
);

CREATE TABLE kc.measurement_point (
    code          text PRIMARY KEY CHECK (code ~ '^[A-Za-z][A-Za-z0-9_]*$'),
    valid_at      date NOT NULL UNIQUE,
    label         kc.i18n_text NOT NULL,
    project_month integer CHECK (project_month >= 1)
);
COMMENT ON COLUMN kc.measurement_point.valid_at IS 'A snapshot loaded at this point is valid from this date';

CREATE TABLE kc.implementation_status (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z_]*$'),
    label       kc.i18n_text NOT NULL,
    sort_order  integer NOT NULL UNIQUE,
    colour      text NOT NULL CHECK (colour ~ '^#[0-9a-f]{6}$')
);
