"""Start the real app (`streamlit run app.py`) and open it in headless Chromium.

Used by the end-to-end tests, the startup benchmark and `tools/screenshot.py`.
Chromium is Debian's (`apt-get install chromium`); Playwright only drives it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    pid: int


@contextmanager
def running_app(env: dict[str, str] | None = None, port: int | None = None,
                script: str = "app.py") -> Iterator[RunningApp]:
    """Run `streamlit run app.py` (or another script) on a free loopback port; yields its URL and process id."""
    port = port or free_port()
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **(env or {})}
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
        yield RunningApp(f"http://127.0.0.1:{port}", process.pid)
    finally:
        stop_process(process, timeout=10)


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """Ask a server started by a test to stop; kill it if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path, what: str, timeout: float) -> None:
    """Wait until a server started by a test answers 200 at `url` (its health address); one that exits or stays
    silent past `timeout` seconds raises, with the end of its log."""
    deadline = time.monotonic() + timeout
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start; its log:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"streamlit exited early:\n{output}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"streamlit did not listen on port {port} within {timeout} s")


@contextmanager
def browser_page(width: int = 1280, height: int = 720) -> Iterator[object]:
    """A Playwright page in Debian's headless Chromium."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium is not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        try:
            yield page
        finally:
            browser.close()


def wait_until_rendered(page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished running the page script (the app root says "notRunning")."""
    # A page with a chat input lays its body out in a scroll-to-bottom container instead of stMain.
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1, [data-testid='stException']", timeout=timeout_ms)
    for _ in range(2):  # a rerun (e.g. after navigation settles) can start right after the first run ends
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stSpinner\"]')", timeout=timeout_ms)
        page.wait_for_timeout(300)


def process_has_loaded(pid: int, library: str) -> bool:
    """Whether a running process has mapped a shared library (e.g. "libtorch") — Linux only."""
    maps = Path(f"/proc/{pid}/maps")
    return library in maps.read_text(errors="replace")
