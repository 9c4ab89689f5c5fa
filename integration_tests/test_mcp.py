"""`source-gong mcp` driven by a real MCP client, the official Python SDK (`mcp` on PyPI), against the
sandbox: the tools it lists, every tool's answer next to `source-gong execute`'s for the same call,
errors and their kinds, paging through our continuation tokens, download confinement, OAuth refresh
persisted to the config file, and `execute --describe`."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import CONNECTOR_BIN, Sandbox, sandbox_config

TOOLS = {
    "users_list", "users_get", "calls_list", "calls_get", "calls_extensive_list",
    "call_audio_download", "call_video_download", "workspaces_list", "call_transcripts_list",
    "stats_activity_aggregate_list", "stats_activity_day_by_day_list", "stats_interaction_list",
    "settings_scorecards_list", "settings_trackers_list", "library_folders_list",
    "library_folder_content_list", "coaching_list", "stats_activity_scorecards_list",
    # Issue 17: Gong's read endpoints beyond the seed.
    "logs_list", "user_settings_history_list", "call_users_access_list",
    "calls_manual_crm_associations_list", "permission_profiles_list", "permission_profiles_get",
    "permission_profile_users_list", "flows_list", "crm_integrations_list", "crm_entity_schema_list",
    # Users by filter and the data-privacy look-ups.
    "users_extensive_list", "data_for_email_address_get", "data_for_phone_number_get",
}


@pytest.fixture(scope="module")
def gong():
    sb = Sandbox("--calls", "60", "--users", "8", "--days", "20")
    yield sb
    sb.stop()


@pytest.fixture()
def config(gong, tmp_path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(sandbox_config(gong.url)))
    return path


def execute(config: Path, entity: str, action: str, params: Any = None, *extra: str) -> tuple[dict, int]:
    args = [str(CONNECTOR_BIN), "execute", "--config", str(config), entity, action]
    if params is not None:
        args.append(json.dumps(params))
    proc = subprocess.run([*args, *extra], capture_output=True, text=True, timeout=120)
    return json.loads(proc.stdout), proc.returncode


def run_session(config: Path, body, *args: str):
    """Starts `source-gong mcp` with the SDK's stdio client and runs `body(session)`."""

    async def main():
        params = StdioServerParameters(
            command=str(CONNECTOR_BIN), args=["mcp", "--config", str(config), *args]
        )
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)

    return asyncio.run(main())


async def call(session: ClientSession, name: str, arguments: dict | None = None) -> tuple[dict, bool]:
    result = await session.call_tool(name, arguments or {})
    assert result.structuredContent is not None, result
    text = json.loads(result.content[0].text)
    assert text == result.structuredContent
    return result.structuredContent, bool(result.isError)


def ids(page: dict, key: str = "id") -> list[str]:
    return [record[key] for record in page["data"]]


@pytest.fixture(scope="module")
def known(gong, tmp_path_factory) -> dict:
    """Ids from the sandbox (through execute) that the tool calls need."""
    path = tmp_path_factory.mktemp("known") / "config.json"
    path.write_text(json.dumps(sandbox_config(gong.url)))
    users, _ = execute(path, "users", "list")
    workspaces, _ = execute(path, "workspaces", "list")
    extensive, _ = execute(
        path, "calls_extensive", "list",
        {"filter": {}, "contentSelector": {"exposedFields": {"media": True}}},
    )
    with_video = [c["metaData"]["id"] for c in extensive["data"] if c.get("media", {}).get("videoUrl")]
    with_audio = [c["metaData"]["id"] for c in extensive["data"] if c.get("media", {}).get("audioUrl")]
    workspace = workspaces["data"][0]["id"]
    folders, _ = execute(path, "library_folders", "list", {"workspaceId": workspace})
    managers = [u["managerId"] for u in users["data"] if u.get("managerId")]
    calls = [c["metaData"]["id"] for c in extensive["data"]]
    access, _ = execute(path, "call_users_access", "list", {"filter": {"callIds": calls}})
    profiles, _ = execute(path, "permission_profiles", "list", {"workspaceId": workspace})
    integrations, _ = execute(path, "crm_integrations", "list")
    return {
        "user": users["data"][0]["id"],
        "call": extensive["data"][0]["metaData"]["id"],
        "audio_call": with_audio[0],
        "video_call": with_video[0],
        "workspace": workspace,
        "folder": folders["data"][0]["id"],
        "manager": managers[0],
        "email": users["data"][0]["emailAddress"],
        "phone": next(u["phoneNumber"] for u in users["data"] if u.get("phoneNumber")),
        "access_call": access["data"][0]["callId"],
        "profile": profiles["data"][0]["id"],
        "integration": integrations["data"][0]["integrationId"],
    }


