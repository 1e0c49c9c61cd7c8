"""A small synthetic Common Reporting: projects in the three lighthouse cities over PM18/24/30.

Footprints and buildings are loaded with the real snapshot functions; reports are inserted with
plain SQL (the reporting loader is another module). ``EXPECTED_MATRIX`` is the cross-topic matrix
worked out by hand from ``REPORTS`` below: keep the two in step when editing either.
"""

from __future__ import annotations

import hashlib
import json

from gis.store import building_snapshots as buildings
from gis.store import project_snapshots as projects
from gis.store.report_sections import REPORT_SECTIONS

POINTS = ("PM18", "PM24", "PM30")
ORIGIN = {"lyon": (4.8200, 45.7350), "munich": (11.4300, 48.1400), "vienna": (16.4200, 48.1700)}


def square(city: str, dx: float, dy: float, size: float, multi: bool = False) -> str:
    x0, y0 = ORIGIN[city][0] + dx, ORIGIN[city][1] + dy
    x1, y1 = x0 + size, y0 + size
    ring = f"({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})"
    return f"SRID=4326;MULTIPOLYGON(({ring}))" if multi else f"SRID=4326;POLYGON({ring})"


def building_rows(city: str) -> list[tuple]:
    """Three buildings 30 m apart per city (the same at every point)."""
    return [
        (
            f"{city[:3].upper()}-B{i}",
            square(city, i * 0.0004, 0, 0.0002, multi=True),
            12.0 + i,
            False,
            4,
            None,
            None,
            "EPSG:4326",
            {},
        )
        for i in range(3)
    ]


# code, city, field, title, footprint per point (None: no footprint), status per point
PROJECTS = {
    "LYO-REF-1": (
        "lyon",
        "holistic_refurbishment",
        {
            "en": "Refurbishment of block A",
            "de": "Sanierung Block A",
            "fr": "Rénovation de l'îlot A",
        },
        {
            "PM18": square("lyon", 0, 0, 0.0006),
            "PM24": square("lyon", 0, 0, 0.0006),
            "PM30": square("lyon", 0, 0, 0.0011),
        },
        {"PM18": "in_preparation", "PM24": "in_implementation", "PM30": "in_implementation"},
    ),
    "LYO-EMOB-1": (
        "lyon",
        "e_mobility",
        {"en": "Electric car sharing station"},
        {
            p: f"SRID=4326;POINT({ORIGIN['lyon'][0] + 0.0001} {ORIGIN['lyon'][1] + 0.0001})"
            for p in POINTS
        },
        {"PM18": "planned", "PM24": "tendering", "PM30": "in_operation"},
    ),
    "MUC-REF-1": (
        "munich",
        "holistic_refurbishment",
        {"en": "Refurbishment Westkreuz", "de": "Sanierung Westkreuz"},
        {p: square("munich", 0, 0, 0.0009) for p in POINTS},
        {"PM18": "planned", "PM24": "planned", "PM30": "delayed"},
    ),
    "MUC-DATA-1": (
        "munich",
        "data_platform_smart_services",
        {"en": "Smart lampposts"},
        {"PM24": square("munich", 0.0004, 0, 0.0001), "PM30": square("munich", 0.0004, 0, 0.0001)},
        {"PM24": "in_preparation", "PM30": "in_operation"},
    ),
    "VIE-REF-1": (
        "vienna",
        "holistic_refurbishment",
        {"en": "Hauffgasse estate", "de": "Wohnhausanlage Hauffgasse"},
        {p: square("vienna", 0, 0, 0.0013) for p in POINTS},
        {"PM18": "in_implementation", "PM24": "in_implementation", "PM30": "completed"},
    ),
    "VIE-EMOB-1": (
        "vienna",
        "e_mobility",
        {"en": "E-mobility stations"},
        {p: square("vienna", 0.0008, 0, 0.0001) for p in POINTS},
        {"PM18": "tendering", "PM24": "in_implementation", "PM30": "in_implementation"},
    ),
    # Reported, but with no footprint: it must still be in its book.
    "VIE-CE-1": (
        "vienna",
        "citizen_engagement",
        {"en": "Citizen lab Simmering", "de": "Bürgerlabor Simmering"},
        {},
        {},
    ),
}

DE = {"objectives": "Deutsches Ziel", "lessons_learned": "Deutsche Erkenntnisse"}


