"""PyAirbyte (`airbyte` on PyPI) reads every stream from our executable into its default DuckDB cache;
the row counts equal the sandbox's, and a second read with the state PyAirbyte saved works."""

import collections
import json
import os
import subprocess

import pytest

from conftest import CONNECTOR_BIN, Sandbox, sandbox_config

os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

import airbyte as ab  # noqa: E402 - after AIRBYTE_OFFLINE_MODE
import airbyte.caches.util  # noqa: E402


def direct_read_counts(config_path, catalog_path) -> dict[str, int]:
    """Distinct primary keys per stream in a plain `source-gong read`."""
    out = subprocess.run(
        [str(CONNECTOR_BIN), "read", "--config", str(config_path), "--catalog", str(catalog_path)],
        capture_output=True, text=True, check=True,
    )
    catalog = json.loads(catalog_path.read_text())
    pks = {s["stream"]["name"]: s["primary_key"] for s in catalog["streams"]}
    keys = collections.defaultdict(set)
    for line in out.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            record = message["record"]
            pk = tuple(json.dumps(record["data"].get(path[0])) for path in pks[record["stream"]])
            keys[record["stream"]].add(pk)
    return {name: len(found) for name, found in keys.items()}


def test_pyairbyte_reads_every_stream_into_duckdb(tmp_path, monkeypatch):
    # The default cache is `.cache/default_cache` under the working directory PyAirbyte was imported
    # in; give this test a fresh one.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ab.caches.util, "DEFAULT_CACHE_ROOT", tmp_path / ".cache")
    sandbox = Sandbox("--calls", "200", "--users", "12", "--days", "30")
    try:
        config = sandbox_config(sandbox.url)
        source = ab.get_source(
            "source-gong", local_executable=str(CONNECTOR_BIN), config=config, streams="*"
        )
        source.check()
        streams = source.get_available_streams()
        assert len(streams) >= 14
        cache = ab.get_default_cache()

        first = source.read(cache=cache)
        counts = {name: len(dataset) for name, dataset in first.streams.items()}
        assert set(counts) == set(streams)

        # The sandbox's own counts, where an entity is a stream.
        expected = sandbox.get("/sandbox/dataset/counts")
        for name in ("users", "workspaces", "calls", "calls_extensive", "call_transcripts",
                     "settings_scorecards", "settings_trackers", "library_folders",
                     "library_folder_content", "stats_activity_scorecards",
                     "user_settings_history", "call_users_access", "calls_manual_crm_associations"):
            assert counts[name] == expected[name], (name, counts[name], expected[name])
        # The sandbox counts log entries per logType; the logs stream holds every type.
        assert counts["logs"] == sum(expected["logs"].values()), (counts["logs"], expected["logs"])
        # Every stream: the distinct records of a direct read of the same streams.
        catalog = tmp_path / "catalog.json"
        catalog.write_text(source.configured_catalog.model_dump_json())
        config_path = tmp_path / "config.json"
        config_path.write_text(json.dumps(config))
        direct = direct_read_counts(config_path, catalog)
        assert counts == direct
        assert all(n > 0 for n in counts.values()), counts

        # Second read: PyAirbyte passes the state it saved; incremental streams resume from it.
        second = source.read(cache=cache)
        assert second.processed_records < first.processed_records
        recount = {name: len(dataset) for name, dataset in second.streams.items()}
        assert recount == counts
        state = cache.get_state_provider(source_name=source.name)
        cursors = {s.stream_descriptor.name for s in state.stream_state_artifacts}
        assert {"calls", "calls_extensive", "call_transcripts"} <= cursors
    finally:
        sandbox.stop()


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q"]))
