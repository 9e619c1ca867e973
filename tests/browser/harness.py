"""What the browser tests stand on: the sandbox's HTTP API and the CLI, the local site that embeds
the journey and receives its redirects, and the test images.

Everything is on loopback. The sandbox runs apart (started by `.ci/browser.sh`); its base URL and
credentials come from the environment (see `Settings.from_environment`).
"""

from __future__ import annotations

import base64
import html
import json
import os
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
USER_AGENT = "jumio-kyx browser-tests/1.0"

# The query parameters the journey appends to successUrl / errorUrl (JOURNEY_CONTRACT, "The end").
SUCCESS_PARAMETERS = {"accountId", "workflowExecutionId", "acquisitionStatus", "customerInternalReference"}
ERROR_PARAMETERS = SUCCESS_PARAMETERS | {"errorCode"}


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set; run the browser tests with `bash .ci/browser.sh`")
    return value


@dataclass(frozen=True)
class Settings:
    """Where the sandboxes, the CLI, the browser and the output folder are."""

    sandbox_url: str
    short_session_url: str
    session_timeout_secs: float
    client_id: str
    client_secret: str = field(repr=False)
    cli: Path
    chromium: Path
    chromedriver: Path
    output_dir: Path

    @classmethod
    def from_environment(cls) -> "Settings":
        return cls(
            sandbox_url=_required("BROWSER_TESTS_SANDBOX_URL").rstrip("/"),
            short_session_url=_required("BROWSER_TESTS_SHORT_SESSION_URL").rstrip("/"),
            session_timeout_secs=float(_required("BROWSER_TESTS_SESSION_TIMEOUT_SECS")),
            client_id=_required("BROWSER_TESTS_CLIENT_ID"),
            client_secret=_required("BROWSER_TESTS_CLIENT_SECRET"),
            cli=Path(_required("BROWSER_TESTS_CLI")),
            chromium=Path(os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")),
            chromedriver=Path(os.environ.get("BROWSER_TESTS_CHROMEDRIVER", "/usr/bin/chromedriver")),
            output_dir=Path(_required("BROWSER_TESTS_OUTPUT_DIR")),
        )


# --- The sandbox's HTTP API (account creation) ------------------------------------------------


@dataclass(frozen=True)
class Journey:
    """An account with a workflow execution whose Web link starts the journey."""

    base_url: str
    account_id: str
    workflow_execution_id: str
    reference: str
    href: str = field(repr=False)

    @property
    def token(self) -> str:
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.href).query)["authorizationToken"][0]


