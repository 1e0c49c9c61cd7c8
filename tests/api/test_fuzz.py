"""Property-based fuzzing of the served OpenAPI document with schemathesis.

``schemathesis run`` (the command a developer runs by hand, see ``command`` below) reads the
document the running server serves at ``/openapi?f=json`` (a copy of it: schemathesis would leave
out the operation it loaded the document from) and calls every operation the document declares
(GET, OPTIONS and DELETE today, and methods it does not declare on those paths) with generated
requests: valid ones and invalid ones (its positive and negative modes), its coverage phase of
boundary values and its fuzzing phase of at most 25 examples per operation. A third of the
``featureId`` values are real ids (read from the database), so the 200 answers of
``/items/{featureId}`` are checked too. Every response is checked against the same document:

- ``not_a_server_error``: no 5xx;
- ``status_code_conformance``, ``content_type_conformance``, ``response_headers_conformance``,
  ``response_schema_conformance``: the status, content type, headers and body are the ones the
  document declares for the operation;
- ``ogc_feature_content`` (``tests/api/fuzz_hooks.py``): a 200 JSON page or feature is what OGC
  API - Features defines, and its features carry the properties their collection declares.

Reproducible: ``--generation-deterministic`` (the same requests every run, no example
database), one worker, a timeout per request; the whole run takes about a minute here. A failure
lists each distinct problem with a ``curl`` line reproducing it; the whole output is kept in the
test's ``tmp_path`` (``schemathesis.txt``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import requests

from gis.api.config import load_template, tables
from gis.store.db import connect
from gis.store.settings import PROJECT_ROOT
from tests.api.feature_checks import declarations

#: Generated examples per operation in the fuzzing phase (the coverage phase adds its own).
EXAMPLES = 25
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ogc_feature_content",
)
HOOKS = Path(__file__).with_name("fuzz_hooks.py")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
#: How many real ids of each collection are offered to the featureId generator.
REAL_IDS = 3


def real_ids(url: str) -> dict[str, list[str]]:
    """A few ids of each collection: its first ones and its last one, read from its view."""
    result = {}
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            for collection, provider in tables(load_template()).items():
                view = f"kc.{provider['table']}"
                cur.execute(
                    f"(SELECT id::text AS value FROM {view} ORDER BY id LIMIT %s) "
                    f"UNION (SELECT id::text AS value FROM {view} ORDER BY id DESC LIMIT 1)",
                    (REAL_IDS - 1,),
                )
                result[collection] = sorted(row[0] for row in cur.fetchall())
    finally:
        conn.close()
    return result


def configuration(ids: dict[str, list[str]]) -> str:
    """schemathesis.toml: real ids mixed into each collection's ``featureId``."""
    lines = []
    for collection, values in ids.items():
        lines += [f"[dictionaries.{collection}]", f"values = {json.dumps(values)}", ""]
    for collection in ids:
        lines += [
            "[[operations]]",
            f'include-path = "/collections/{collection}/items/{{featureId}}"',
            f'parameters = {{ featureId = {{ dictionary = "{collection}", probability = 0.34 }} }}',
            "",
        ]
    return "\n".join(lines)


def test_every_operation_conforms_to_the_served_document(api, lyon_db, tmp_path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(configuration(real_ids(lyon_db[0])), encoding="utf-8")
    declared = declarations(api.base)
    declared_file = tmp_path / "declared.json"
    declared_file.write_text(
        json.dumps({name: properties for name, (properties, _) in declared.items()}),
        encoding="utf-8",
    )
    log = tmp_path / "requests.tsv"
    log.touch()
    report = tmp_path / "report.json"
    # From a copy: schemathesis leaves out the operation its document was loaded from (GET
    # /openapi), and that one is to be fuzzed as well.
    document = requests.get(f"{api.base}/openapi", params={"f": "json"}, timeout=60).json()
    served = tmp_path / "openapi.json"
    served.write_text(json.dumps(document), encoding="utf-8")
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        str(served),
        "--url",
        api.base,
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(EXAMPLES),
        "--generation-deterministic",
        "--continue-on-failure",
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
        ),
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "KC_FUZZ_LOG": str(log),
        "KC_FUZZ_DECLARED": str(declared_file),
    }
    proc = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path
    )
    (tmp_path / "schemathesis.txt").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    assert report.exists(), f"schemathesis did not run:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(report.read_text(encoding="utf-8"))
    sent = Counter(line.split("\t")[0] for line in log.read_text(encoding="utf-8").splitlines())
    figures = (
        f"fuzz: {result['operations']['tested']}/{result['operations']['total']} operations "
        f"tested, {result['test_cases']['generated']} test cases generated, {sum(sent.values())} "
        f"requests sent ({min(sent.values(), default=0)}..{max(sent.values(), default=0)} per "
        f"operation), {result['test_cases']['with_failures']} failing test cases, "
        f"{result['test_cases']['unique_failures']} unique failures, "
        f"{result['running_time']:.0f} s"
    )
    print(figures)
    for failure in result.get("failures", []):
        print(
            f"  {failure['code']} {failure['title']}: {failure['count']} in {failure['operations']}"
        )
    details = f"{figures}\n\n{_failures(proc.stdout)}"
    assert result["complete"] and result["stop_reason"] == "completed", details
    assert not result.get("errors"), details
    assert result["operations"]["tested"] == result["operations"]["total"], details
    # Every operation was called, EXAMPLES times at least when it has parameters to vary.
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            label = f"{method.upper()} {path}"
            least = EXAMPLES if item.get("parameters") or operation.get("parameters") else 1
            assert sent[label] >= least, f"{label}: {sent[label]} requests, expected {least}+"
    exit_code = proc.returncode  # (not proc itself in the assertion: pytest would print it all)
    assert exit_code == 0, details
    # The queryables name the properties the schema declares (the check above used the schema).
    assert not [p for _, problems in declared.values() for p in problems]


def _failures(output: str) -> str:
    """The ERRORS, FAILURES and SUMMARY sections of schemathesis' output (with curl lines)."""
    starts = [i for i in (output.find("= ERRORS ="), output.find("= FAILURES =")) if i >= 0]
    if not starts:
        return output[-20000:]
    return output[output.rfind("\n", 0, min(starts)) + 1 :]
