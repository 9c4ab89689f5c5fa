"""metadata.yaml against Airbyte's connector metadata schema (vendored in metadata_schema/), and the
spec snapshot against the binary's `spec`."""

import json
import re
import subprocess
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import yaml
from referencing import Registry, Resource

from conftest import CONNECTOR_BIN, ROOT

SCHEMAS = Path(__file__).parent / "metadata_schema"
MAIN = "ConnectorMetadataDefinitionV0.yaml"


def load_metadata() -> dict:
    return yaml.safe_load((ROOT / "metadata.yaml").read_text())


def validator() -> jsonschema.Draft7Validator:
    vendored = {p.name: yaml.safe_load(p.read_text()) for p in SCHEMAS.glob("*.yaml")}

    def retrieve(uri: str) -> Resource:
        name = uri.rsplit("/", 1)[-1]
        # Sub-schemas of fields metadata.yaml does not use are not vendored; test_unvendored_refs
        # asserts metadata.yaml sets none of those fields.
        return Resource.opaque(vendored.get(name, {}))

    registry = Registry(retrieve=retrieve)
    schema = vendored[MAIN]
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(
        schema, registry=registry, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def test_metadata_is_valid_against_airbytes_schema():
    metadata = load_metadata()
    errors = sorted(validator().iter_errors(metadata), key=str)
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


# Fields whose Airbyte schema is not vendored but that a test of this file checks field by field.
CHECKED_HERE = {"releases": "test_breaking_changes_are_declared_for_catalog_streams"}


def test_unvendored_refs_are_unused():
    vendored = {p.name for p in SCHEMAS.glob("*.yaml")}
    schema = yaml.safe_load((SCHEMAS / MAIN).read_text())
    data = load_metadata()["data"]
    for field, definition in schema["properties"]["data"]["properties"].items():
        refs = json.dumps(definition)
        unvendored = [r for r in refs.split('"') if r.endswith(".yaml") and r not in vendored]
        if unvendored and field not in CHECKED_HERE:
            assert field not in data, f"{field} needs the schema {unvendored} vendored"


def test_breaking_changes_are_declared_for_catalog_streams():
    """`releases.breakingChanges` in the shape of Airbyte's ConnectorReleases schema (not vendored; its
    rules checked here): one entry per breaking version (x.y.z) up to the current one, each with a
    message, an upgradeDeadline date, and optionally scopedImpact of stream scopes naming catalog streams.
    A new major version must declare what breaks."""
    data = load_metadata()["data"]
    releases = data["releases"]
    assert set(releases) <= {"breakingChanges", "migrationDocumentationUrl"}
    changes = releases["breakingChanges"]
    assert changes, "breakingChanges needs at least one version"
    current = tuple(int(p) for p in data["dockerImageTag"].split("."))
    streams = {p.stem for p in (ROOT / "schemas").glob("*.json")}
    for version, change in changes.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", str(version)), version
        assert tuple(int(p) for p in str(version).split(".")) <= current, version
        assert set(change) <= {"upgradeDeadline", "message", "migrationDocumentationUrl", "scopedImpact"}
        assert isinstance(change["message"], str) and change["message"].strip()
        date.fromisoformat(change["upgradeDeadline"])
        for scope in change.get("scopedImpact", []):
            assert set(scope) == {"scopeType", "impactedScopes"}, scope
            assert scope["scopeType"] == "stream"
            assert scope["impactedScopes"] and set(scope["impactedScopes"]) <= streams, scope
    if current[1:] == (0, 0) and current[0] >= 1:
        assert data["dockerImageTag"] in changes, "a new major version declares its breaking change"


def test_metadata_values():
    data = load_metadata()["data"]
    uuid.UUID(data["definitionId"])
    assert urlparse(data["documentationUrl"]).scheme == "https"
    assert data["connectorType"] == "source" and data["connectorSubtype"] == "api"
    assert data["dockerRepository"] == "source-gong-rs/source-gong"
    assert "language:rust" in data["tags"]
    assert data["releaseStage"] == "alpha"
    assert {"${base_url}", "api.gong.io", "*.api.gong.io", "app.gong.io"} <= set(
        data["allowedHosts"]["hosts"]
    )
    cargo = (ROOT / "Cargo.toml").read_text()
    assert f'version = "{data["dockerImageTag"]}"' in cargo, "dockerImageTag = the crate version"


def test_spec_snapshot_matches_the_binary():
    out = subprocess.run([str(CONNECTOR_BIN), "spec"], capture_output=True, text=True, check=True)
    spec = json.loads(out.stdout.splitlines()[0])["spec"]
    snapshot = json.loads((Path(__file__).parent / "spec.json").read_text())
    assert spec == snapshot, (
        "integration_tests/spec.json is stale: regenerate it with "
        "`target/release/source-gong spec | jq .spec > integration_tests/spec.json`"
    )
    assert spec["documentationUrl"] == load_metadata()["data"]["documentationUrl"]
    assert spec["advanced_auth"]["auth_flow_type"] == "oauth2.0"


def test_suggested_streams_are_catalog_streams_without_the_costly_snapshots():
    """suggestedStreams (what a new connection selects through a registry) names catalog streams only and
    leaves out the streams costing requests per user (README, "The quota"); supportsFileTransfer is
    declared because call_media transfers recordings as files."""
    data = load_metadata()["data"]
    suggested = data["suggestedStreams"]["streams"]
    streams = {p.stem for p in (ROOT / "schemas").glob("*.json")}
    assert suggested and set(suggested) <= streams, set(suggested) - streams
    assert len(set(suggested)) == len(suggested)
    assert not {"flows", "user_settings_history"} & set(suggested)
    assert data["supportsFileTransfer"] is True