class SandboxApi:
    """The few calls of the KYX API the tests need, with `urllib` (the sandbox is on loopback)."""

    def __init__(self, base_url: str, client_id: str, client_secret: str):
        self.base_url = base_url
        self._client_id = client_id
        self._client_secret = client_secret

    def _request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict:
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path} answered {error.code}: {error.read()[:500]!r}") from None

    def access_token(self) -> str:
        basic = base64.b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode()
        answer = self._request(
            "POST", "/oauth2/token",
            {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
            b"grant_type=client_credentials",
        )
        return answer["access_token"]

    def create_journey(self, reference: str, *, success_url: str, error_url: str,
                       workflow: int = 10011, locale: str = "en") -> Journey:
        body = {
            "customerInternalReference": reference,
            "workflowDefinition": {"key": workflow},
            "web": {"successUrl": success_url, "errorUrl": error_url, "locale": locale},
        }
        answer = self._request(
            "POST", "/api/v1/accounts",
            {"Authorization": f"Bearer {self.access_token()}", "Content-Type": "application/json"},
            json.dumps(body).encode(),
        )
        href = answer["web"]["href"]
        assert urllib.parse.urlsplit(href).netloc == urllib.parse.urlsplit(self.base_url).netloc, (
            "web.href does not point at the sandbox"
        )
        return Journey(self.base_url, answer["account"]["id"], answer["workflowExecution"]["id"],
                       reference, href)


# --- The CLI (the Rust client) -----------------------------------------------------------------


class Cli:
    """`jumio-kyx` pointed at a sandbox with its credentials (the secret in the environment)."""

    def __init__(self, binary: Path, base_url: str, client_id: str, client_secret: str):
        self._binary = binary
        self._base_url = base_url
        self._env = {**os.environ, "JUMIO_CLIENT_ID": client_id, "JUMIO_CLIENT_SECRET": client_secret}

    def _json(self, *args: str) -> dict:
        done = subprocess.run(
            [str(self._binary), *args, "--base-url", self._base_url, "--user-agent", USER_AGENT],
            env=self._env, capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 0, f"jumio-kyx {args[0]} exited {done.returncode}: {done.stderr.strip()}"
        return json.loads(done.stdout)

    def status(self, journey: Journey) -> str:
        answer = self._json("status", "--account", journey.account_id,
                            "--workflow-execution", journey.workflow_execution_id)
        assert answer["account"]["id"] == journey.account_id
        assert answer["workflowExecution"]["id"] == journey.workflow_execution_id
        return answer["workflowExecution"]["status"]

    def details(self, journey: Journey) -> dict:
        return self._json("details", "--json", "--account", journey.account_id,
                          "--workflow-execution", journey.workflow_execution_id)

    def wait_for_status(self, journey: Journey, wanted: str, timeout: float = 20.0) -> list[str]:
        """Polls `jumio-kyx status` until the execution is `wanted`; the statuses seen, in order."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(journey)
            if not seen or seen[-1] != status:
                seen.append(status)
            if status == wanted:
                return seen
            assert time.monotonic() < deadline, f"still not {wanted} after {timeout} s: {seen}"
            time.sleep(0.2)


# --- The local site: the embedding page and the redirect receivers -----------------------------


@dataclass(frozen=True)
class Landing:
    """One request that reached a receiver."""

    path: str
    query: list[tuple[str, str]]

    @property
    def parameters(self) -> dict[str, str]:
        return dict(self.query)


class LocalSite:
    """A loopback web server playing the integrator's site.

    - `GET /embed?href=...` is the page that embeds the journey in an iFrame (`embed.html`, with
      the listener `embed.js`);
    - `GET /success?...` and `GET /error?...` are the successUrl and errorUrl: they record what
      they received and show it;
    - `GET /script-probe` tells whether the browser runs JavaScript.
    """

    def __init__(self) -> None:
        self.landings: list[Landing] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # the query holds ids: keep it out of the log
                pass

            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/embed":
                    href = urllib.parse.parse_qs(url.query).get("href", [""])[0]
                    page = (HERE / "embed.html").read_text(encoding="utf-8")
                    self._send(200, "text/html; charset=utf-8",
                               page.replace("{{href}}", html.escape(href, quote=True)))
                elif url.path == "/embed.js":
                    self._send(200, "text/javascript; charset=utf-8", (HERE / "embed.js").read_text())
                elif url.path in ("/success", "/error"):
                    query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
                    with site._lock:
                        site.landings.append(Landing(url.path, query))
                    self._send(200, "text/html; charset=utf-8", _receiver_page(url.path, query))
                elif url.path == "/script-probe":
                    self._send(200, "text/html; charset=utf-8", SCRIPT_PROBE)
                else:
                    self._send(404, "text/plain; charset=utf-8", "not found")

            def _send(self, status: int, content_type: str, text: str) -> None:
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-site", daemon=True)

    def __enter__(self) -> "LocalSite":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def urls(self, case: str) -> tuple[str, str]:
        """successUrl and errorUrl for one test, with a parameter of their own that must survive."""
        return f"{self.base_url}/success?case={case}", f"{self.base_url}/error?case={case}"

    def embed_url(self, href: str) -> str:
        return f"{self.base_url}/embed?{urllib.parse.urlencode({'href': href})}"

    def landings_for(self, case: str) -> list[Landing]:
        with self._lock:
            return [landing for landing in self.landings if ("case", case) in landing.query]


def _receiver_page(path: str, query: list[tuple[str, str]]) -> str:
    outcome = "success" if path == "/success" else "error"
    rows = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>" for name, value in query
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{outcome} receiver</title>"
        "<style>body { font-family: sans-serif; } th { text-align: left; padding-right: 12px; }</style></head>"
        f'<body><main id="receiver" data-outcome="{outcome}"><h1>Back on the site: {outcome}</h1>'
        f"<table>{rows}</table></main></body></html>"
    )


SCRIPT_PROBE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>probe</title></head><body>'
    '<p id="probe">scripts off</p>'
    "<script>document.getElementById('probe').textContent = 'scripts on';</script>"
    "</body></html>"
)


# --- Test files ----------------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of the given size (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@dataclass(frozen=True)
class Files:
    """The files the tests upload: the synthetic samples of `samples/` (JPEG, within Jumio's
    limits), and two that Jumio refuses."""

    front: Path
    back: Path
    selfie: Path
    not_an_image: Path
    too_small: Path

    @classmethod
    def make(cls, folder: Path) -> "Files":
        folder.mkdir(parents=True, exist_ok=True)
        not_an_image = folder / "notes.jpg"
        not_an_image.write_text("These are notes, not a photo of an ID.\n")
        too_small = folder / "thumbnail.png"
        too_small.write_bytes(png(200, 150))  # longest side 200 px; Jumio wants more than 300
        samples = ROOT / "samples"
        return cls(samples / "id-front.jpg", samples / "id-back.jpg", samples / "selfie.jpg",
                   not_an_image, too_small)