def texts(code: str, point: str, german: bool) -> dict:
    out = {}
    for section in REPORT_SECTIONS:
        text = {"en": f"{section} of {code} at {point}"}
        if german and section in DE:
            text["de"] = f"{DE[section]} {code} {point}"
        out[section] = text
    return out


# (project, point, status, progress, challenges, German texts?)
REPORTS = [
    (
        "LYO-REF-1",
        "PM18",
        "in_preparation",
        10,
        ["activation-home-owners", "tender-regulations-procurement"],
        True,
    ),
    ("LYO-EMOB-1", "PM18", "planned", 0, ["business-models"], False),
    ("MUC-REF-1", "PM18", "planned", 5, ["activation-home-owners"], True),
    (
        "VIE-REF-1",
        "PM18",
        "in_implementation",
        30,
        ["tender-regulations-procurement", "subsidies-refurbishment"],
        False,
    ),
    ("VIE-EMOB-1", "PM18", "tendering", 15, ["business-models"], False),
    ("LYO-REF-1", "PM24", "in_implementation", 40, ["activation-home-owners"], True),
    (
        "LYO-EMOB-1",
        "PM24",
        "tendering",
        20,
        ["business-models", "tender-regulations-procurement"],
        False,
    ),
    ("MUC-REF-1", "PM24", "planned", 5, ["activation-home-owners"], True),
    ("MUC-DATA-1", "PM24", "in_preparation", 10, ["data-privacy"], False),
    ("VIE-REF-1", "PM24", "in_implementation", 60, ["subsidies-refurbishment"], False),
    ("VIE-EMOB-1", "PM24", "in_implementation", 50, [], False),
    ("VIE-CE-1", "PM24", "in_preparation", None, ["public-interest-participation"], True),
    ("LYO-REF-1", "PM30", "in_implementation", 70, ["activation-home-owners"], True),
    ("LYO-EMOB-1", "PM30", "in_operation", 100, ["business-models"], False),
    ("MUC-REF-1", "PM30", "delayed", 10, ["activation-home-owners", "scaling-solutions"], True),
    ("MUC-DATA-1", "PM30", "in_operation", 100, ["data-privacy"], False),
    ("VIE-REF-1", "PM30", "completed", 100, ["subsidies-refurbishment"], False),
    ("VIE-EMOB-1", "PM30", "in_implementation", 80, ["business-models"], False),
    ("VIE-CE-1", "PM30", "in_implementation", None, ["public-interest-participation"], True),
]
# A report corrected later: the superseded row raised data-privacy; it must count nowhere.
SUPERSEDED = [("LYO-EMOB-1", "PM30", "delayed", 90, ["data-privacy"], False)]

# (challenge, city, field) -> projects raising it; plus per challenge (shared, new since previous)
EXPECTED_MATRIX = {
    "PM18": {
        ("activation-home-owners", "lyon", "holistic_refurbishment"): ["LYO-REF-1"],
        ("activation-home-owners", "munich", "holistic_refurbishment"): ["MUC-REF-1"],
        ("business-models", "lyon", "e_mobility"): ["LYO-EMOB-1"],
        ("business-models", "vienna", "e_mobility"): ["VIE-EMOB-1"],
        ("subsidies-refurbishment", "vienna", "holistic_refurbishment"): ["VIE-REF-1"],
        ("tender-regulations-procurement", "lyon", "holistic_refurbishment"): ["LYO-REF-1"],
        ("tender-regulations-procurement", "vienna", "holistic_refurbishment"): ["VIE-REF-1"],
    },
    "PM24": {
        ("activation-home-owners", "lyon", "holistic_refurbishment"): ["LYO-REF-1"],
        ("activation-home-owners", "munich", "holistic_refurbishment"): ["MUC-REF-1"],
        ("business-models", "lyon", "e_mobility"): ["LYO-EMOB-1"],
        ("data-privacy", "munich", "data_platform_smart_services"): ["MUC-DATA-1"],
        ("public-interest-participation", "vienna", "citizen_engagement"): ["VIE-CE-1"],
        ("subsidies-refurbishment", "vienna", "holistic_refurbishment"): ["VIE-REF-1"],
        ("tender-regulations-procurement", "lyon", "e_mobility"): ["LYO-EMOB-1"],
    },
    "PM30": {
        ("activation-home-owners", "lyon", "holistic_refurbishment"): ["LYO-REF-1"],
        ("activation-home-owners", "munich", "holistic_refurbishment"): ["MUC-REF-1"],
        ("business-models", "lyon", "e_mobility"): ["LYO-EMOB-1"],
        ("business-models", "vienna", "e_mobility"): ["VIE-EMOB-1"],
        ("data-privacy", "munich", "data_platform_smart_services"): ["MUC-DATA-1"],
        ("public-interest-participation", "vienna", "citizen_engagement"): ["VIE-CE-1"],
        ("scaling-solutions", "munich", "holistic_refurbishment"): ["MUC-REF-1"],
        ("subsidies-refurbishment", "vienna", "holistic_refurbishment"): ["VIE-REF-1"],
    },
}
EXPECTED_SHARED = {
    "PM18": {"activation-home-owners", "business-models", "tender-regulations-procurement"},
    "PM24": {"activation-home-owners"},
    "PM30": {"activation-home-owners", "business-models"},
}
# PM18 follows "start", when nothing was reported: everything is new then.
EXPECTED_NEW = {
    "PM18": {
        "activation-home-owners",
        "business-models",
        "subsidies-refurbishment",
        "tender-regulations-procurement",
    },
    "PM24": {"data-privacy", "public-interest-participation"},
    "PM30": {"scaling-solutions"},
}


