"""Time scrolling and filtering the review grid on 1,000,000 rows in JupyterLab.

Run from the repository root, after `npm run build`:

    PYTHONPATH=src python benchmarks/bench_grid.py --write benchmarks/RESULTS-grid.md

The script generates two CSVs into benchmarks/.data/: 1,000,000 rows and a baseline
of 10,000 rows, both with about 10 % invalid emails and 2 % invalid amounts.

Kernel side, without a browser, it times `edit_cell` followed by `wait_review`, and
`ReviewSession.grid_rows` for the requests that the grid sends.

In the browser it starts JupyterLab on 127.0.0.1 (tests/browser/lab.py) and opens
one notebook per file in headless Chromium. Each notebook displays a widget with
`invalid_records="block"` and runs `await widget.import_file(path)`, which checks the
records, shows the review step and raises `InvalidRecordsError`, so the widget stays
on the review step. The script then edits a cell, scrolls the grid and changes its
filter and search, one step on the 1,000,000-row page and the same step on the
baseline page in turn. Each step is timed in the page with `performance.now()`, from
the scroll, change or input event until a MutationObserver callback finds the
expected rows and count in the DOM. The results page lists the median and the max
of each step.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # for tests.browser, the JupyterLab harness

DATA_DIR = Path(__file__).parent / ".data"
KEPT_SECTIONS = "<!-- Written by hand below; bench_grid.py --write keeps it. -->"
"""Line of the results page after which `--write` keeps the page's text."""
ROWS = 1_000_000
BASELINE_ROWS = 10_000
DEFAULT_REPEAT = 5
TARGET_MS = 200.0
"""Time within which the grid must show the rows of a scroll or a filter change."""

STEP_TIMEOUT_MS = 30_000
"""Time after which one timed step counts as failed."""
LOAD_TIMEOUT_MS = 180_000
"""Time for a notebook to read and check its file and show the review step."""

FIELDS = {
    "id": {"label": "Id", "validators": "required"},
    "name": {"label": "Name", "validators": "required"},
    "email": {"label": "Email", "validators": "required|email"},
    "city": {"label": "City"},
    "amount": {"label": "Amount", "validators": "number"},
}
EMAIL_MESSAGE = "Must be a valid email address"
NUMBER_MESSAGE = "Must be a number"

ROW_HEIGHT = 30
"""Pixels per grid row, as ROW_HEIGHT in js/review-grid.ts."""
SEARCH_DELAY_MS = 250
"""Delay after typing before the grid requests rows, as SEARCH_DELAY_MS in
js/review-grid.ts."""
GRID_WINDOW = 53
"""Rows of one grid_rows request away from the top, as the grid's visibleRange
computes them: 13 for the 358 px inside the grid's border, and 20 above and below."""

_NAMES = ["Ada", "Bruno", "Chen", "Dana", "Émile", "Farah", "Gus", "Hana", "Ines"]
_CITIES = ["Montréal", "Kraków", "Berlin", "Boston", "São Paulo", "Lyon", "Osaka"]


def invalid_emails(rows: int) -> np.ndarray:
    """Return, per row, whether the generated email lacks its "@" (about 10 %)."""
    index = np.arange(rows, dtype=np.uint64)
    # A multiplicative hash spreads the invalid rows evenly but not periodically.
    return (index * np.uint64(2654435761) % np.uint64(2**32)) % np.uint64(100) < 10


def invalid_amounts(rows: int) -> np.ndarray:
    """Return, per row, whether the generated amount is "n/a" (about 2 %)."""
    index = np.arange(rows, dtype=np.uint64)
    hashed = (index * np.uint64(40503) + np.uint64(12345)) % np.uint64(65536)
    return hashed % np.uint64(100) < 2


def data_path(rows: int) -> Path:
    return DATA_DIR / f"grid-{rows}.csv"


