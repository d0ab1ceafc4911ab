"""Fixtures for the browser tests: one JupyterLab server and one Chromium per
session, and a fresh page per test that leaves a screenshot and its console output
in test-artifacts/ when the test fails."""

from __future__ import annotations

import pathlib
import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Error, Page, sync_playwright

from .lab import LabServer, PageLog
from .paths import ARTIFACTS, NOTEBOOKS, SRC

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 1000}
ACTION_TIMEOUT_MS = 30_000

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def artifacts_dir() -> pathlib.Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The server's root folder, with the quickstart notebook and its data."""
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copy(NOTEBOOKS / "quickstart.ipynb", root / "quickstart.ipynb")
    shutil.copytree(NOTEBOOKS / "data", root / "data")
    return root


@pytest.fixture(scope="session", params=["perCommTarget", "disabled"])
def lab_server(
    request: pytest.FixtureRequest,
    lab_root: pathlib.Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LabServer]:
    """A JupyterLab server, once with comms over subshells and once without."""
    if not (SRC / "importok_widget" / "static" / "widget.js").exists():
        pytest.fail(
            "The front end is not built: src/importok_widget/static/widget.js is "
            "missing. Run `npm run build` (or `bash scripts/setup.sh`) first."
        )
    state_dir = tmp_path_factory.mktemp("lab-state")
    server = LabServer(lab_root, state_dir, SRC, comms_over_subshells=request.param)
    try:
        server.wait_until_ready()
    except RuntimeError as error:
        server.stop()
        pytest.fail(str(error))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}. The browser tests use Debian's "
            "chromium package: run `bash scripts/setup.sh --browser` to install it."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    browser: Browser,
    lab_server: LabServer,
    artifacts_dir: pathlib.Path,
    page_log: PageLog,
) -> Iterator[Page]:
    """A page in a new browser context. Its notebook kernels are shut down after
    the test."""
    stem = artifact_stem(request.node.name)
    for stale in artifacts_dir.glob(f"{stem}-failure*"):
        stale.unlink()
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    page.on("console", page_log.add_message)
    page.on("pageerror", page_log.add_error)

    yield page

    reports = request.node.stash.get(_REPORTS, {})
    if any(report.failed for report in reports.values()):
        save_failure(page, page_log, lab_server, artifacts_dir / f"{stem}-failure")
    context.close()
    lab_server.shut_down_sessions()


def artifact_stem(test_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", test_name)


def save_failure(
    page: Page, log: PageLog, server: LabServer, prefix: pathlib.Path
) -> None:
    """Save a screenshot, the console output and the server log next to `prefix`."""
    try:
        page.screenshot(path=f"{prefix}.png", full_page=True)
    except Error as error:
        log.console.append(f"[screenshot failed] {error}")
    pathlib.Path(f"{prefix}-console.txt").write_text("\n".join(log.console) + "\n")
    pathlib.Path(f"{prefix}-server.log").write_text(server.read_log(tail=400))
