"""Fixtures for the Python test suites: a Gong sandbox they start themselves, the connector's config
for it, and the adapters that let airbyte-cdk's standard tests run our Rust binary and our image.

* `secrets/config.json` (Airbyte's layout; git ignores `secrets/` through a `.gitignore` written
  next to it) points at a sandbox this session starts from `target/release/gong-sandbox` on a free
  loopback port.
* The standard tests' in-process jobs (`run_test_job`) call `entrypoint_wrapper._run_command`
  with a Python `Source`. For an `ExecutableConnector` (our binary) we run the executable instead,
  and hand its stdout lines and exit code to the CDK's own `EntrypointOutput`, so every assertion
  of the suite runs on the binary's real output.
* The image tests start containers with plain `docker run`. The connector accepts plain `http`
  only for loopback hosts, and the sandbox listens on the host's loopback, so those containers
  join the host's network namespace (`--network host`): `127.0.0.1:<port>` then reaches the
  sandbox, from the binary and the image alike, with the same config. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_BIN = Path(os.environ.get("GONG_SANDBOX_BIN", ROOT / "target/release/gong-sandbox"))
CONNECTOR_BIN = Path(os.environ.get("SOURCE_GONG_BIN", ROOT / "target/release/source-gong"))
SECRETS = ROOT / "secrets"


class Sandbox:
    """A gong-sandbox process on a free loopback port."""

    def __init__(self, *args: str) -> None:
        if not SANDBOX_BIN.is_file():
            raise FileNotFoundError(
                f"{SANDBOX_BIN} is missing: run `cargo build --release --workspace --bins` first"
            )
        self.proc = subprocess.Popen(
            [str(SANDBOX_BIN), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"gong-sandbox did not start: {line!r}")
        self.url = match.group(1).rstrip("/")

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
            return json.load(response)

    def post(self, path: str, body: Any | None = None) -> Any:
        data = json.dumps(body or {}).encode()
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return json.loads(text) if text else None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def sandbox_config(url: str) -> dict[str, Any]:
    return {
        "credentials": {
            "auth_type": "access_key",
            "access_key": "sandbox-access-key",
            "access_key_secret": "sandbox-secret",
        },
        "base_url": url,
        "requests_per_second": 200,
        "max_concurrent_requests": 4,
    }


@pytest.fixture(scope="session")
def sandbox():
    sb = Sandbox()
    yield sb
    sb.stop()


@pytest.fixture(scope="session", autouse=True)
def connector_secrets(sandbox: Sandbox) -> Path:
    """Writes secrets/config.json for the sandbox of this session."""
    SECRETS.mkdir(exist_ok=True)
    (SECRETS / ".gitignore").write_text("*\n")
    for name in ("config.json", "spec_config.json"):
        (SECRETS / name).write_text(json.dumps(sandbox_config(sandbox.url), indent=2))
        (SECRETS / name).chmod(0o644)
    return SECRETS / "config.json"


class ExecutableConnector:
    """Our connector as an executable. Has `spec` so the CDK's `IConnector` check accepts it."""

    def __init__(self, path: Path = CONNECTOR_BIN) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `cargo build --release` first")
        self.path = path

    def spec(self, logger: Any = None) -> Any:  # noqa: ARG002 - the protocol's signature
        out = subprocess.run([str(self.path), "spec"], capture_output=True, text=True, check=True)
        return json.loads(out.stdout.splitlines()[0])["spec"]

    def run(self, args: list[str]) -> tuple[list[str], int, str]:
        proc = subprocess.run(
            [str(self.path), *args], capture_output=True, text=True, timeout=900
        )
        return proc.stdout.splitlines(), proc.returncode, proc.stderr


class ConnectorExitedWithError(Exception):
    pass


@pytest.fixture(scope="session", autouse=True)
def run_executables_and_images_locally():
    """Patches the CDK's job runner for `ExecutableConnector`s and its `docker run`s (see module doc)."""
    from airbyte_cdk.test import entrypoint_wrapper
    from airbyte_cdk.test.standard_tests import docker_base

    original_run_command = entrypoint_wrapper._run_command

    def run_command(source: Any, args: list[str], *a: Any, **kw: Any):
        if not isinstance(source, ExecutableConnector):
            return original_run_command(source, args, *a, **kw)
        lines, code, stderr = source.run(args)
        error = None
        if code != 0:
            error = ConnectorExitedWithError(
                f"{source.path.name} {args[0]} exited with code {code}: {stderr[-2000:]}"
            )
        output = entrypoint_wrapper.EntrypointOutput(messages=lines, uncaught_exception=error)
        output._command = [str(source.path), *args]  # noqa: SLF001 - named in error reports
        return output

    def on_host_network(function):
        def wrapper(cmd: list[str], *a: Any, **kw: Any):
            if list(cmd[:2]) == ["docker", "run"] and "--network" not in cmd:
                cmd = [*cmd[:2], "--network", "host", *cmd[2:]]
            return function(cmd, *a, **kw)

        return wrapper

    mp = pytest.MonkeyPatch()
    mp.setattr(entrypoint_wrapper, "_run_command", run_command)
    for name in ("run_docker_airbyte_command", "run_docker_command"):
        mp.setattr(docker_base, name, on_host_network(getattr(docker_base, name)))
    yield
    mp.undo()


def docker_available() -> bool:
    return shutil.which("docker") is not None and (
        subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    )


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requires_creds: the scenario reads secrets/ (the sandbox's)")
    config.addinivalue_line("markers", "image_tests: runs the connector's Docker image")
