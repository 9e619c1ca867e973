"""Driving the sandbox's Web journey in a browser by the contract's pages and form fields
(JOURNEY_CONTRACT: every page one `<form data-step=...>`, the end page `<main data-step="end">`)."""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                        TimeoutException, WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

STEP_TIMEOUT = 30.0
HIDDEN_FIELDS = ("authorizationToken", "csrf", "step")
FILE_FIELDS = {"id-front": "FRONT", "id-back": "BACK", "selfie": "FACE", "document-upload": "DOCUMENT"}
IMAGE_ACCEPT = "image/jpeg,image/png"
# Not a journey page: the integrator's successUrl or errorUrl (the end page redirects at once).
LANDED = "landed"


class Screenshots:
    """Numbered screenshots of one test under its own folder; always of the whole window (the
    embedding page with its frame, when framed)."""

    def __init__(self, driver: WebDriver, folder: Path, frame: WebElement | None = None):
        self.driver = driver
        self.folder = folder
        self.frame = frame
        self.taken: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def take(self, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        if self.frame is not None:
            self.driver.switch_to.default_content()
        try:
            assert self.driver.save_screenshot(str(path)), f"no screenshot written to {path}"
        finally:
            if self.frame is not None:
                self.driver.switch_to.frame(self.frame)
        self.taken.append(path)
        return path


@dataclass
class Page:
    """What the browser shows now: a journey step, the end page, or something else."""

    step: str | None
    url: str
    form: WebElement | None = None
    main: WebElement | None = None


def document_url(driver: WebDriver) -> str:
    """The URL of the current frame's document (WebDriver's current_url is the top window's)."""
    return driver.execute_script("return document.URL")


def current_page(driver: WebDriver) -> Page:
    forms = driver.find_elements(By.CSS_SELECTOR, "form[data-step]")
    if forms:
        return Page(forms[0].get_attribute("data-step"), document_url(driver), form=forms[0])
    mains = driver.find_elements(By.CSS_SELECTOR, "main[data-step='end']")
    if mains:
        return Page("end", document_url(driver), main=mains[0])
    if driver.find_elements(By.ID, "receiver"):
        return Page(LANDED, document_url(driver))
    return Page(None, document_url(driver))


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], object], what: str,
             timeout: float = STEP_TIMEOUT):
    last_error: list[WebDriverException] = []

    def probe(d: WebDriver):
        try:
            return condition(d)
        except (NoSuchElementException, StaleElementReferenceException):
            return False
        except WebDriverException as error:
            # While a document replaces another, chromedriver can answer for a node of the old
            # one with an "unknown error" ("Node with given id does not belong to the
            # document"): the page is still on its way.
            last_error[:] = [error]
            return False

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(probe)
    except TimeoutException:
        detail = f" (last WebDriver error: {last_error[0].msg})" if last_error else ""
        raise AssertionError(
            f"waited {timeout} s for {what}; the page is {describe(driver)}{detail}") from None


def describe(driver: WebDriver) -> str:
    try:
        page = current_page(driver)
        path = urllib.parse.urlsplit(page.url).path
        alert = driver.find_elements(By.CSS_SELECTOR, "[role='alert']")
        text = f" (alert: {alert[0].text!r})" if alert else ""
        return f"{path} step={page.step}{text}"
    except Exception as error:  # the description must never hide the real failure
        return f"unknown ({error.__class__.__name__})"


def wait_for_step(driver: WebDriver, previous: WebElement | None = None) -> Page:
    """The next page (a step, the end page or a receiver), once `previous` (the old form) is gone."""

    def arrived(d: WebDriver):
        if previous is not None:
            try:
                previous.get_attribute("data-step")
                return False  # still the old document
            except StaleElementReferenceException:
                pass
        page = current_page(d)
        if page.step is None:
            refused = d.find_elements(By.CSS_SELECTOR, "main[data-step='refused']")
            if refused:
                raise AssertionError(f"the journey refused the request: {refused[0].text!r}")
            return False
        return page

    return wait_for(driver, arrived, "the next page of the journey")


def check_form(driver: WebDriver, page: Page, language: str) -> None:
    """The contract's invariants of a step page."""
    form = page.form
    assert form is not None
    assert form.get_attribute("method").lower() == "post", f"{page.step}: the form is not method=post"
    assert form.get_attribute("enctype") == "multipart/form-data", f"{page.step}: enctype"
    action = urllib.parse.urlsplit(form.get_attribute("action"))
    assert action.path == "/web/client", f"{page.step}: action is {action.path}"
    assert len(driver.find_elements(By.TAG_NAME, "form")) == 1, f"{page.step}: not exactly one form"
    for name in HIDDEN_FIELDS:
        hidden = form.find_elements(By.CSS_SELECTOR, f"input[type='hidden'][name='{name}']")
        assert len(hidden) == 1, f"{page.step}: no hidden input {name}"
    assert form.find_element(By.CSS_SELECTOR, "input[name='step']").get_attribute("value") == page.step
    lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
    assert lang == language or lang.startswith(language + "-"), f"{page.step}: <html lang={lang!r}>"


