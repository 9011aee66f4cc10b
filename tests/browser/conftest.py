"""Fixtures of the browser tests: one JupyterLab server and one headless
Chromium for the whole session, on a throw-away copy of the course.

The server is started the way the README tells students (`make lab` runs
`.venv/bin/jupyter lab --notebook-dir=<repo>` from the repository root, where
nbgrader_config.py lives), on a copy of the course because Validate saves
notebooks, plus: no browser, 127.0.0.1 on a free port, a random token, and its
workspace files kept in the copy (not in ~/.jupyter). It is stopped by its own
PID, and every process it started (kernels) is ended by PID after it.

Chromium is Debian's (/usr/bin/chromium, `make browser`),
driven by Playwright's Python API; Playwright never downloads a browser. Where
Chromium or Playwright is missing the browser tests skip, except under CI
(CI=true), where they fail.

Screenshots go to .test-artifacts/browser/ (printed in pytest's header and
summary) for a person to look at; the tests assert on the page.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.grading import nbgrader_run
from tests.grading.nbgrader_run import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / ".test-artifacts" / "browser"
SERVER_START_TIMEOUT = 120  # seconds: the first start imports torch-free but large extensions
VIEWPORT = {"width": 1400, "height": 900}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: end-to-end tests in JupyterLab driven by headless Chromium")


def pytest_report_header(config):
    return f"browser screenshots: {SCREENSHOTS}"


_session = {"screenshots": False}  # did this session write screenshots?


def pytest_terminal_summary(terminalreporter):
    shots = sorted(SCREENSHOTS.glob("*.png")) if _session["screenshots"] else []
    if shots:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(shots)} screenshots in {SCREENSHOTS}")


def _unavailable(reason: str):
    """Skip the browser tests (fail them under CI, where they must run)."""
    hint = "install Chromium with `make browser` (Debian: apt-get install chromium chromium-driver)"
    message = f"browser tests: {reason}; {hint}"
    if in_ci():
        pytest.fail(f"{message} [CI=true: the browser tests must run]", pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------
# The JupyterLab server
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jupyter_binary() -> Path:
    """The jupyter of `make lab` (.venv/bin/jupyter), else this interpreter's."""
    venv = ROOT / ".venv" / "bin" / "jupyter"
    return venv if venv.exists() else Path(sys.executable).parent / "jupyter"