def tool_arguments(known: dict) -> dict[str, dict]:
    today = datetime.now(timezone.utc).date()
    days = {"fromDate": str(today - timedelta(days=6)), "toDate": str(today - timedelta(days=2))}
    start = (datetime.now(timezone.utc) - timedelta(days=30)).strftime("%Y-%m-%dT00:00:00Z")
    end = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    month = (today - timedelta(days=40)).strftime("%Y-%m-01T00:00:00Z")
    return {
        "users_list": {},
        "users_get": {"id": known["user"]},
        "calls_list": {"fromDateTime": start, "toDateTime": end},
        "calls_get": {"id": known["call"]},
        "calls_extensive_list": {
            "filter": {"callIds": [known["call"]]},
            "contentSelector": {"exposedFields": {"parties": True, "media": True}},
        },
        "workspaces_list": {},
        "call_transcripts_list": {"filter": {"callIds": [known["call"]]}},
        "stats_activity_aggregate_list": {"filter": days},
        "stats_activity_day_by_day_list": {"filter": days},
        "stats_interaction_list": {"filter": days},
        "settings_scorecards_list": {},
        "settings_trackers_list": {},
        "library_folders_list": {"workspaceId": known["workspace"]},
        "library_folder_content_list": {"folderId": known["folder"]},
        "coaching_list": {
            "workspace-id": known["workspace"], "manager-id": known["manager"],
            "from": month, "to": end,
        },
        "stats_activity_scorecards_list": {"filter": {"fromDateTime": start, "toDateTime": end}},
        "call_audio_download": {"filter": {"callIds": [known["audio_call"]]}},
        "logs_list": {"logType": "AccessLog", "fromDateTime": start},
        "user_settings_history_list": {"id": known["user"]},
        "call_users_access_list": {"filter": {"callIds": [known["access_call"], known["call"]]}},
        "calls_manual_crm_associations_list": {},
        "permission_profiles_list": {"workspaceId": known["workspace"]},
        "permission_profiles_get": {"profileId": known["profile"]},
        "permission_profile_users_list": {"profileId": known["profile"]},
        "flows_list": {"flowOwnerEmail": known["email"]},
        "crm_integrations_list": {},
        "crm_entity_schema_list": {"integrationId": known["integration"], "objectType": "DEAL"},
        "users_extensive_list": {"filter": {"userIds": [known["user"]]}},
        "data_for_email_address_get": {"emailAddress": known["email"]},
        "data_for_phone_number_get": {"phoneNumber": known["phone"]},
        "call_video_download": {
            "filter": {"callIds": [known["video_call"]]}, "range_header": "bytes=0-99999",
        },
    }


