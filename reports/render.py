"""The HTML report: the Allure 3 command line (Node, pinned in package.json, no Java) renders allure-results,
and headless Chromium reads the rendered page back, so a test checks what a reader of the report sees."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).parents[1]
ALLURE = REPO / "node_modules" / ".bin" / "allure"

# Options of Allure 3's default report plugin (Awesome). One self-contained index.html: a multi-file report
# opened from disk shows an empty tree, because the browser refuses its data fetches over file://. The tree
# follows the labels the suite sets, dimension (epic) > gate (feature) > variant (story), like Allure 2's
# Behaviors; without groupBy Awesome groups by test module and shows no epic.
AWESOME_OPTIONS = {"singleFile": True, "groupBy": ["epic", "feature", "story"]}

# Without the background-networking flags Chromium's calls to Google services misbehave on a closed network;
# a fresh profile per run keeps one run's state (expanded groups, in localStorage) out of the next.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")
# Virtual milliseconds the page's scripts may run before the DOM is dumped. Loads pause virtual time, so it
# does not race the report's data fetches; 100 ms already show the tree, and once the page is idle the rest
# costs no wall time.
SCRIPT_BUDGET_MS = 10_000


class MissingTool(RuntimeError):
    """A tool the report needs is not installed: tests skip on it locally and fail on it in CI."""


def render(results_dir: Path, report_dir: Path) -> Path:
    """Render `results_dir` into `report_dir` with the project's own Allure 3 CLI, so every machine draws the
    same report; returns the report's index.html."""
    if not ALLURE.exists():
        raise MissingTool(f"the Allure 3 command line is not installed ({ALLURE} is missing): run `make report`")
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch, "allurerc.json")
        config.write_text(json.dumps({"plugins": {"awesome": {"options": AWESOME_OPTIONS}}}))
        command = [str(ALLURE), "generate", "--config", str(config), "--output", str(report_dir.resolve()),
                   str(results_dir.resolve())]
        # cwd is the scratch folder so that no allurerc or allure-results of the caller's folder is picked up.
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": "1"})
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return report_dir / "index.html"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the report folder without a log line per request on stderr."""

    def log_message(self, format: str, *args: object) -> None:
        pass


class _VisibleText(HTMLParser):
    """Collects the text a reader sees: every text node outside scripts, styles and SVG drawings."""

    HIDDEN = {"script", "style", "svg"}

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.words.extend(data.split())


def page_routes(report_index: Path) -> dict[str, str]:
    """Test title -> the route of its page ("#/<id>") in a single-file report. Allure 3 gives each test its
    own id (not allure-pytest's uuid) and embeds each test's data as d("data/test-results/<id>.json", base64)."""
    pages = {}
    for match in re.finditer(r'd\("data/test-results/([0-9a-f]+)\.json","([A-Za-z0-9+/=]+)"\)',
                             report_index.read_text(encoding="utf-8")):
        pages[json.loads(base64.b64decode(match[2]))["name"]] = f"#/{match[1]}"
    return pages


def rendered_text(report_index: Path, route: str = "", timeout: float = 60, attempts: int = 3) -> str:
    """The text of the report page once its JavaScript ran in headless Chromium, words joined by single spaces:
    summary, metadata (environment.properties, executor.json) and the test tree, as a reader first sees it.
    Groups holding a failed or broken test are expanded; a group of passed tests only shows its name and
    counts, not its tests' titles. `route` opens another page of the report: "#/<test result uuid>" is that
    test's page (labels, status, message). Served on 127.0.0.1, as a published report is read."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        raise MissingTool("headless Chromium is not installed (no chromium on PATH): apt-get install chromium")
    for _ in range(attempts):
        text = _read_page(chromium, report_index, route, timeout)
        # On a loaded machine the single-file report's page sometimes asks the server for a test's
        # data before reading its embedded copy, and shows the failed fetch instead (seen once in the
        # suite's tests, beside a full test run): such a page is read again.
        if "Failed to fetch" not in text:
            break
    return text


def _read_page(chromium: str, report_index: Path, route: str, timeout: float) -> str:
    handler = functools.partial(_QuietHandler, directory=str(report_index.parent))
    with (http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server,
          tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile):
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                       f"--virtual-time-budget={SCRIPT_BUDGET_MS}", "--dump-dom",
                       f"http://127.0.0.1:{server.server_port}/{report_index.name}{route}"]
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        finally:
            server.shutdown()
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stderr}")
    parser = _VisibleText()
    parser.feed(done.stdout)
    return " ".join(parser.words)


if __name__ == "__main__":  # make report: python -m compressed_trust.reports.render RESULTS_DIR REPORT_DIR
    import sys

    print(f"report: {render(Path(sys.argv[1]), Path(sys.argv[2]))}")