def generate(path: Path, rows: int) -> None:
    """Write a CSV of ids, names, emails, cities and amounts, with the invalid
    emails and amounts of `invalid_emails` and `invalid_amounts`."""
    bad_email = invalid_emails(rows)
    bad_amount = invalid_amounts(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("id,name,email,city,amount\n")
        for i in range(rows):
            name = _NAMES[i % len(_NAMES)]
            email = f"user{i}.example.com" if bad_email[i] else f"user{i}@example.com"
            city = _CITIES[i * 5 % len(_CITIES)]
            amount = "n/a" if bad_amount[i] else f"{i * 37 % 100_000 / 100:.2f}"
            file.write(f"{i},{name},{email},{city},{amount}\n")


def search_term(rows: int) -> tuple[str, int]:
    """Return a search text that matches exactly one record, and its row_index.

    "user125001" occurs only in the email of row 125001 of a 1,000,000-row file,
    because a longer email that starts with it would need an id of 1250010 or more.
    """
    row = rows // 8 + 1
    assert row * 10 >= rows
    return f"user{row}", row


CITY_SEARCH = "OSAKA"
"""A search text that matches the city of one record in 7, ignoring case."""


def city_matches(rows: int) -> np.ndarray:
    """Return the row_index of the records whose city is Osaka, the last city."""
    index = np.arange(rows)
    return np.flatnonzero(index * 5 % len(_CITIES) == _CITIES.index("Osaka"))


EDITED_ROW = 0
"""row_index of the record whose email each round of steps fixes or breaks again.
Its email is invalid in the file, and its amount is valid."""


def edited_email(round_number: int) -> str:
    """Return the email that round `round_number` (from 0) gives to EDITED_ROW:
    valid in even rounds, the file's invalid one in odd rounds."""
    if round_number % 2 == 0:
        return f"user{EDITED_ROW}@example.com"
    return f"user{EDITED_ROW}.example.com"


@dataclasses.dataclass
class Expected:
    """The records that each filter of the grid matches, computed from the generator."""

    rows: int
    email: np.ndarray
    amount: np.ndarray
    errors: np.ndarray

    @classmethod
    def for_round(cls, rows: int, round_number: int) -> Expected:
        """Return the matches after round `round_number`'s edit of EDITED_ROW."""
        bad_email = invalid_emails(rows)
        bad_amount = invalid_amounts(rows)
        assert bad_email[EDITED_ROW], "the edited row must start with an invalid email"
        assert not bad_amount[EDITED_ROW], "the edited row must have a valid amount"
        bad_email[EDITED_ROW] = "@" not in edited_email(round_number)
        return cls(
            rows,
            np.flatnonzero(bad_email),
            np.flatnonzero(bad_amount),
            np.flatnonzero(bad_email | bad_amount),
        )


def summarize(times: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(times),
        "max": max(times),
        "count": len(times),
    }


# Kernel side


async def kernel_times(rows: int, repeat: int) -> dict[str, dict[str, float]]:
    """Time edit_cell re-checks and grid_rows requests on one widget, in ms.

    Each round edits a cell first, so its first request of each filter finds no
    result of an earlier request to reuse.
    """
    from importok_widget import ImportWidget, InvalidRecordsError

    widget = ImportWidget(
        fields=FIELDS,
        on_record_ready=lambda record, meta: None,
        invalid_records="block",
    )
    started = time.perf_counter()
    try:
        await widget.import_file(data_path(rows))
    except InvalidRecordsError:
        pass
    load = (time.perf_counter() - started) * 1000
    assert widget.step == "review", widget.step

    email = {"field": "email", "message": EMAIL_MESSAGE}
    term, _ = search_term(rows)
    times: dict[str, list[float]] = {"load": [load]}
    rng = random.Random(rows)

    def timed(name: str, start: int, total: int, **filters: Any) -> None:
        began = time.perf_counter()
        reply = widget.grid_rows(start, start + GRID_WINDOW, **filters)
        times.setdefault(name, []).append((time.perf_counter() - began) * 1000)
        assert reply["total"] == total, (name, reply["total"], total)

    for round_number in range(repeat):
        began = time.perf_counter()
        widget.edit_cell(EDITED_ROW, "email", edited_email(round_number))
        await widget.wait_review()
        times.setdefault("edit_cell + wait_review", []).append(
            (time.perf_counter() - began) * 1000
        )
        expected = Expected.for_round(rows, round_number)
        assert widget.review["invalid"] == len(expected.errors), widget.review

        emails = len(expected.email)
        errors = len(expected.errors)
        timed("all records, first request", 0, rows)
        timed("all records, scroll", rng.randrange(rows), rows)
        timed("email message, first request", 0, emails, message_filter=email)
        timed(
            "email message, scroll", rng.randrange(emails), emails, message_filter=email
        )
        timed("only errors, first request", 0, errors, only_errors=True)
        timed("only errors, scroll", rng.randrange(errors), errors, only_errors=True)
        cities = len(city_matches(rows))
        timed("search, one match", 0, 1, search=term)
        timed("search, 1 in 7, first request", 0, cities, search=CITY_SEARCH)
        timed(
            "search, 1 in 7, scroll", rng.randrange(cities), cities, search=CITY_SEARCH
        )
    return {name: summarize(values) for name, values in times.items()}


# Browser side

# Logs the times at which the page sends and receives WebSocket messages, the
# kernel's messages among them. The listener is added before JupyterLab's own
# handler, so a receive time is when the message reached the page's main thread.
SOCKET_LOG_SCRIPT = """
(() => {
  const log = {sends: [], receives: []};
  window.__benchSocketLog = log;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    log.sends.push(performance.now());
    return send.call(this, data);
  };
  window.WebSocket = class extends WebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => log.receives.push(performance.now()));
    }
  };
})();
"""

# Runs one step in the page and resolves to its times in ms, or to {error}.
# A MutationObserver callback runs in the same task as the grid's renderRows, so
# `dom` is when the expected rows and texts are in the DOM. `frame` is the start
# of the next animation frame, the one that paints them. `sent` is the first
# WebSocket message sent after the action, and `received` the last one received
# before `dom`, which is the kernel's reply that the grid rendered.
STEP_SCRIPT = """
async ({action, value, expect, timeoutMs}) => {
  const root = document.querySelector(".importok");
  const scroller = root.querySelector("[data-testid=review-grid]");
  const body = scroller.querySelector(".iok-grid-body");
  const text = (testId) => root.querySelector(`[data-testid=${testId}]`).textContent;
  const showsExpected = () => {
    if (root.querySelector(".iok-grid-count").textContent !== expect.count) {
      return false;
    }
    if (expect.invalid !== null && text("review-invalid") !== expect.invalid) {
      return false;
    }
    if (expect.row !== null) {
      const row = body.querySelector(`[data-testid="grid-row-${expect.row}"]`);
      if (row === null) return false;
    }
    if (expect.first !== null) {
      const top = body.querySelector('[aria-rowindex="2"]');
      if (top === null || top.dataset.testid !== `grid-row-${expect.first}`) {
        return false;
      }
    }
    if (expect.cell !== null) {
      const cell = body.querySelector(`[data-testid="${expect.cell.testId}"]`);
      if (cell === null || cell.querySelector("input") !== null) return false;
      if ((cell.getAttribute("aria-invalid") === "true") !== expect.cell.invalid) {
        return false;
      }
    }
    return true;
  };
  if (showsExpected()) {
    return {error: "the expected rows were shown before the step"};
  }
  return await new Promise((resolve) => {
    let start = 0;
    let finished = false;
    const finish = () => {
      if (finished || !showsExpected()) return;
      finished = true;
      const now = performance.now();
      const log = window.__benchSocketLog;
      const sent = log.sends.find((time) => time >= start);
      const received = log.receives.filter((time) => time <= now).pop();
      const times = {
        dom: now - start,
        sent: sent === undefined ? null : sent - start,
        received: received === undefined ? null : received - start,
      };
      log.sends.length = 0;
      log.receives.length = 0;
      observer.disconnect();
      clearTimeout(timer);
      requestAnimationFrame(() => {
        resolve({...times, frame: performance.now() - start});
      });
    };
    const observer = new MutationObserver(finish);
    observer.observe(root, {
      childList: true, subtree: true, characterData: true, attributes: true,
    });
    const timer = setTimeout(() => {
      observer.disconnect();
      resolve({error: `not shown within ${timeoutMs} ms; the grid shows ` +
        root.querySelector(".iok-grid-count").textContent});
    }, timeoutMs);
    start = performance.now();
    if (action === "scroll") {
      scroller.scrollTop = value === "end" ? scroller.scrollHeight : value;
    } else if (action === "filter") {
      const select = root.querySelector("[data-testid=grid-filter]");
      select.value = value;
      select.dispatchEvent(new Event("change"));
    } else if (action === "search") {
      const search = root.querySelector("[data-testid=grid-search]");
      search.value = value;
      search.dispatchEvent(new Event("input"));
    } else {
      const editor = body.querySelector(".iok-grid-editor");
      editor.value = value;
      editor.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter"}));
    }
  });
}
"""

FILTER_VALUES_SCRIPT = """
() => Object.fromEntries(
  [...document.querySelectorAll(".importok [data-testid=grid-filter] option")]
    .map((option) => [option.text, option.value]))
"""

NOTEBOOK_SETUP = """\
from importok_widget import ImportWidget, InvalidRecordsError

widget = ImportWidget(
    fields={fields!r},
    on_record_ready=lambda record, meta: None,
    invalid_records="block",
)
widget
"""

NOTEBOOK_LOAD = """\
try:
    await widget.import_file({path!r})
except InvalidRecordsError as error:
    print("LOADED", widget.review["total"], widget.review["invalid"])
"""


@dataclasses.dataclass
class Step:
    """One timed action on the grid and what the grid shows when it is done."""

    name: str
    action: str
    """"scroll", "filter", "search" or "edit" (Enter in an open cell editor)."""
    value: Any
    count: int
    """Matching records that the grid's count text shows."""
    row: int | None = None
    """row_index of a record that must be rendered."""
    first: int | None = None
    """row_index of the record that must be at the top, position 0."""
    invalid: int | None = None
    """Invalid records that the review step's counts show."""
    cell: tuple[int, str, bool] | None = None
    """row_index, field key and invalid state of a cell that must be rendered."""


def count_text(count: int) -> str:
    return "1 matching record" if count == 1 else f"{count:,} matching records"


def grid_steps(
    expected: Expected, filters: dict[str, str], round_number: int, rng: random.Random
) -> list[Step]:
    """Return one round of steps: an edit, scrolls, filter changes and searches.

    Every step ends on rows or texts that the step before did not show, so each
    one needs a grid_rows reply. Positions in the grid are among the matching
    records. The round starts and ends with all records shown from the top.
    """
    rows = expected.rows
    positions = [
        rng.randrange(GRID_WINDOW * 2, rows - GRID_WINDOW * 2) for _ in range(2)
    ]
    cities = city_matches(rows)
    term, term_row = search_term(rows)
    email = filters[EMAIL_MESSAGE]
    amount = filters[NUMBER_MESSAGE]
    email_valid = "@" in edited_email(round_number)

    def scroll(name: str, matching: np.ndarray, position: int | None = None) -> Step:
        if position is None:
            position = rng.randrange(GRID_WINDOW * 2, len(matching))
        return Step(
            name,
            "scroll",
            position * ROW_HEIGHT,
            len(matching),
            row=int(matching[position]),
        )

    def select(name: str, value: str, matching: np.ndarray) -> Step:
        return Step(name, "filter", value, len(matching), first=int(matching[0]))

    all_rows = np.arange(rows)
    return [
        Step(
            "edit a cell, until the check is shown",
            "edit",
            edited_email(round_number),
            rows,
            invalid=len(expected.errors),
            cell=(EDITED_ROW, "email", not email_valid),
        ),
        scroll("scroll to the middle", all_rows, rows // 2 + rng.randrange(-999, 999)),
        scroll("scroll to a random row", all_rows, positions[0]),
        Step("scroll to the end", "scroll", "end", rows, row=rows - 1),
        scroll("scroll to a random row", all_rows, positions[1]),
        Step("scroll to the top", "scroll", 0, rows, first=0),
        select("filter: email message", email, expected.email),
        scroll("scroll, email message", expected.email),
        select("filter: only rows with errors", "errors", expected.errors),
        scroll("scroll, only rows with errors", expected.errors),
        select("filter: amount message", amount, expected.amount),
        select("filter: all records", "all", all_rows),
        Step("search, one match", "search", term, 1, first=term_row),
        Step("search, 1 in 7", "search", CITY_SEARCH, len(cities), first=cities[0]),
        scroll("scroll, search results", cities),
        Step("search cleared", "search", "", rows, first=0),
    ]


def run_step(page: Any, step: Step) -> dict[str, float]:
    if step.action == "edit":
        assert step.cell is not None
        row, key, _ = step.cell
        page.get_by_test_id(f"grid-cell-{row}-{key}").dblclick()
    cell = None
    if step.cell is not None:
        row, key, invalid = step.cell
        cell = {"testId": f"grid-cell-{row}-{key}", "invalid": invalid}
    result = page.evaluate(
        STEP_SCRIPT,
        {
            "action": step.action,
            "value": step.value,
            "expect": {
                "count": count_text(step.count),
                "row": step.row,
                "first": None if step.first is None else int(step.first),
                "invalid": None if step.invalid is None else f"{step.invalid:,}",
                "cell": cell,
            },
            "timeoutMs": STEP_TIMEOUT_MS,
        },
    )
    if "error" in result:
        raise RuntimeError(f"Step {step.name!r} ({step}) failed: {result['error']}")
    return result


def filter_values(page: Any) -> dict[str, str]:
    """Return the grid filter's option values by error message."""
    options = page.evaluate(FILTER_VALUES_SCRIPT)
    filters = {}
    for message in (EMAIL_MESSAGE, NUMBER_MESSAGE):
        found = [value for text, value in options.items() if message in text]
        if len(found) != 1:
            raise RuntimeError(
                f"The grid filter has no single option for {message!r}: {options}"
            )
        filters[message] = found[0]
    return filters


def open_grid(page: Any, server: Any, rows: int) -> None:
    """Open a notebook that loads the file of `rows` rows into a widget on the
    review step."""
    from playwright.sync_api import expect

    from tests.browser.lab import (
        EXECUTED_PROMPT,
        open_notebook,
        run_code_cell,
        write_notebook,
    )
    from tests.browser.test_import_wizard import wait_for_step, wait_for_widget

    name = f"grid-{rows}.ipynb"
    cells = [
        NOTEBOOK_SETUP.format(fields=FIELDS),
        NOTEBOOK_LOAD.format(path=str(data_path(rows))),
    ]
    write_notebook(server.root_dir / name, cells)
    open_notebook(page, server, name)
    run_code_cell(page, 0)
    wait_for_widget(page)
    started = time.perf_counter()
    run_code_cell(page, 1)
    wait_for_step(page, "review", LOAD_TIMEOUT_MS)
    load_cell = page.locator(".jp-NotebookPanel .jp-CodeCell").nth(1)
    expect(load_cell.locator(".jp-InputPrompt")).to_have_text(
        EXECUTED_PROMPT, timeout=LOAD_TIMEOUT_MS
    )
    expect(load_cell.locator(".jp-OutputArea")).to_contain_text("LOADED")
    expect(page.get_by_test_id("grid-row-0")).to_be_attached(timeout=LOAD_TIMEOUT_MS)
    seconds = time.perf_counter() - started
    print(f"{rows:,} rows on the review step {seconds:.1f} s after the load cell ran")


def browser_times(
    sizes: list[int], repeat: int, comms_over_subshells: str, src: Path
) -> tuple[dict[int, dict[str, list[dict[str, float]]]], str]:
    """Run `repeat` rounds of grid steps on one page per file size and return the
    times of each step per size.

    The pages take turns: each step runs on every page before the next step starts.
    Also return Chromium's version.
    """
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
    from tests.browser.lab import LabServer

    if not (src / "importok_widget" / "static" / "widget.js").exists():
        raise SystemExit("The front end is not built. Run `npm run build` first.")
    times: dict[int, dict[str, list[dict[str, float]]]] = {size: {} for size in sizes}
    with tempfile.TemporaryDirectory(prefix="bench-grid-") as temp:
        root = Path(temp) / "root"
        state = Path(temp) / "state"
        root.mkdir()
        state.mkdir()
        server = LabServer(root, state, src, comms_over_subshells=comms_over_subshells)
        try:
            server.wait_until_ready()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                pages = {}
                for size in sizes:
                    context = browser.new_context(viewport=VIEWPORT)
                    context.add_init_script(SOCKET_LOG_SCRIPT)
                    pages[size] = context.new_page()
                    open_grid(pages[size], server, size)
                rngs = {size: random.Random(size) for size in sizes}
                for round_number in range(repeat):
                    rounds = {
                        size: grid_steps(
                            Expected.for_round(size, round_number),
                            filter_values(pages[size]),
                            round_number,
                            rngs[size],
                        )
                        for size in sizes
                    }
                    for index in range(len(rounds[sizes[0]])):
                        for size in sizes:
                            step = rounds[size][index]
                            result = run_step(pages[size], step)
                            times[size].setdefault(step.name, []).append(result)
                version = browser.version
                browser.close()
        finally:
            server.stop()
    return times, version


# Report


def format_ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def is_targeted(step: str) -> bool:
    """Return whether the 200 ms target applies to a browser step."""
    return step.startswith(("scroll", "filter"))


def browser_table(
    times: dict[int, dict[str, list[dict[str, float]]]], rows: int, baseline: int
) -> list[str]:
    lines = [
        f"| step | {rows:,} rows, median | max | next frame, max "
        f"| {baseline:,} rows, median | max | median / baseline "
        f"| max under {TARGET_MS:g} ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, results in times[rows].items():
        # The grid waits SEARCH_DELAY_MS after typing before it sends the request.
        delay = SEARCH_DELAY_MS if name.startswith("search") else 0
        dom = [result["dom"] - delay for result in results]
        frame = [result["frame"] - delay for result in results]
        base = [result["dom"] - delay for result in times[baseline][name]]
        median = statistics.median(dom)
        label = f"{name}, less the {delay} ms delay" if delay else name
        if is_targeted(name):
            met = "yes" if max(dom) < TARGET_MS else "**no**"
        else:
            met = "(no target)"
        lines.append(
            f"| {label} | {format_ms(median)} | {format_ms(max(dom))} "
            f"| {format_ms(max(frame))} | {format_ms(statistics.median(base))} "
            f"| {format_ms(max(base))} | {median / statistics.median(base):.2f} "
            f"| {met} |"
        )
    return lines


def breakdown_table(
    times: dict[int, dict[str, list[dict[str, float]]]], rows: int
) -> list[str]:
    lines = [
        "| step | action to request sent | request sent to reply received "
        "| reply received to rows in the DOM | total |",
        "|---|---|---|---|---|",
    ]
    for name, results in times[rows].items():
        delay = SEARCH_DELAY_MS if name.startswith("search") else 0
        complete = [
            result
            for result in results
            if result["sent"] is not None and result["received"] is not None
        ]
        if not complete:
            lines.append(f"| {name} | – | – | – | – |")
            continue
        to_request = statistics.median(result["sent"] - delay for result in complete)
        round_trip = statistics.median(
            result["received"] - result["sent"] for result in complete
        )
        in_page = statistics.median(
            result["dom"] - result["received"] for result in complete
        )
        total = statistics.median(result["dom"] - delay for result in complete)
        lines.append(
            f"| {name} | {format_ms(to_request)} | {format_ms(round_trip)} "
            f"| {format_ms(in_page)} | {format_ms(total)} |"
        )
    return lines


def kernel_table(
    times: dict[int, dict[str, dict[str, float]]], rows: int, baseline: int
) -> list[str]:
    lines = [
        f"| call | {rows:,} rows, median | max | {baseline:,} rows, median | max |",
        "|---|---|---|---|---|",
    ]
    for name, summary in times[rows].items():
        if name == "load":
            continue
        base = times[baseline][name]
        lines.append(
            f"| {name} | {format_ms(summary['median'])} | {format_ms(summary['max'])} "
            f"| {format_ms(base['median'])} | {format_ms(base['max'])} |"
        )
    return lines


def report(
    args: argparse.Namespace,
    kernel: dict[int, dict[str, dict[str, float]]],
    browser: dict[int, dict[str, list[dict[str, float]]]],
    context: dict[str, Any],
) -> str:
    from importlib.metadata import version

    import jupyterlab
    import pandas as pd

    rows, baseline = args.rows, args.baseline_rows
    worst = max(
        result["dom"]
        for name, results in browser[rows].items()
        if is_targeted(name)
        for result in results
    )
    command = "PYTHONPATH=src python benchmarks/bench_grid.py"
    if args.repeat != DEFAULT_REPEAT:
        command += f" --repeat {args.repeat}"
    if args.comms_over_subshells != "perCommTarget":
        command += f" --comms-over-subshells {args.comms_over_subshells}"
    lines = [
        "# Review grid benchmark",
        "",
        "`benchmarks/bench_grid.py` times the review step's records grid with "
        f"{rows:,} records loaded, in JupyterLab {jupyterlab.__version__} driven "
        f"by headless Chromium {context['chromium']} (`/usr/bin/chromium`) through "
        f"Playwright {version('playwright')}.",
        "",
        f"The script generates the file into `benchmarks/.data/`: {rows:,} rows of "
        "id, name, email, city and amount, where about 10 % of the emails are "
        "invalid (no `@`) and 2 % of the amounts are `n/a`. The fields are `id` and "
        "`name` (`required`), `email` (`required|email`), `city` and `amount` "
        f"(`number`). A file of {baseline:,} rows made the same way is the "
        "baseline, loaded in a second notebook on the same server.",
        "",
        'Each notebook shows a widget with `invalid_records="block"` and runs '
        "`await widget.import_file(path)`, which reads and checks the file, shows "
        "the review step and raises `InvalidRecordsError`, so the widget stays on "
        "the review step. The script then runs rounds of steps on the grid. Each "
        "step is timed in the page with `performance.now()`, from setting "
        "`scrollTop`, firing the filter select's `change` event, the search box's "
        "`input` event or Enter in a cell editor, until a MutationObserver callback "
        'finds the expected rows (by `data-testid="grid-row-<row_index>"`) and the '
        "expected count in `.iok-grid-count`. That includes the grid's wait for an "
        "animation frame after a scroll, the `grid_rows` round trip through the "
        "Jupyter server and the rendering of the rows. *Next frame* is the start "
        "of the animation frame after that, the one that paints the rows. The steps "
        "alternate between the two pages, one step on each in turn, so that load "
        "from other processes falls on both alike. The expected rows and counts "
        "come from the generator, not from the widget.",
        "",
        "Each round starts with an edit: the email of row_index 0 becomes valid, "
        "or invalid again in the next round. The step ends when the grid shows the "
        "cell checked again and the review step's invalid count has changed. "
        "After the edit, the kernel keeps no result of an earlier round, so "
        "every filter change in the round is the first request of its kind.",
        "",
        "Command (from the repository root):",
        "",
        f"    {command} --write benchmarks/RESULTS-grid.md",
        "",
        f"Machine: {context['nproc']} cores (`nproc`), Python "
        f"{platform.python_version()}, pandas {pd.__version__}. JupyterLab's "
        f"`commsOverSubshells` setting: `{args.comms_over_subshells}`. The 1-minute "
        f"load average was {context['load_before']:.2f} at the start and "
        f"{context['load_after']:.2f} at the end, with other processes running "
        f"on the machine. The run took {context['seconds']:.0f} s.",
        "",
        "## Browser: time until the grid shows the rows",
        "",
        f"Target: with {rows:,} records, every scroll and every filter change shows "
        f"its rows within {TARGET_MS:g} ms. Each step ran {args.repeat} times, the "
        "scrolls to a random row twice per round.",
        "",
        *browser_table(browser, rows, baseline),
        "",
        f"Slowest scroll or filter step with {rows:,} records: {format_ms(worst)}, "
        f"so the target is {'met' if worst < TARGET_MS else '**not met**'}. The "
        "searches and the edit have no target. The grid waits "
        f"{SEARCH_DELAY_MS} ms after the last key press before it requests the "
        "rows of a search, and the table leaves that delay out.",
        "",
        f"Where the time of a step goes with {rows:,} records, as medians: from "
        "the action to the first WebSocket message that the page sends, from "
        "there to the last message that the page receives before the rows are in "
        "the DOM (the kernel's reply or a status message that follows it), and "
        "from that message to the rows in the DOM. For an edit, the request is "
        "`edit_cell` and the reply is that of the `grid_rows` request which "
        "follows the check.",
        "",
        *breakdown_table(browser, rows),
        "",
        "## Kernel: grid_rows and edit_cell without a browser",
        "",
        "The same calls on one `ImportWidget` in the script's process, in "
        f"wall-clock time. Each `grid_rows` call asks for {GRID_WINDOW} rows, as "
        "the grid does. A *first request* is the first one with its filters after "
        "an edit, and a *scroll* repeats the filters of an earlier request. "
        "`edit_cell + wait_review` changes the email of row_index 0 and waits "
        "until every record is checked again and `review` is updated. Each call "
        f"ran {args.repeat} times.",
        "",
        *kernel_table(kernel, rows, baseline),
        "",
        "Reading and checking the file with `import_file`, up to the review step, "
        f"took {kernel[rows]['load']['median'] / 1000:.2f} s for {rows:,} rows and "
        f"{kernel[baseline]['load']['median'] / 1000:.2f} s for {baseline:,}.",
    ]
    return "\n".join(wrap_paragraphs(lines)) + "\n"


def wrap_paragraphs(lines: list[str]) -> list[str]:
    """Wrap the prose lines at 84 characters, leaving headings, tables and code."""
    wrapped = []
    for line in lines:
        if line.startswith(("#", "|", "    ")) or not line:
            wrapped.append(line)
        else:
            wrapped.extend(textwrap.wrap(line, 84, break_on_hyphens=False))
    return wrapped


def write_page(path: Path, text: str) -> None:
    """Write the results page, keeping what follows KEPT_SECTIONS in the old one."""
    if path.exists():
        old = path.read_text()
        if KEPT_SECTIONS in old:
            text += "\n" + KEPT_SECTIONS + old.split(KEPT_SECTIONS, 1)[1]
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=ROWS, help="records in the large file"
    )
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=BASELINE_ROWS,
        help="records in the baseline file",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help="rounds of steps, in the kernel and in the browser",
    )
    parser.add_argument(
        "--comms-over-subshells",
        choices=["perCommTarget", "disabled"],
        default="perCommTarget",
        help="JupyterLab's commsOverSubshells setting. perCommTarget, its default, "
        "handles comm messages on a subshell thread of the kernel",
    )
    parser.add_argument(
        "--src",
        type=Path,
        default=REPO / "src",
        help="folder that contains the importok_widget package to measure, with "
        "its built front end",
    )
    parser.add_argument(
        "--write",
        type=Path,
        help="also write the results page to this file, keeping the sections after "
        "its KEPT_SECTIONS line",
    )
    args = parser.parse_args()
    if args.baseline_rows >= args.rows:
        parser.error("--baseline-rows must be smaller than --rows")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    sys.path.insert(0, str(args.src.resolve()))

    started = time.perf_counter()
    context: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "load_before": os.getloadavg()[0],
    }
    sizes = [args.rows, args.baseline_rows]
    for rows in sizes:
        if not data_path(rows).exists():
            generate(data_path(rows), rows)
    kernel = {rows: asyncio.run(kernel_times(rows, args.repeat)) for rows in sizes}
    browser, context["chromium"] = browser_times(
        sizes, args.repeat, args.comms_over_subshells, args.src.resolve()
    )
    context["load_after"] = os.getloadavg()[0]
    context["seconds"] = time.perf_counter() - started
    print(json.dumps({"kernel": kernel, "browser": browser}))
    text = report(args, kernel, browser, context)
    print(text)
    if args.write:
        write_page(args.write, text)


if __name__ == "__main__":
    main()
