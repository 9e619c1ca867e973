"""Fixtures of the browser tests: settings from the environment, the local site, the sandbox's API
and the CLI, the test files, and headless Chromium through chromedriver."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from harness import Cli, Files, LocalSite, SandboxApi, Settings

# The flags headless Chromium needs on a machine whose network reaches nothing but loopback:
# without the background-networking ones it keeps trying Google's hosts.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--window-size=700,920",
    "--force-device-scale-factor=1", "--lang=en-US",
)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_environment()


@pytest.fixture(scope="session")
def site() -> Iterator[LocalSite]:
    with LocalSite() as local_site:
        yield local_site


@pytest.fixture(scope="session")
def api(settings: Settings) -> SandboxApi:
    return SandboxApi(settings.sandbox_url, settings.client_id, settings.client_secret)


@pytest.fixture(scope="session")
def cli(settings: Settings) -> Cli:
    return Cli(settings.cli, settings.sandbox_url, settings.client_id, settings.client_secret)


@pytest.fixture(scope="session")
def short_session_api(settings: Settings) -> SandboxApi:
    return SandboxApi(settings.short_session_url, settings.client_id, settings.client_secret)


@pytest.fixture(scope="session")
def short_session_cli(settings: Settings) -> Cli:
    return Cli(settings.cli, settings.short_session_url, settings.client_id, settings.client_secret)


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    return Files.make(tmp_path_factory.mktemp("files"))


@pytest.fixture
def output(settings: Settings, request: pytest.FixtureRequest) -> Path:
    """This test's folder of screenshots."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name.removeprefix("test_")).strip("-")
    folder = settings.output_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def browser(settings: Settings, output: Path, request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., WebDriver]]:
    """Starts headless Chromium (with or without JavaScript); quits it after the test, with a
    screenshot `failure.png` when the test failed."""
    started: list[WebDriver] = []

    def start(*, javascript: bool = True) -> WebDriver:
        options = webdriver.ChromeOptions()
        options.binary_location = str(settings.chromium)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
        if not javascript:
            options.add_argument("--blink-settings=scriptEnabled=false")
            options.add_experimental_option(
                "prefs", {"profile.managed_default_content_settings.javascript": 2})
        driver = webdriver.Chrome(options=options, service=Service(str(settings.chromedriver)))
        driver.set_page_load_timeout(30)
        started.append(driver)
        return driver

    yield start
    report = getattr(request.node, "report_call", None)
    for driver in started:
        try:
            if report is not None and report.failed:
                driver.switch_to.default_content()
                driver.save_screenshot(str(output / "failure.png"))
        finally:
            driver.quit()
