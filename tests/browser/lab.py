"""Start a JupyterLab server and drive its notebooks through a Playwright page."""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx
from playwright.sync_api import ConsoleMessage, Error, Page, expect

SERVER_START_TIMEOUT = 90.0
"""Seconds to wait for a new server to respond to `GET /api/status`."""

KERNEL_IDLE_TIMEOUT_MS = 60_000
OUTPUT_TIMEOUT_MS = 60_000

EXECUTED_PROMPT = re.compile(r"\[\d+\]")
"""Prompt of a cell that has finished. A running cell shows `[*]`."""
STARTED_PROMPT = re.compile(r"\[(\*|\d+)\]")
"""Prompt of a cell that is running or has finished. A cell never sent to the
kernel shows `[ ]`."""
IDLE_KERNEL_STATUS = re.compile(r"^(?!No Kernel).+ \| Idle$")


class LabServer:
    """A `jupyter lab` subprocess serving `root_dir` on 127.0.0.1, without a token.

    The server runs in its own process group, so `stop` can end it with every
    process it started.
    """

    def __init__(
        self,
        root_dir: pathlib.Path,
        state_dir: pathlib.Path,
        src_dir: pathlib.Path,
        comms_over_subshells: str = "perCommTarget",
    ) -> None:
        self.root_dir = root_dir
        self.port = find_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = state_dir / "jupyter-server.log"
        env = isolated_environment(state_dir, src_dir, comms_over_subshells)
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--allow-root",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--IdentityProvider.token=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={root_dir}",
            # The server must not reach the network: no news feed, no update check.
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self) -> None:
        """Wait for `GET /api/status` to succeed.

        Raises RuntimeError with the server log when the server exits or times out.
        """
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with code {self.process.returncode} before "
                    f"it served requests. Its log:\n{self.read_log()}"
                )
            try:
                response = httpx.get(f"{self.url}/api/status", timeout=2.0)
            except httpx.HTTPError:
                time.sleep(0.25)
                continue
            if response.status_code == 200:
                return
            time.sleep(0.25)
        raise RuntimeError(
            f"jupyter lab did not respond to {self.url}/api/status within "
            f"{SERVER_START_TIMEOUT:g} s. Its log:\n{self.read_log()}"
        )

    def shut_down_sessions(self) -> None:
        """Shut down every notebook session and its kernel."""
        response = httpx.get(f"{self.url}/api/sessions", timeout=10.0)
        response.raise_for_status()
        for session in response.json():
            httpx.delete(
                f"{self.url}/api/sessions/{session['id']}", timeout=30.0
            ).raise_for_status()

    def stop(self) -> None:
        """Shut the server down through its API, then end its process group."""
        if self.process.poll() is None:
            try:
                httpx.post(f"{self.url}/api/shutdown", timeout=10.0)
                self.process.wait(timeout=20.0)
            except (httpx.HTTPError, subprocess.TimeoutExpired):
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=10.0)
            except subprocess.TimeoutExpired:
                continue
        self._log.close()

    def read_log(self, tail: int = 60) -> str:
        self._log.flush()
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])


@dataclasses.dataclass
class PageLog:
    """Console messages and uncaught exceptions of one page, in order."""

    console: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)

    def add_message(self, message: ConsoleMessage) -> None:
        self.console.append(f"[{message.type}] {message.text}")

    def add_error(self, error: Error) -> None:
        self.errors.append(str(error))
        self.console.append(f"[uncaught exception] {error.stack or error}")


