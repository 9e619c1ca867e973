"""The sandbox's Web journey in headless Chromium: embedded in an iFrame with its postMessage
events, the redirects to successUrl and errorUrl, refused files and retries, and without
JavaScript. Run by `bash .ci/browser.sh`; screenshots of every step go to its output folder."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from harness import ERROR_PARAMETERS, SUCCESS_PARAMETERS, Journey, Landing, LocalSite
from journey import (LANDED, Page, Plan, Screenshots, choose_file, document_url, end_page_then_redirect,
                     error_message, fill_step, run_journey, submit, wait_for_step, wait_until)

ALLOW = "camera;autoplay;fullscreen;clipboard-read;clipboard-write;accelerometer;gyroscope;magnetometer"
# 10011 (ID and identity verification) with a US driving licence, as the synthetic samples show.
# Consent first: the workflow has a SELFIE credential and the account request recorded no consent.
LICENSE_STEPS = ["consent", "document-type", "id-front", "id-back", "selfie", "finish"]
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def license_plan(files) -> Plan:
    return Plan(country="USA", document_type="DRIVING_LICENSE",
                files={"id-front": files.front, "id-back": files.back, "selfie": files.selfie})


def assert_license_steps(steps: list[str]) -> None:
    assert steps == LICENSE_STEPS, steps


def the_landing(site: LocalSite, case: str, path: str) -> Landing:
    wait_until(lambda: site.landings_for(case), f"a request to the receivers for {case}")
    landings = site.landings_for(case)
    assert [landing.path for landing in landings] == [path], landings
    return landings[0]


def assert_redirect_query(landing: Landing, journey: Journey, case: str, status: str,
                          error_code: str | None = None) -> None:
    """Exactly the documented parameters, each once, after the URL's own parameter."""
    names = [name for name, _ in landing.query]
    expected = SUCCESS_PARAMETERS if error_code is None else ERROR_PARAMETERS
    assert names[0] == "case", "the successUrl/errorUrl's own parameter was not kept first"
    assert sorted(names) == sorted({"case", *expected}), names
    parameters = landing.parameters
    assert parameters["case"] == case
    assert parameters["accountId"] == journey.account_id
    assert parameters["workflowExecutionId"] == journey.workflow_execution_id
    assert parameters["acquisitionStatus"] == status
    assert parameters["customerInternalReference"] == journey.reference
    if error_code is not None:
        assert parameters["errorCode"] == error_code


def open_embedded(driver: WebDriver, site: LocalSite, journey: Journey) -> WebElement:
    """Opens the embedding page and switches into the journey's frame."""
    driver.get(site.embed_url(journey.href))
    frame = driver.find_element(By.ID, "journey")
    assert frame.get_attribute("src") == journey.href
    assert frame.get_attribute("allow") == ALLOW
    assert frame.get_attribute("allowfullscreen") is not None
    driver.switch_to.frame(frame)
    return frame


def parent_events(driver: WebDriver, frame: WebElement) -> list[dict]:
    """The events the embedding page's listener accepted, parsed from their JSON strings."""
    driver.switch_to.default_content()
    try:
        raw = driver.execute_script("return window.journeyEvents.map((event) => event.raw)")
        ignored = driver.execute_script("return window.ignoredMessages")
    finally:
        driver.switch_to.frame(frame)
    assert ignored == 0, f"the listener ignored {ignored} message(s): not from the journey, or not JSON"
    return [json.loads(text) for text in raw]


def wait_for_events(driver: WebDriver, frame: WebElement, values: list[str]) -> list[dict]:
    found: list[dict] = []

    def arrived() -> bool:
        found[:] = parent_events(driver, frame)
        return [event["payload"]["value"] for event in found] == values

    try:
        wait_until(arrived, f"the events {values}")
    except AssertionError:
        raise AssertionError(f"expected the events {values}, got {[e['payload'] for e in found]}") from None
    return found