def submit(driver: WebDriver, page: Page, action: str | None = None) -> Page:
    """Clicks the step's submit button (the one with `value=action` when given); the next page."""
    assert page.form is not None
    if action is None:
        buttons = page.form.find_elements(
            By.CSS_SELECTOR, "button:not([type]), button[type='submit'], input[type='submit']")
    else:
        buttons = page.form.find_elements(
            By.CSS_SELECTOR, f"button[type='submit'][name='action'][value='{action}']")
    assert buttons, f"{page.step}: no submit button{'' if action is None else ' ' + action}"
    buttons[0].click()
    return wait_for_step(driver, page.form)


def choose_file(page: Page, path: Path) -> None:
    assert page.form is not None and page.step in FILE_FIELDS
    name = FILE_FIELDS[page.step]
    field_ = page.form.find_element(By.CSS_SELECTOR, f"input[type='file'][name='{name}']")
    accept = field_.get_attribute("accept") or ""
    assert accept.startswith(IMAGE_ACCEPT), f"{page.step}: accept={accept!r}"
    field_.send_keys(str(path.resolve()))


def error_message(driver: WebDriver) -> str:
    alerts = driver.find_elements(By.CSS_SELECTOR, "[role='alert'].error")
    assert len(alerts) == 1, f"expected one role=alert class=error element, found {len(alerts)}"
    return alerts[0].text


@dataclass
class Plan:
    """What to do at each step of a journey: the document type, the files, the outcome."""

    country: str | None = None
    document_type: str = "DRIVING_LICENSE"
    files: dict[str, Path] = field(default_factory=dict)
    outcome: str = "pass"
    action: str = "finish"


def fill_step(driver: WebDriver, page: Page, plan: Plan, shots: Screenshots | None = None) -> Page:
    """Fills one step as a person would and submits it; the page that follows."""
    form = page.form
    assert form is not None, f"not a step page: {page.url}"
    if page.step == "consent":
        box = form.find_element(By.CSS_SELECTOR, "input[type='checkbox'][name='consent']")
        assert box.get_attribute("value") == "yes" and box.get_attribute("required") is not None
        if not box.is_selected():
            box.click()
        return submit(driver, page)
    if page.step == "document-type":
        country = Select(form.find_element(By.CSS_SELECTOR, "select[name='country']"))
        kind = Select(form.find_element(By.CSS_SELECTOR, "select[name='type']"))
        for select in (country, kind):
            assert select.first_selected_option is not None
        if plan.country is not None:
            country.select_by_value(plan.country)
        assert re.fullmatch(r"[A-Z]{3}", country.first_selected_option.get_attribute("value"))
        values = [option.get_attribute("value") for option in kind.options]
        assert set(values) <= {"PASSPORT", "ID_CARD", "DRIVING_LICENSE", "VISA"}, values
        kind.select_by_value(plan.document_type)
        return submit(driver, page)
    if page.step in FILE_FIELDS:
        path = plan.files.get(page.step)
        assert path is not None, f"the plan has no file for the step {page.step}"
        choose_file(page, path)
        if shots is not None:
            shots.take(f"{page.step}-chosen")
        return submit(driver, page)
    if page.step == "finish":
        outcome = Select(form.find_element(By.CSS_SELECTOR, "select[name='outcome']"))
        assert outcome.options[0].get_attribute("value") == "pass"
        assert outcome.first_selected_option.get_attribute("value") == "pass"
        buttons = form.find_elements(By.CSS_SELECTOR, "button[name='action']")
        actions = [button.get_attribute("value") for button in buttons]
        assert actions == ["finish", "abandon", "expire"], actions
        outcome.select_by_value(plan.outcome)
        return submit(driver, page, plan.action)
    raise AssertionError(f"unknown step {page.step!r} at {urllib.parse.urlsplit(page.url).path}")


def run_journey(driver: WebDriver, page: Page, plan: Plan, shots: Screenshots, language: str = "en",
                before_submit: Callable[[Page], None] | None = None) -> tuple[list[str], Page]:
    """Fills every step until the end page; the steps seen, in order, and the page reached after
    the last one (the end page, or the receiver it sent the browser to)."""
    steps: list[str] = []
    while page.step not in ("end", LANDED):
        assert page.step is not None, f"left the journey at {page.url}"
        assert len(steps) < 12, f"the journey does not end: {steps}"
        check_form(driver, page, language)
        steps.append(page.step)
        shots.take(page.step)
        if before_submit is not None:
            before_submit(page)
        page = fill_step(driver, page, plan, shots)
    return steps, page


def end_page_then_redirect(driver: WebDriver, receiver_path: str, what: str) -> str:
    """Waits until the frame or tab has left the end page for the receiver; the receiver's URL."""
    wait_for(driver, lambda d: urllib.parse.urlsplit(document_url(d)).path == receiver_path
             and d.find_elements(By.ID, "receiver"), f"the redirect to {receiver_path} ({what})")
    return document_url(driver)


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = STEP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.1)
