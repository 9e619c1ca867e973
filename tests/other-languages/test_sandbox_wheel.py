"""The 10011 flow of python_flow.py, run by pytest against the sandbox that the jumio-kyx-sandbox
wheel installed, through the wheel's fixture `jumio_sandbox` (.ci/wheel.sh runs it in a fresh
virtual environment without Rust on PATH). Needs the wheel, pytest and the client that
openapi-python-client generates from openapi/jumio-kyx.yaml (package `jumio_kyx_client`).
"""

from __future__ import annotations

import socket
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import python_flow  # noqa: E402  (next to this file, not a package)
from jumio_kyx_sandbox import find_executable, running_sandbox  # noqa: E402


@pytest.mark.parametrize(
    "check", [check for _, check in python_flow.CHECKS], ids=[name for name, _ in python_flow.CHECKS]
)
def test_flow(jumio_sandbox, check):
    check(jumio_sandbox.base_url, jumio_sandbox.client_id, jumio_sandbox.client_secret)


def test_the_fixture_runs_the_installed_binary(jumio_sandbox):
    # The sandbox is the wheel's binary, in the scripts folder of this environment.
    assert Path(jumio_sandbox.process.args[0]) == Path(find_executable())
    assert Path(sys.prefix) in Path(find_executable()).parents
    assert jumio_sandbox.process.poll() is None
    assert jumio_sandbox.base_url.startswith("http://127.0.0.1:")


def test_the_context_manager_starts_and_stops_a_sandbox_of_its_own(jumio_sandbox):
    with running_sandbox(
        client_id="ci-client", client_secret="ci-secret", args=["--processing-delay-ms", "20"]
    ) as sandbox:
        assert sandbox.base_url != jumio_sandbox.base_url
        python_flow.check_wrong_credentials(sandbox.base_url, "ci-client", "ci-secret")
        python_flow.access_token(sandbox.base_url, "ci-client", "ci-secret")
    assert sandbox.process.returncode is not None
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    request = urllib.request.Request(jumio_sandbox.base_url + "/", headers={"User-Agent": "ci"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200, "the session's sandbox stopped with the other one"