def assert_event(event: dict, journey: Journey, value: str, code: int | None = None) -> None:
    assert event["eventType"] == 510
    assert event["accountId"] == journey.account_id
    assert event["workflowExecutionId"] == journey.workflow_execution_id
    assert event["customerInternalReference"] == journey.reference
    assert event["authorizationToken"] == journey.token
    assert DATE_TIME.fullmatch(event["dateTime"]), event["dateTime"]
    sent = datetime.strptime(event["dateTime"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - sent) < timedelta(minutes=5), event["dateTime"]
    assert event["payload"]["value"] == value
    if code is None:
        assert "code" not in event["payload"].get("metainfo", {}), event["payload"]
    else:
        assert event["payload"]["metainfo"]["code"] == code, event["payload"]


def test_happy_path_in_an_iframe(browser, site, api, cli, files, output):
    case = "iframe-10011"
    success_url, error_url = site.urls(case)
    journey = api.create_journey(f"browser-{case}", success_url=success_url, error_url=error_url)
    driver = browser()
    frame = open_embedded(driver, site, journey)
    shots = Screenshots(driver, output, frame)

    page = wait_for_step(driver)
    [loaded] = wait_for_events(driver, frame, ["loaded"])
    assert_event(loaded, journey, "loaded")

    steps, last = run_journey(driver, page, license_plan(files), shots)
    assert_license_steps(steps)
    assert last.step in ("end", LANDED)
    end_page_then_redirect(driver, "/success", "after finish")
    shots.take("success-receiver")

    loaded, success = wait_for_events(driver, frame, ["loaded", "success"])
    assert_event(success, journey, "success")
    assert_redirect_query(the_landing(site, case, "/success"), journey, case, "SUCCESS")
    # The frame, not the top window, went to successUrl.
    assert urllib.parse.urlsplit(document_url(driver)).path == "/success"
    driver.switch_to.default_content()
    assert urllib.parse.urlsplit(driver.current_url).path == "/embed"

    seen = cli.wait_for_status(journey, "PROCESSED")
    assert seen in (["ACQUIRED", "PROCESSED"], ["PROCESSED"]), seen
    details = cli.details(journey)
    assert details["workflow"]["status"] == "PROCESSED"
    assert details["decision"]["type"] == "PASSED", details["decision"]


def test_expired_token_lands_on_error_url(browser, site, api, cli, output):
    case = "expired-token"
    success_url, error_url = site.urls(case)
    # `#expire`: the sandbox gives this execution's token a lifetime of 2 s (Jumio's least is 5 min).
    journey = api.create_journey(f"browser-{case} #expire", success_url=success_url, error_url=error_url)
    cli.wait_for_status(journey, "TOKEN_EXPIRED", timeout=15)

    driver = browser()
    frame = open_embedded(driver, site, journey)
    shots = Screenshots(driver, output, frame)
    end_page_then_redirect(driver, "/error", "with an expired token")
    shots.take("error-receiver")

    assert_redirect_query(the_landing(site, case, "/error"), journey, case, "ERROR", error_code="9200")
    events = [event for event in parent_events(driver, frame) if event["payload"]["value"] != "loaded"]
    assert [event["payload"]["value"] for event in events] == ["error"], events
    assert_event(events[0], journey, "error", code=9200)
    assert cli.status(journey) == "TOKEN_EXPIRED"


def advance_to(driver: WebDriver, page: Page, step: str, plan: Plan, shots: Screenshots) -> Page:
    """Fills the steps before `step`."""
    while page.step != step:
        assert page.step not in (None, "end", LANDED, "finish"), f"no step {step} before {page.step}"
        shots.take(page.step)
        page = fill_step(driver, page, plan, shots)
    return page


def refuse(driver: WebDriver, page: Page, bad_file, shots: Screenshots) -> tuple[Page, str]:
    """Submits `bad_file` at a file step: the same step again, with its message; both."""
    shots.take(page.step)
    choose_file(page, bad_file)
    again = submit(driver, page)
    assert again.step == page.step, f"{bad_file.name} at {page.step} led to {again.step}"
    message = error_message(driver)
    shots.take(f"{page.step}-refused")
    return again, message


def test_refused_images_can_be_retried(browser, site, api, cli, files, output):
    case = "refused-images"
    success_url, error_url = site.urls(case)
    journey = api.create_journey(f"browser-{case}", success_url=success_url, error_url=error_url)
    driver = browser()
    driver.get(journey.href)
    shots = Screenshots(driver, output)
    plan = license_plan(files)

    page = advance_to(driver, wait_for_step(driver), "id-front", plan, shots)
    page, message = refuse(driver, page, files.not_an_image, shots)
    assert "neither a JPEG nor a PNG" in message, message
    page = fill_step(driver, page, plan, shots)
    assert page.step == "id-back"
    assert not driver.find_elements(By.CSS_SELECTOR, "[role='alert']"), "the message outlived the retry"

    page = advance_to(driver, page, "selfie", plan, shots)
    page, message = refuse(driver, page, files.too_small, shots)
    assert "200×150 pixels" in message and "more than 300 pixels" in message, message
    steps, _ = run_journey(driver, page, plan, shots)
    assert steps == ["selfie", "finish"]

    end_page_then_redirect(driver, "/success", "after two refused files and their retries")
    shots.take("success-receiver")
    assert_redirect_query(the_landing(site, case, "/success"), journey, case, "SUCCESS")
    cli.wait_for_status(journey, "PROCESSED")


def test_three_refused_files_end_the_journey(browser, site, api, cli, files, output):
    case = "three-refusals"
    success_url, error_url = site.urls(case)
    journey = api.create_journey(f"browser-{case}", success_url=success_url, error_url=error_url)
    driver = browser()
    driver.get(journey.href)
    shots = Screenshots(driver, output)

    page = advance_to(driver, wait_for_step(driver), "id-front", license_plan(files), shots)
    for _ in range(2):
        page, _message = refuse(driver, page, files.not_an_image, shots)
    choose_file(page, files.not_an_image)
    submit(driver, page)
    end_page_then_redirect(driver, "/error", "after the third refused file")
    shots.take("error-receiver")
    assert_redirect_query(the_landing(site, case, "/error"), journey, case, "ERROR", error_code="9835")


def test_journey_without_javascript(browser, site, api, cli, files, output):
    case = "no-javascript"
    success_url, error_url = site.urls(case)
    journey = api.create_journey(f"browser-{case}", success_url=success_url, error_url=error_url)
    driver = browser(javascript=False)
    driver.get(f"{site.base_url}/script-probe")
    assert driver.find_element(By.ID, "probe").text == "scripts off", "JavaScript is not disabled"

    driver.get(journey.href)
    shots = Screenshots(driver, output)
    steps, _ = run_journey(driver, wait_for_step(driver), license_plan(files), shots)
    assert_license_steps(steps)
    # The end page's <meta http-equiv="refresh"> alone takes the browser on.
    end_page_then_redirect(driver, "/success", "without JavaScript")
    shots.take("success-receiver")
    assert_redirect_query(the_landing(site, case, "/success"), journey, case, "SUCCESS")
    cli.wait_for_status(journey, "PROCESSED")


def test_idle_session_times_out(browser, site, short_session_api, short_session_cli, files, output, settings):
    case = "session-timeout"
    success_url, error_url = site.urls(case)
    journey = short_session_api.create_journey(f"browser-{case}", success_url=success_url,
                                               error_url=error_url)
    driver = browser()
    driver.get(journey.href)
    shots = Screenshots(driver, output)

    first = wait_for_step(driver)
    shots.take(first.step)
    page = fill_step(driver, first, license_plan(files))  # the first POST starts the session
    assert page.step not in (None, "end", LANDED)
    shots.take(page.step)
    time.sleep(settings.session_timeout_secs + 1.5)
    page = fill_step(driver, page, license_plan(files))
    end_page_then_redirect(driver, "/error", "after the session timeout")
    shots.take("error-receiver")
    assert_redirect_query(the_landing(site, case, "/error"), journey, case, "ERROR", error_code="9210")
    short_session_cli.wait_for_status(journey, "SESSION_EXPIRED")


@pytest.mark.parametrize(
    ("outcome", "action", "receiver", "error_code", "status", "decision"),
    [
        ("#reject", "finish", "/success", None, "PROCESSED", "REJECTED"),
        ("pass", "abandon", "/error", "9100", "INITIATED", None),
        ("pass", "expire", "/error", "9210", "SESSION_EXPIRED", None),
    ],
    ids=["reject", "abandon", "expire"],
)
def test_finish_panel(browser, site, api, cli, files, output, outcome, action, receiver, error_code,
                      status, decision):
    case = f"panel-{action}-{outcome.strip('#')}"
    success_url, error_url = site.urls(case)
    journey = api.create_journey(f"browser-{case}", success_url=success_url, error_url=error_url)
    driver = browser()
    driver.get(journey.href)
    shots = Screenshots(driver, output)
    plan = license_plan(files)
    plan.outcome, plan.action = outcome, action

    steps, _ = run_journey(driver, wait_for_step(driver), plan, shots)
    assert steps == LICENSE_STEPS
    end_page_then_redirect(driver, receiver, f"after {action} with {outcome}")
    shots.take(f"{receiver.strip('/')}-receiver")
    acquisition = "SUCCESS" if error_code is None else "ERROR"
    assert_redirect_query(the_landing(site, case, receiver), journey, case, acquisition, error_code)
    cli.wait_for_status(journey, status)
    if decision is not None:
        assert cli.details(journey)["decision"]["type"] == decision
