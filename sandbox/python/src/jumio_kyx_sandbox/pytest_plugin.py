"""pytest plugin of the jumio-kyx-sandbox wheel (entry point `pytest11`, loaded when installed).

Provides the session-scoped fixture `jumio_sandbox`: one sandbox for the whole test session, on a
free loopback port, with the demo credentials `sandbox-client` / `sandbox-secret`, stopped at the
end of the session.

    def test_health(jumio_sandbox):
        client = Client(base_url=jumio_sandbox.base_url)
        ...

For a sandbox with other flags, start one with `jumio_kyx_sandbox.running_sandbox(args=[...])`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import Sandbox, running_sandbox


@pytest.fixture(scope="session")
def jumio_sandbox() -> Iterator[Sandbox]:
    """A running Jumio KYX sandbox: `.base_url`, `.client_id`, `.client_secret`."""
    with running_sandbox() as sandbox:
        yield sandbox