def load_fixture(conn) -> None:
    """Buildings, project footprints and reports of the fixture, committed."""
    for point in POINTS:
        for city in ORIGIN:
            with conn:
                buildings.stage_rows(conn.cursor(), building_rows(city))
                buildings.apply_staged(conn, city, point, source=f"fixture-buildings-{point}")
            rows = [
                (
                    code,
                    field,
                    title,
                    footprints[point],
                    statuses[point],
                    {"phase": point.lower(), "flats": {"en": "120 flats", "de": "120 Wohnungen"}},
                    "EPSG:4326",
                    None,
                )
                for code, (c, field, title, footprints, statuses) in PROJECTS.items()
                if c == city and point in footprints
            ]
            with conn:
                projects.stage_rows(conn.cursor(), rows)
                projects.apply_staged(conn, city, point, source=f"fixture-projects-{point}")
    with conn, conn.cursor() as cur:
        # The footprint-less project exists as an identity only.
        cur.execute(
            "INSERT INTO kc.project (code, city_code, thematic_field, title) VALUES (%s, %s, %s, %s)",
            ("VIE-CE-1", "vienna", "citizen_engagement", json.dumps(PROJECTS["VIE-CE-1"][2])),
        )
    insert_reports(conn, SUPERSEDED, superseded=True)
    insert_reports(conn, REPORTS)


def insert_reports(conn, reports: list[tuple], superseded: bool = False) -> None:
    """All ``reports`` in two set-based statements (reports, then their challenges)."""
    docs = []
    for code, point, status, progress, challenges, german in reports:
        doc = {
            "code": code,
            "point": point,
            "status": status,
            "progress": progress,
            "challenges": challenges,
            **texts(code, point, german),
        }
        doc["hash"] = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        docs.append(doc)
    with conn, conn.cursor() as cur:
        cur.execute(
            """WITH d AS (SELECT * FROM jsonb_to_recordset(%(docs)s::jsonb) AS x(
                   code text, point text, status text, progress numeric, objectives jsonb,
                   partners jsonb, drivers jsonb, barriers jsonb, corrective_actions jsonb,
                   risks jsonb, lessons_learned jsonb, hash text, challenges jsonb)),
               ins AS (
                   INSERT INTO kc.report (project_id, point_code, status, progress, objectives,
                       partners, drivers, barriers, corrective_actions, risks, lessons_learned,
                       reported_on, content_hash, superseded_at)
                   SELECT p.project_id, d.point, d.status, d.progress, d.objectives, d.partners,
                          d.drivers, d.barriers, d.corrective_actions, d.risks, d.lessons_learned,
                          m.valid_at - 14, decode(d.hash, 'hex'),
                          CASE WHEN %(superseded)s THEN now() END
                     FROM d JOIN kc.project p ON p.code = d.code
                     JOIN kc.measurement_point m ON m.code = d.point
                   RETURNING report_id, project_id, point_code)
               INSERT INTO kc.report_challenge (report_id, challenge_code)
               SELECT ins.report_id, c.code
                 FROM ins JOIN kc.project p USING (project_id)
                 JOIN d ON d.code = p.code AND d.point = ins.point_code,
                      jsonb_array_elements_text(d.challenges) AS c(code)""",
            {"docs": json.dumps(docs), "superseded": superseded},
        )
