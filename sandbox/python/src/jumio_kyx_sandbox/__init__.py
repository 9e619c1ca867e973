"""Run the offline Jumio KYX sandbox (`jumio-kyx-sandbox`, installed with this package) for tests.

    from jumio_kyx_sandbox import running_sandbox

    with running_sandbox() as sandbox:
        print(sandbox.base_url, sandbox.client_id, sandbox.client_secret)

With pytest, the session-scoped fixture `jumio_sandbox` (registered by this package's pytest plugin)
yields the same object. The sandbox listens on a free loopback port; point every service of a
client at `base_url`.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Sandbox", "SandboxError", "find_executable", "running_sandbox", "start"]

EXECUTABLE = "jumio-kyx-sandbox"
# An existing executable to run instead of the installed one (a sandbox built from source, say).
EXECUTABLE_ENV = "JUMIO_KYX_SANDBOX_BIN"
DEFAULT_CLIENT_ID = "sandbox-client"
DEFAULT_CLIENT_SECRET = "sandbox-secret"
USER_AGENT = "jumio-kyx-sandbox-python"
BANNER = "Jumio KYX sandbox listening on "


class SandboxError(RuntimeError):
    """The sandbox could not be started, or stopped answering."""


@dataclass
class Sandbox:
    """A running sandbox: its base URL, the credentials its token endpoint accepts, its process."""

    base_url: str
    client_id: str
    client_secret: str
    process: subprocess.Popen = field(repr=False)
    _output: collections.deque = field(repr=False, default_factory=collections.deque)
    _pumps: list = field(repr=False, default_factory=list)

    @property
    def output(self) -> str:
        """The last lines the sandbox printed (stdout and stderr, interleaved)."""
        return "\n".join(self._output)

    def stop(self, timeout: float = 5.0) -> None:
        """Stops the sandbox: SIGTERM (it shuts down gracefully), then SIGKILL after `timeout`."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # The process is gone: its pipes reach end of file and the threads draining them end.
        for pump in self._pumps:
            pump.join(1.0)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None and not any(pump.is_alive() for pump in self._pumps):
                stream.close()


def find_executable() -> str:
    """The sandbox binary: $JUMIO_KYX_SANDBOX_BIN, else the one this package installed into the
    scripts folder of the running Python's environment (found even when that folder is not on
    PATH), else the first `jumio-kyx-sandbox` on PATH."""
    override = os.environ.get(EXECUTABLE_ENV)
    if override:
        return override
    name = EXECUTABLE + (".exe" if sys.platform == "win32" else "")
    installed = Path(sysconfig.get_path("scripts")) / name
    if installed.is_file() and os.access(installed, os.X_OK):
        return str(installed)
    found = shutil.which(EXECUTABLE)
    if found:
        return found
    raise SandboxError(
        f"{EXECUTABLE} is not installed: install the jumio-kyx-sandbox wheel, or set "
        f"{EXECUTABLE_ENV} to the path of the binary"
    )


def _pump(stream, lines: "collections.deque[str]", first: "list[str]", ready: threading.Event) -> None:
    # Drains one of the child's pipes so that it never blocks on a full pipe; keeps the last lines.
    for line in stream:
        line = line.rstrip("\n")
        lines.append(line)
        if not ready.is_set() and line.startswith(BANNER):
            first.append(line[len(BANNER):].strip())
            ready.set()


def _healthy(base_url: str) -> bool:
    request = urllib.request.Request(base_url + "/", headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start(
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    args: Sequence[str] = (),
    executable: "str | os.PathLike[str] | None" = None,
    timeout: float = 15.0,
) -> Sandbox:
    """Starts a sandbox on a free loopback port and returns once `GET /` answers 200.

    `args` are further flags of `jumio-kyx-sandbox` (`--processing-delay-ms 50`, `--fault-rate
    0.1`, ...; see `jumio-kyx-sandbox --help`). Stop it with `Sandbox.stop()`, or use
    `running_sandbox()`, which does.
    """
    command = [
        os.fspath(executable) if executable is not None else find_executable(),
        "--addr",
        "127.0.0.1:0",
        "--client-id",
        client_id,
        *args,
    ]
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            # Plain log lines (no ANSI colours) in `Sandbox.output` and in error messages.
            # The secret goes by the environment, never the command line (`/proc/<pid>/cmdline`).
            env={**os.environ, "NO_COLOR": "1", "JUMIO_SANDBOX_CLIENT_SECRET": client_secret},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as error:
        raise SandboxError(f"cannot run {command[0]}: {error}") from error
    output: "collections.deque[str]" = collections.deque(maxlen=200)
    first: "list[str]" = []
    ready = threading.Event()
    pumps = [
        threading.Thread(target=_pump, args=(stream, output, first, ready), daemon=True)
        for stream in (process.stdout, process.stderr)
    ]
    for pump in pumps:
        pump.start()
    sandbox = Sandbox("", client_id, client_secret, process, output, pumps)
    deadline = time.monotonic() + timeout
    try:
        # The first line on stdout names the base URL: `Jumio KYX sandbox listening on URL`.
        while not ready.wait(0.05):
            if process.poll() is not None:
                raise SandboxError(f"{command[0]} exited with status {process.returncode}")
            if time.monotonic() > deadline:
                raise SandboxError(f"{command[0]} printed no base URL within {timeout} s")
        sandbox.base_url = first[0].rstrip("/")
        while not _healthy(sandbox.base_url):
            if process.poll() is not None:
                raise SandboxError(f"{command[0]} exited with status {process.returncode}")
            if time.monotonic() > deadline:
                raise SandboxError(f"{sandbox.base_url}/ did not answer 200 within {timeout} s")
            time.sleep(0.05)
    except BaseException as error:
        sandbox.stop()
        if isinstance(error, SandboxError):
            raise SandboxError(f"{error}; its output:\n{sandbox.output}") from None
        raise
    return sandbox


@contextlib.contextmanager
def running_sandbox(**kwargs) -> Iterator[Sandbox]:
    """`start(**kwargs)` as a context manager: the sandbox is stopped on exit."""
    sandbox = start(**kwargs)
    try:
        yield sandbox
    finally:
        sandbox.stop()
