"""README and docs/: every link and every file path they name exists, every docs page is linked from
the README, and the README stays a front door (<= 150 lines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# A repository path in backticks: folders, then a file with a known extension (outputs and
# placeholders excluded: they exist only after a run).
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|md|toml|txt|sh|cfg))`")


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower-cased, punctuation but hyphens dropped, spaces as hyphens."""
    return {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
            for line in page.read_text().splitlines() if line.startswith("#")}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_links_and_paths_exist(page):
    text = page.read_text()
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://")):
            continue
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        assert linked.exists(), f"{page.name} links to {target}: no such file"
        if anchor:
            assert anchor in _anchors(linked), f"{page.name} links to {target}: no such heading in {linked.name}"
    for path in PATH.findall(text):
        if not path.startswith(("../", "reports/runs/")):
            assert (ROOT / path).exists(), f"{page.name} names {path}: no such file in the repository"


def test_every_docs_page_is_linked_from_the_readme_and_the_readme_is_short():
    readme = (ROOT / "README.md").read_text()
    for page in PAGES[1:]:
        assert f"(docs/{page.name})" in readme, f"docs/{page.name} is not linked from the README"
    assert len(readme.splitlines()) <= 150