def copy_of_course(dest: Path) -> Path:
    """nbgrader_config.py, helpers.py, data/, solutions/ (symlinks kept) and course/."""
    nbgrader_run.copy_course(dest)
    shutil.copytree(
        ROOT / "course",
        dest / "course",
        symlinks=True,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    return dest


class LabServer:
    """A running `jupyter lab` on a copy of the course."""

    def __init__(self, root: Path, log: Path):
        self.root = root
        self.log_path = log
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.children: set[int] = set()

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        cmd = [
            str(jupyter_binary()),
            "lab",
            f"--notebook-dir={self.root}",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            # the layout JupyterLab saves goes into the copy, not ~/.jupyter/lab/workspaces
            f"--LabApp.workspaces_dir={self.root / '.workspaces'}",
            f"--LabApp.user_settings_dir={self._settings()}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI containers run as root
        env = nbgrader_run.env()  # this venv's bin/ first (nbgrader runs alembic, jupyter)
        env["PYTHONNOUSERSITE"] = "1"  # as the Makefile exports
        # nbgrader's exchange (Formgrader's Release) in the copy, never a hub's /srv/nbgrader/exchange
        env["RNN_COURSE_EXCHANGE"] = str(self.root / "autograder" / "exchange")
        self._log = open(self.log_path, "w")  # noqa: SIM115 -- closed in stop()
        # cwd: the course root, where `make lab` runs and nbgrader finds its config
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError, ValueError):
                if "started" in self.api("GET", "/api/status"):
                    return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {SERVER_START_TIMEOUT} s:\n{self.log()}")

    def _settings(self) -> Path:
        """JupyterLab's user settings, in the copy: the "official Jupyter news?" question is answered
        "never" (every test's first page load showed it, and closing it cost 1.4 s a test)."""
        settings = self.root / ".settings"
        notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        notification.parent.mkdir(parents=True, exist_ok=True)
        notification.write_text(json.dumps({"fetchNews": "false"}))
        return settings

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def _descendants(self) -> set[int]:
        try:
            import psutil
        except ImportError:  # pragma: no cover -- psutil comes with ipykernel
            return set()
        with contextlib.suppress(psutil.Error):
            return {child.pid for child in psutil.Process(self.proc.pid).children(recursive=True)}
        return set()

    def stop(self) -> None:
        """Shut the kernels down, stop the server by its PID, then end by PID
        any process it started that is still alive."""
        if self.proc is None:
            return
        with contextlib.suppress(Exception):
            self.shutdown_kernels()
        self.children |= self._descendants()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # jupyter server stops its kernels and exits
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self._log.close()
        self.proc = None

    # -- REST --------------------------------------------------------------
    def api(self, method: str, path: str, timeout: float = 10) -> str:
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read().decode()

    def shutdown_kernels(self) -> None:
        """Delete every session and kernel (each test starts from none)."""
        self.children |= self._descendants()
        for session in json.loads(self.api("GET", "/api/sessions")):
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
        for kernel in json.loads(self.api("GET", "/api/kernels")):
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)

    def read_notebook(self, path: str) -> dict:
        """The notebook as saved on disk in the copy."""
        return json.loads((self.root / path).read_text())

    def lab_url(self, path: str = "") -> str:
        tree = f"/tree/{path}" if path else ""
        return f"{self.url}/lab{tree}?reset&token={self.token}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _session["screenshots"] = True
    print(f"\nbrowser screenshots: {SCREENSHOTS}")
    return SCREENSHOTS


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the session (skips if unavailable)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install -r requirements.txt)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    except Exception as error:
        playwright.stop()
        _unavailable(f"{CHROMIUM} does not start ({error})")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def lab(chromium, tmp_path_factory, screenshots) -> LabServer:
    """One JupyterLab server for the session, on a copy of the course."""
    root = copy_of_course(tmp_path_factory.mktemp("jupyterlab-course"))
    server = LabServer(root, screenshots / "jupyter-server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _context(chromium):
    """One browser context for the session, holding its one JupyterLab page (`_lab_page`); a page that had
    to be replaced is opened in it again, JupyterLab's files already cached."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    yield context
    context.close()


def close_all_tabs(page) -> None:
    """File > Close All Tabs, discarding unsaved changes, until no notebook or dialog is left."""
    page.keyboard.press("Escape")  # a menu or a dialog left open
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name="Close All Tabs", exact=True).click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        discard = page.locator(".jp-Dialog .jp-Dialog-button", has_text="Discard")
        if discard.count():  # "Save your work": one question for each modified notebook
            discard.first.click()
        elif not page.locator(".jp-Dialog, .jp-NotebookPanel").count():
            return
        page.wait_for_timeout(100)
    raise RuntimeError("JupyterLab kept a tab or a dialog open after Close All Tabs")


@pytest.fixture(scope="session")
def _lab_page(_context):
    """The session's one JupyterLab page: loading JupyterLab costs 4-5 s of a CPU in Chromium (measured),
    so tests open their notebooks in the page already loaded (test_jupyterlab.Notebook.open)."""
    pages = {}
    yield pages
    for page in pages.values():
        page.close()


@pytest.fixture
def page(_lab_page, _context, lab):
    """The JupyterLab page, with no tab open; afterwards every tab is closed (unsaved changes discarded) and
    the kernels are shut down. A page that does not close its tabs is replaced by a fresh one."""
    page = _lab_page.get("page")
    if page is None or page.is_closed():
        page = _lab_page["page"] = _context.new_page()
    yield page
    if page.url.startswith(lab.url):
        try:
            close_all_tabs(page)
        except Exception as error:
            print(f"browser page replaced: {error}")
            page.close()
    lab.shutdown_kernels()
