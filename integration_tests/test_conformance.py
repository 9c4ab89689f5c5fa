"""Certification-grade conformance: the rules Airbyte's Connector Acceptance Tests (CAT) hold a certified
source to, beyond airbyte-cdk's standard tests, checked on the binary's real `spec`, `discover` and `read`
against the Gong sandbox.

Written by us from CAT's documented rules (its reference documentation and the names and docstrings of
its `test_core.py` checks); no CAT code is used. Each test names the rule it stands for.

    cd integration_tests && ../target/airbyte-venv/bin/pytest test_conformance.py
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest

from conftest import CONNECTOR_BIN, sandbox_config

# The `format` values Airbyte's type system defines; CAT rejects others in catalog schemas.
AIRBYTE_FORMATS = {"date", "date-time", "time"}
AIRBYTE_TYPES = {
    "integer",
    "number",
    "boolean",
    "string",
    "timestamp_with_timezone",
    "timestamp_without_timezone",
    "time_with_timezone",
    "time_without_timezone",
    "date",
}
JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
# Every character Python's str.splitlines() splits on.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Field names that hold a secret unless they are a date or a URL (CAT: test_secret_is_properly_marked).
SECRET_WORDS = ("secret", "password", "token", "key", "client_id")


# ---- running the binary


def run(*args: str, timeout: float = 600) -> tuple[str, int]:
    proc = subprocess.run(
        [str(CONNECTOR_BIN), *args], capture_output=True, text=True, timeout=timeout
    )
    return proc.stdout, proc.returncode


def messages(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.split("\n") if line]


def of_type(msgs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in msgs if m["type"] == kind]


@cache
def spec_output() -> str:
    out, code = run("spec")
    assert code == 0
    return out


def spec() -> dict[str, Any]:
    return of_type(messages(spec_output()), "SPEC")[0]["spec"]


def connection_specification() -> dict[str, Any]:
    return spec()["connectionSpecification"]


@pytest.fixture(scope="module")
def config_path(sandbox, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("conformance") / "config.json"
    path.write_text(json.dumps(sandbox_config(sandbox.url)))
    return path


@pytest.fixture(scope="module")
def discovered(config_path: Path) -> tuple[str, list[dict[str, Any]]]:
    out, code = run("discover", "--config", str(config_path))
    assert code == 0, out
    catalogs = of_type(messages(out), "CATALOG")
    assert len(catalogs) == 1
    return out, catalogs[0]["catalog"]["streams"]


@pytest.fixture(scope="module")
def full_read(config_path: Path, discovered, tmp_path_factory) -> tuple[str, int]:
    """A full-refresh read of every discovered stream (CAT's high-strictness basic read)."""
    _, streams = discovered
    catalog = {
        "streams": [
            {
                "stream": stream,
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
            for stream in streams
        ]
    }
    path = tmp_path_factory.mktemp("conformance") / "catalog.json"
    path.write_text(json.dumps(catalog))
    return run("read", "--config", str(config_path), "--catalog", str(path), timeout=900)


# ---- walking schemas


def subschemas(schema: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema inside `schema` (itself included), with a JSON-pointer-like path. Only schema
    positions are visited, never the names inside `properties`."""
    if not isinstance(schema, dict):
        return
    yield path, schema
    for key in ("properties", "patternProperties", "definitions"):
        for name, sub in (schema.get(key) or {}).items():
            yield from subschemas(sub, f"{path}/{key}/{name}")
    for key in ("items", "additionalProperties", "not"):
        sub = schema.get(key)
        if isinstance(sub, list):
            for i, item in enumerate(sub):
                yield from subschemas(item, f"{path}/{key}/{i}")
        else:
            yield from subschemas(sub, f"{path}/{key}")
    for key in ("oneOf", "anyOf", "allOf"):
        for i, sub in enumerate(schema.get(key) or []):
            yield from subschemas(sub, f"{path}/{key}/{i}")


def types_of(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def is_object_schema(schema: dict[str, Any]) -> bool:
    return "object" in types_of(schema) or "properties" in schema


def property_at(schema: dict[str, Any], path: list[str]) -> dict[str, Any] | None:
    for name in path:
        options = [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]
        found = [o["properties"][name] for o in options if name in o.get("properties", {})]
        if not found:
            return None
        schema = found[0]
    return schema


def properties_of(spec_schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, name, schema) of every named property in the spec."""
    for path, schema in subschemas(spec_schema):
        for name, prop in (schema.get("properties") or {}).items():
            yield f"{path}/properties/{name}", name, prop


# ---- spec rules


def test_spec_is_valid_draft_07():
    """CAT test_match_expected / test_config_match_spec: the spec is a valid JSON Schema."""
    jsonschema.Draft7Validator.check_schema(connection_specification())
    assert connection_specification()["type"] == "object"


def test_spec_accepts_and_ignores_the_arguments_harnesses_pass(config_path: Path, tmp_path: Path):
    """The standard tests run `spec` with the read's arguments (`spec --catalog FILE`)."""
    missing = tmp_path / "not-there.json"
    for args in (
        ["--catalog", str(missing)],
        ["--config", str(config_path)],
        ["--state", str(missing)],
        ["--config", str(config_path), "--catalog", str(missing), "--state", str(missing)],
    ):
        out, code = run("spec", *args)
        assert code == 0, args
        assert out == spec_output(), args


def test_oneof_groups_are_objects_with_a_const_discriminator():
    """CAT test_oneof_usage: a oneOf sits in an object schema; every option is an object that holds the
    same discriminator property, a `const` (distinct per option) which the option requires."""
    groups = [(p, s) for p, s in subschemas(connection_specification()) if "oneOf" in s]
    assert groups, "the spec has the credentials choice"
    for path, group in groups:
        assert group.get("type") == "object", f"{path}: a oneOf group needs type object"
        options = group["oneOf"]
        assert all(o.get("type") == "object" for o in options), path
        shared = set.intersection(*(set(o.get("properties", {})) for o in options))
        discriminators = [
            name
            for name in shared
            if all("const" in o["properties"][name] for o in options)
        ]
        assert discriminators, f"{path}: no common const property"
        for name in discriminators:
            values = [o["properties"][name]["const"] for o in options]
            assert len(set(values)) == len(values), f"{path}: {name} repeats a const"
            assert all(name in o.get("required", []) for o in options), f"{path}: {name} not required"


def test_oauth_is_the_default_method():
    """CAT test_oauth_is_default_method: with advanced_auth, the first option of the group its
    predicate_key points into is the OAuth one."""
    auth = spec()["advanced_auth"]
    *group_path, key = auth["predicate_key"]
    group = property_at(connection_specification(), group_path)
    assert group is not None and "oneOf" in group
    assert group["oneOf"][0]["properties"][key]["const"] == auth["predicate_value"]


def test_advanced_auth_paths_exist_in_the_spec():
    """CAT test_oauth_flow_parameters: every path_in_connector_config names a spec property."""
    specification = spec()["advanced_auth"]["oauth_config_specification"]
    paths = [
        prop["path_in_connector_config"]
        for part in specification.values()
        for prop in part.get("properties", {}).values()
        if "path_in_connector_config" in prop
    ]
    assert paths
    for path in paths:
        assert property_at(connection_specification(), path) is not None, path


def test_additional_properties_are_true_everywhere_in_the_spec():
    """CAT test_additional_properties_is_true: a config written for an older version stays valid."""
    for path, schema in subschemas(connection_specification()):
        if is_object_schema(schema):
            assert schema.get("additionalProperties") is True, path


def test_secrets_are_marked_airbyte_secret():
    """CAT test_secret_is_properly_marked."""
    for path, name, prop in properties_of(connection_specification()):
        lowered = name.lower()
        looks_secret = any(word in lowered for word in SECRET_WORDS)
        if looks_secret and not lowered.endswith(("_date", "_url", "_type")):
            assert prop.get("airbyte_secret") is True, path


def test_dates_have_a_pattern_a_descriptor_and_examples_that_match():
    """CAT test_date_pattern / test_date_format: a date field says what it accepts, and `format` only
    where one form is accepted."""
    top = connection_specification()["properties"]
    dates = {name: schema for name, schema in top.items() if name.endswith("_date")}
    assert set(dates) >= {"start_date", "end_date"}
    for path, schema in dates.items():
        pattern = re.compile(schema["pattern"])
        assert schema.get("pattern_descriptor"), path
        assert schema.get("examples"), path
        for example in schema["examples"]:
            assert pattern.search(example), f"{path}: example {example} misses the pattern"
        forms = {"date" if len(e) == 10 else "date-time" for e in schema["examples"]}
        if "format" in schema:
            assert forms == {schema["format"]}, f"{path}: format with several accepted forms"
        # Both forms the connector accepts are admitted.
        assert pattern.search("2024-01-01") and pattern.search("2024-01-01T00:00:00Z"), path


def test_defaults_and_examples_match_their_type_and_bounds():
    """CAT test_defaults_are_valid / no `default: null`: each default and example validates against its
    own property."""
    for path, _, prop in properties_of(connection_specification()):
        assert "default" not in prop or prop["default"] is not None, f"{path}: default null"
        bare = {k: v for k, v in prop.items() if k not in ("default", "examples")}
        validator = jsonschema.Draft7Validator(bare)
        for value in ([prop["default"]] if "default" in prop else []) + prop.get("examples", []):
            assert validator.is_valid(value), f"{path}: {value!r}"


def test_spec_has_no_foreign_formats_and_orders_are_unique():
    """CAT test_property_type_is_not_array-style hygiene: formats Airbyte defines only; `order` unique
    within each object."""
    for path, schema in subschemas(connection_specification()):
        if "format" in schema:
            assert schema["format"] in AIRBYTE_FORMATS, path
        orders = [p.get("order") for p in (schema.get("properties") or {}).values()]
        orders = [o for o in orders if o is not None]
        assert len(orders) == len(set(orders)), f"{path}: repeated order"


def test_unknown_config_fields_are_accepted_with_a_warning(sandbox, tmp_path: Path):
    """A config from another version (extra fields) is accepted; each unknown field is logged."""
    config = sandbox_config(sandbox.url)
    config["strat_date"] = "2024-01-01"
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    out, code = run("check", "--config", str(path))
    msgs = messages(out)
    assert code == 0
    assert of_type(msgs, "CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"
    warnings = [m["log"]["message"] for m in of_type(msgs, "LOG") if m["log"]["level"] == "WARN"]
    assert any("`strat_date`" in w for w in warnings), warnings


# ---- catalog rules


def test_catalog_schemas_are_valid_draft_07_objects(discovered):
    """CAT test_defined_refs_exist_in_json_spec / test_streams_has_sync_modes: valid, self-contained."""
    _, streams = discovered
    names = [s["name"] for s in streams]
    assert len(names) == len(set(names))
    for stream in streams:
        schema = stream["json_schema"]
        jsonschema.Draft7Validator.check_schema(schema)
        assert "object" in types_of(schema), stream["name"]
        assert "$ref" not in json.dumps(schema), stream["name"]
        assert stream["supported_sync_modes"], stream["name"]
        assert set(stream["supported_sync_modes"]) <= {"full_refresh", "incremental"}


def test_catalog_schemas_never_forbid_additional_properties(discovered):
    """CAT test_additional_properties_is_true (catalog): no `additionalProperties: false` anywhere."""
    _, streams = discovered
    for stream in streams:
        for path, schema in subschemas(stream["json_schema"]):
            assert schema.get("additionalProperties") is not False, f"{stream['name']} {path}"


def test_catalog_schemas_use_only_airbyte_formats_and_types(discovered):
    """CAT test_schemas_have_valid_format / test_catalog_has_supported_data_types."""
    _, streams = discovered
    for stream in streams:
        for path, schema in subschemas(stream["json_schema"]):
            where = f"{stream['name']} {path}"
            if "format" in schema:
                assert schema["format"] in AIRBYTE_FORMATS, f"{where}: format {schema['format']}"
            if "airbyte_type" in schema:
                assert schema["airbyte_type"] in AIRBYTE_TYPES, where
            assert types_of(schema) <= JSON_TYPES, where


def test_primary_keys_and_cursors_exist_in_the_schemas(discovered):
    """CAT test_primary_keys_exist_in_schema / test_defined_cursors_exist_in_schema."""
    _, streams = discovered
    for stream in streams:
        schema = stream["json_schema"]
        for key in stream.get("source_defined_primary_key") or []:
            assert property_at(schema, key) is not None, f"{stream['name']}: primary key {key}"
        cursor = stream.get("default_cursor_field") or []
        if "incremental" in stream["supported_sync_modes"]:
            assert stream.get("source_defined_cursor") is True and cursor, stream["name"]
        if cursor:
            assert property_at(schema, cursor) is not None, f"{stream['name']}: cursor {cursor}"


# ---- read rules


def check_format(kind: str, value: Any) -> bool:
    if not isinstance(value, str):
        return True
    try:
        if kind == "date":
            date.fromisoformat(value)
        elif kind == "date-time":
            datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    for kind in ("date", "date-time"):
        checker.checks(kind)(lambda v, kind=kind: check_format(kind, v))
    return checker


def test_every_line_survives_splitlines(full_read):
    """Python readers (CAT, the CDK, PyAirbyte) split stdout with str.splitlines(): no record may hold a
    character it splits on, raw."""
    out, _ = full_read
    lines = out.split("\n")
    assert lines[-1] == ""
    assert out.splitlines() == lines[:-1]
    for line in lines[:-1]:
        assert not any(c in line for c in LINE_BREAKS)


def test_the_sandbox_record_with_every_line_break_comes_through_whole(full_read):
    """The sandbox's call whose title holds every character splitlines splits on, read intact."""
    out, _ = full_read
    titles = [
        m["record"]["data"].get("title") or ""
        for m in of_type(messages(out), "RECORD")
        if m["record"]["stream"] == "calls"
    ]
    assert any(all(c in title for c in LINE_BREAKS[2:]) for title in titles), (
        "no calls record holds the sandbox's line-break title"
    )


def test_read_succeeds_and_every_stream_completes(full_read, discovered):
    """CAT test_read: the read exits 0, every stream reports COMPLETE, and has records."""
    out, code = full_read
    assert code == 0
    msgs = messages(out)
    statuses: dict[str, list[str]] = {}
    for m in of_type(msgs, "TRACE"):
        if m["trace"]["type"] == "STREAM_STATUS":
            status = m["trace"]["stream_status"]
            statuses.setdefault(status["stream_descriptor"]["name"], []).append(status["status"])
        assert m["trace"]["type"] != "ERROR", m
    _, streams = discovered
    counts: dict[str, int] = {}
    for m in of_type(msgs, "RECORD"):
        counts[m["record"]["stream"]] = counts.get(m["record"]["stream"], 0) + 1
    for stream in streams:
        name = stream["name"]
        assert statuses.get(name, [])[-1:] == ["COMPLETE"], name
        assert counts.get(name, 0) > 0, f"{name} read no records"


def test_records_conform_to_their_schemas(full_read, discovered):
    """CAT test_read (validate_schema): every record validates against its stream's schema, formats
    included; primary keys are present and not null."""
    out, _ = full_read
    _, streams = discovered
    by_name = {s["name"]: s for s in streams}
    validators: dict[str, jsonschema.Draft7Validator] = {
        name: jsonschema.Draft7Validator(s["json_schema"], format_checker=format_checker())
        for name, s in by_name.items()
    }
    checked = 0
    for m in of_type(messages(out), "RECORD"):
        record = m["record"]
        name = record["stream"]
        assert name in by_name, name
        assert isinstance(record["data"], dict), name
        assert isinstance(record["emitted_at"], int), name
        errors = [e.message for e in validators[name].iter_errors(record["data"])][:3]
        assert not errors, f"{name}: {errors}"
        for key in by_name[name].get("source_defined_primary_key") or []:
            value: Any = record["data"]
            for part in key:
                value = value.get(part) if isinstance(value, dict) else None
            assert value is not None, f"{name}: primary key {key} missing"
        checked += 1
    assert checked > 0


def test_every_message_is_an_airbyte_message(full_read):
    """CAT reads only protocol messages from stdout."""
    from airbyte_cdk.models import AirbyteMessageSerializer

    out, _ = full_read
    for line in out.splitlines():
        AirbyteMessageSerializer.load(json.loads(line))