def test_lists_one_tool_per_entity_action_with_the_seeds_parameters(config):
    async def body(session):
        return (await session.list_tools()).tools

    tools = {t.name: t for t in run_session(config, body)}
    assert set(tools) == TOOLS
    users_get = tools["users_get"].inputSchema
    assert users_get["required"] == ["id"]
    assert users_get["properties"]["id"]["description"] == "User ID"
    coaching = tools["coaching_list"].inputSchema
    assert set(coaching["required"]) == {"workspace-id", "manager-id", "from", "to"}
    audio = tools["call_audio_download"].inputSchema
    assert audio["properties"]["filter"]["required"] == ["callIds"]
    assert "path" in audio["properties"]
    assert "continuation_token" in tools["users_list"].inputSchema["properties"]
    # The new entities' parents are required parameters, named in the tool's description.
    for name, required in [
        ("permission_profile_users_list", {"profileId"}),
        ("flows_list", {"flowOwnerEmail"}),
        ("crm_entity_schema_list", {"integrationId", "objectType"}),
        ("user_settings_history_list", {"id"}),
        ("permission_profiles_list", {"workspaceId"}),
        ("permission_profiles_get", {"profileId"}),
        ("logs_list", {"logType", "fromDateTime"}),
    ]:
        assert set(tools[name].inputSchema["required"]) == required, name
        assert all(p in tools[name].description for p in required), name
    assert tools["crm_entity_schema_list"].inputSchema["properties"]["objectType"]["enum"] == [
        "ACCOUNT", "CONTACT", "DEAL", "LEAD",
    ]
    for tool in tools.values():
        if tool.name.endswith("_download"):
            continue  # disabled here: its description says how to enable it
        assert "request" in tool.description, tool.name
    assert "--download-dir" in tools["call_audio_download"].description


def unsigned(data: Any) -> Any:
    """`data` with signed media URLs' expiry and signature blanked: Gong (and the sandbox) sign each URL
    anew, so two calls a second apart give different query strings for the same file."""
    text = re.sub(r"expires=\d+&signature=[0-9a-f]+", "expires=_&signature=_", json.dumps(data))
    return json.loads(text)


def test_every_tool_answers_as_execute_does(config, known, tmp_path):
    downloads = tmp_path / "downloads"
    arguments = tool_arguments(known)

    async def body(session):
        return {name: await call(session, name, args) for name, args in arguments.items()}

    answers = run_session(
        config, body, "--download-dir", str(downloads), "--max-result-chars", "100000000"
    )
    assert set(answers) == TOOLS
    for name, (answer, is_error) in answers.items():
        assert not is_error, (name, answer)
        entity, action = name.rsplit("_", 1)
        if action == "download":
            out = tmp_path / f"{name}.bin"
            expected, code = execute(config, entity, action, arguments[name], "--output", str(out))
            assert code == 0, expected
            got = answer["data"]
            for field in ("callId", "kind", "bytesWritten", "totalSize", "contentType", "firstByte"):
                assert got[field] == expected["data"][field], (name, field)
            assert Path(got["path"]).parent == downloads.resolve()
            assert Path(got["path"]).read_bytes() == out.read_bytes()
            continue
        expected, code = execute(config, entity, action, arguments[name])
        assert code == 0, (name, expected)
        got, want = unsigned(answer["data"]), unsigned(expected["data"])
        if name.startswith("data_for_"):
            # The whole answer is the record, with Gong's id of each request.
            got.pop("requestId", None), want.pop("requestId", None)
        assert got == want, name
        if action == "list":
            assert answer["data"], f"{name} returned nothing: the comparison would prove little"
            pagination = dict(expected["meta"]["pagination"])
            pagination.pop("cursor", None)
            assert answer["meta"]["pagination"] == pagination, name