def find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_environment(
    state_dir: pathlib.Path, src_dir: pathlib.Path, comms_over_subshells: str
) -> dict[str, str]:
    """Return an environment where no Jupyter or IPython setting of this machine
    applies and the kernel imports the package from `src_dir`."""
    env = dict(os.environ)
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "IPYTHONDIR",
    ):
        directory = state_dir / name.lower()
        directory.mkdir(parents=True, exist_ok=True)
        env[name] = str(directory)
    paths = [str(src_dir)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    write_user_settings(
        pathlib.Path(env["JUPYTERLAB_SETTINGS_DIR"]), comms_over_subshells
    )
    return env


def write_user_settings(settings_dir: pathlib.Path, comms_over_subshells: str) -> None:
    # Without this, JupyterLab shows a notification asking whether to fetch news,
    # which covers the bottom right of the page in screenshots.
    path = settings_dir / "@jupyterlab" / "apputils-extension"
    path.mkdir(parents=True, exist_ok=True)
    (path / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false"})
    )
    # "perCommTarget" (JupyterLab's default) lets the kernel handle comm messages
    # on a subshell thread; "disabled" keeps them on the main shell.
    (path / "kernels-settings.jupyterlab-settings").write_text(
        json.dumps({"commsOverSubshells": comms_over_subshells})
    )


def write_notebook(path: pathlib.Path, code_cells: Sequence[str]) -> None:
    """Write a notebook of `code_cells` for the `python3` kernel."""
    cells: list[dict[str, object]] = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"cell-{index}",
            "metadata": {},
            "outputs": [],
            "source": source,
        }
        for index, source in enumerate(code_cells)
    ]
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1))


def open_notebook(page: Page, server: LabServer, name: str) -> None:
    """Open `name` with a fresh workspace and wait for its kernel to be idle."""
    page.goto(f"{server.url}/lab/tree/{name}?reset", timeout=60_000)
    expect(
        page.locator(".jp-NotebookPanel .jp-Cell").first,
        f"notebook {name} did not show its cells",
    ).to_be_visible(timeout=60_000)
    wait_for_idle_kernel(page)


def wait_for_idle_kernel(page: Page) -> None:
    # The notebook reports "idle" before it has a kernel ("No Kernel | Idle"), so
    # wait for a named kernel in the status bar.
    status = page.locator("#jp-main-statusbar").get_by_role(
        "button", name=IDLE_KERNEL_STATUS
    )
    expect(status, "the notebook's kernel did not start and become idle").to_be_visible(
        timeout=KERNEL_IDLE_TIMEOUT_MS
    )


def run_code_cell(page: Page, index: int) -> None:
    """Run the code cell at `index` (0-based among code cells) with Shift+Enter."""
    cell = page.locator(".jp-NotebookPanel .jp-CodeCell").nth(index)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    expect(
        cell.locator(".jp-InputPrompt"), f"code cell {index} did not start running"
    ).to_have_text(STARTED_PROMPT, timeout=10_000)


def run_new_cell(page: Page, code: str) -> str:
    """Insert a code cell below the last one, run `code` in it and return its output.

    The output is read once the cell's execution count appears, which the notebook
    shows only after the kernel has finished the cell.
    """
    cells = page.locator(".jp-NotebookPanel .jp-Cell")
    count = cells.count()
    cells.last.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    expect(cells, "pressing B did not insert a cell").to_have_count(count + 1)
    # Pinned by position, because running the last cell appends another cell.
    new_cell = cells.nth(count)
    editor = new_cell.locator(".jp-InputArea-editor .cm-content")
    expect(editor, "the inserted cell has no editor").to_be_visible(timeout=10_000)
    editor.click()
    # insert_text skips the editor's bracket and quote auto-closing, which typing
    # key by key would trigger.
    page.keyboard.insert_text(code)
    expect(editor, "the inserted cell does not contain the typed code").to_have_text(
        code, timeout=5_000
    )
    page.keyboard.press("Shift+Enter")
    prompt = new_cell.locator(".jp-InputPrompt")
    expect(prompt, "the inserted cell did not finish running").to_have_text(
        EXECUTED_PROMPT, timeout=OUTPUT_TIMEOUT_MS
    )
    return new_cell.locator(".jp-OutputArea").inner_text()