def test_errors_have_executes_kinds_and_messages(config):
    cases = [
        ("users_get", {"id": "1"}, "not_found"),
        ("users_get", {"id": 5}, "config_error"),
        ("users_get", {}, "config_error"),
        ("calls_list", {"fromDateTime": "yesterday"}, "config_error"),
        ("calls_list", {"bogus": True}, "config_error"),
        ("library_folder_content_list", {}, "config_error"),
        ("permission_profile_users_list", {}, "config_error"),
        ("flows_list", {"workspaceId": "1"}, "config_error"),
        ("crm_entity_schema_list", {"integrationId": "1", "objectType": "deal"}, "config_error"),
        ("user_settings_history_list", {"id": "1"}, "not_found"),
    ]

    async def body(session):
        return [await call(session, name, args) for name, args, _ in cases]

    answers = run_session(config, body)
    for (name, args, kind), (answer, is_error) in zip(cases, answers):
        assert is_error, (name, answer)
        assert answer["error"]["kind"] == kind, (name, answer)
        entity, action = name.rsplit("_", 1)
        expected, _ = execute(config, entity, action, args)
        assert answer == expected, name

    async def others(session):
        return [
            await call(session, "no_such_tool", {}),
            await call(session, "users_list", {"continuation_token": "garbage"}),
            await call(session, "call_audio_download", {"filter": {"callIds": ["1"]}}),
        ]

    unknown, garbage, no_dir = run_session(config, others)
    assert unknown[1] and unknown[0]["error"]["kind"] == "config_error"
    assert garbage[1] and garbage[0]["error"]["kind"] == "config_error"
    assert no_dir[1] and "--download-dir" in no_dir[0]["error"]["message"]


def all_records(config: Path, entity: str, params: dict, key: str) -> list:
    """Every record of a list through execute, following Gong's cursor."""
    records, params = [], dict(params)
    while True:
        page, code = execute(config, entity, "list", params)
        assert code == 0, page
        records += [r[key] if key else r for r in page["data"]]
        cursor = page["meta"]["pagination"].get("cursor")
        if not cursor:
            return records
        params["cursor"] = cursor


def follow_tokens(config: Path, tool: str, args: dict, limit: int, key: str) -> tuple[list, list]:
    async def body(session):
        answers = [await call(session, tool, args)]
        while token := answers[-1][0]["meta"].get("continuation_token"):
            answers.append(await call(session, tool, {"continuation_token": token}))
        return answers

    answers = run_session(config, body, "--max-result-chars", str(limit))
    records = []
    for answer, is_error in answers:
        assert not is_error, answer
        records += [r[key] if key else r for r in answer["data"]]
    return records, [a for a, _ in answers]


def test_paging_by_continuation_token_returns_the_full_list_once(config, gong):
    start = (datetime.now(timezone.utc) - timedelta(days=30)).strftime("%Y-%m-%dT00:00:00Z")
    params = {"fromDateTime": start}
    expected = all_records(config, "calls", params, "id")
    assert len(expected) > 5
    limit = 4000
    got, answers = follow_tokens(config, "calls_list", params, limit, "id")
    assert got == expected
    assert len(answers) > 2
    for answer in answers:
        chars = sum(len(json.dumps(r, ensure_ascii=False, separators=(",", ":"))) for r in answer["data"])
        assert answer["meta"]["returned"] == len(answer["data"])
        assert chars <= limit or len(answer["data"]) == 1
    token = answers[0]["meta"]["continuation_token"]
    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert decoded["p"] == params and decoded["o"] > 0

    # A limit below every record's size: one record per answer, each with a note.
    users = all_records(config, "users", {}, "id")
    got, answers = follow_tokens(config, "users_list", {}, 10, "id")
    assert got == users
    assert all(len(a["data"]) == 1 and "note" in a["meta"] for a in answers)


def test_downloads_stay_inside_the_download_directory(config, known, tmp_path):
    downloads = tmp_path / "downloads"
    call_id = known["audio_call"]
    outside = tmp_path / "outside.mp3"
    (downloads / "link").parent.mkdir(parents=True, exist_ok=True)
    (downloads / "link").symlink_to(tmp_path, target_is_directory=True)
    bad_paths = ["../outside.mp3", str(outside), "sub/../../outside.mp3", "link/outside.mp3"]

    async def body(session):
        answers = []
        for path in bad_paths:
            args = {"filter": {"callIds": [call_id]}, "path": path}
            answers.append(await call(session, "call_audio_download", args))
        good = {"filter": {"callIds": [call_id]}, "path": "calls/a.mp3"}
        answers.append(await call(session, "call_audio_download", good))
        answers.append(await call(session, "call_audio_download", {"filter": {"callIds": [call_id]}}))
        return answers

    answers = run_session(config, body, "--download-dir", str(downloads))
    for path, (answer, is_error) in zip(bad_paths, answers):
        assert is_error and answer["error"]["kind"] == "config_error", (path, answer)
    assert not outside.exists()
    (named, err1), (default, err2) = answers[-2:]
    assert not err1 and not err2
    assert Path(named["data"]["path"]) == (downloads / "calls/a.mp3").resolve()
    assert Path(default["data"]["path"]) == (downloads / f"{call_id}-audio.mp3").resolve()
    size = (downloads / "calls/a.mp3").stat().st_size
    assert size == named["data"]["bytesWritten"] == named["data"]["totalSize"] > 0
    assert not list(downloads.rglob("*.part"))


def test_oauth_refresh_token_is_written_back_to_the_config(gong, tmp_path):
    path = tmp_path / "oauth.json"
    config = {
        **sandbox_config(gong.url),
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": "sandbox-client-id",
            "client_secret": "sandbox-client-secret",
            "refresh_token": "sandbox-refresh-token-0",
        },
        "oauth_token_url": f"{gong.url}/oauth2/generate-customer-token",
    }
    path.write_text(json.dumps(config))

    async def body(session):
        return [await call(session, "users_list"), await call(session, "workspaces_list")]

    for answer, is_error in run_session(path, body):
        assert not is_error, answer
    rotated = json.loads(path.read_text())["credentials"]["refresh_token"]
    assert rotated != "sandbox-refresh-token-0"
    # The old token is spent: the saved one must let a new server refresh (without the saved
    # access token, which would spare it the refresh).
    saved = json.loads(path.read_text())
    saved["credentials"].pop("access_token", None)
    path.write_text(json.dumps(saved))
    for answer, is_error in run_session(path, body):
        assert not is_error, answer
    assert json.loads(path.read_text())["credentials"]["refresh_token"] != rotated


def test_stdout_is_json_rpc_only(config):
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "users_get", "arguments": {"id": "1"}}},
    ]
    proc = subprocess.Popen(
        [str(CONNECTOR_BIN), "mcp", "--config", str(config)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines = []
    try:
        for message in messages:
            proc.stdin.write(json.dumps(message) + "\n")
            proc.stdin.flush()
            if "id" in message:
                lines.append(proc.stdout.readline())
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    rest = proc.stdout.read()
    assert rest == ""
    answers = [json.loads(line) for line in lines]
    assert [a["id"] for a in answers] == [1, 2]
    assert all(a["jsonrpc"] == "2.0" for a in answers)
    assert answers[1]["result"]["isError"] is True


def test_describe_lists_entities_parameters_and_record_schemas():
    out = subprocess.run(
        [str(CONNECTOR_BIN), "execute", "--describe"], capture_output=True, text=True, check=True
    )
    entities = {e["name"]: e for e in json.loads(out.stdout)["entities"]}
    assert len(entities) == 28
    assert {f"{name}_{a['name']}" for name, e in entities.items() for a in e["actions"]} == TOOLS
    users = subprocess.run(
        [str(CONNECTOR_BIN), "execute", "--describe", "users"], capture_output=True, text=True, check=True
    )
    users = json.loads(users.stdout)
    get = next(a for a in users["actions"] if a["name"] == "get")
    assert get["parameters"] == [
        {"name": "id", "type": "string", "required": True, "description": "User ID"}
    ]
    assert "emailAddress" in users["record_schema"]["properties"]
    flows = subprocess.run(
        [str(CONNECTOR_BIN), "execute", "--describe", "flows"], capture_output=True, text=True, check=True
    )
    listing = json.loads(flows.stdout)["actions"][0]
    owner = next(p for p in listing["parameters"] if p["name"] == "flowOwnerEmail")
    assert owner["required"] is True and "users_list" in owner["description"]
    bad = subprocess.run(
        [str(CONNECTOR_BIN), "execute", "--describe", "nope"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and json.loads(bad.stdout)["error"]["kind"] == "config_error"
