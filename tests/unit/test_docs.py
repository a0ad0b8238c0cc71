"""The docs a newcomer reads: README.md short and first, and no relative link that leads nowhere.

README.md is the first page (what the service is, the two commands, the curl tour) and
links to docs/ for the rest; these tests keep it that way and check that every relative
link in README.md, docs/*.md and benchmarks/README.md names a file that exists and, when
it has a ``#anchor``, a heading of that file. (The settings table in docs/settings.md is
compared with settings/options.py by tests/unit/test_settings.py.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.constants import ROOT

README = ROOT / "README.md"
README_MAX_LINES = 150
DOCUMENTS = sorted([README, ROOT / "benchmarks" / "README.md", *(ROOT / "docs").glob("*.md")])
# The pages README.md's "Documentation" table must lead to.
DOCS_PAGES = ("architecture", "operations", "settings", "sync", "batch", "webhooks",
              "decisions", "testing", "plugins")

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"`+[^`]*`+")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # https:, mailto:, ...


def _prose(text: str) -> str:
    """The text without fenced blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation out, spaces to hyphens."""
    text = CODE_SPAN.sub(lambda match: match.group(0).strip("`"), heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text only
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in ``path``, with GitHub's -1, -2... for repeats."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    return [target for target in LINK.findall(_prose(path.read_text()))
            if not EXTERNAL.match(target)]


def broken_links(path: Path) -> list[str]:
    problems = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            problems.append(f"{target}: no such heading")
    return problems


def test_the_documents_exist():
    missing = [str(p.relative_to(ROOT)) for p in DOCUMENTS if not p.exists()]
    assert not missing
    assert {p.stem for p in (ROOT / "docs").glob("*.md")} >= set(DOCS_PAGES)


def test_readme_is_under_150_lines():
    lines = README.read_text().splitlines()
    assert len(lines) < README_MAX_LINES, (
        f"README.md has {len(lines)} lines; keep it under {README_MAX_LINES} and move the "
        "rest to docs/")


def test_readme_opens_with_the_two_commands():
    """The first code block is ``make run`` then ``make test``, and both are Makefile targets."""
    first_block = FENCE.search(README.read_text())
    assert first_block, "README.md has no code block"
    commands = [line.split("#")[0].strip() for line in first_block.group(0).splitlines()[1:-1]]
    assert commands == ["make run", "make test"]
    targets = re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M)
    assert {"run", "test"} <= set(targets)


def test_readme_links_every_docs_page_and_the_benchmarks():
    linked = {(README.parent / target.partition("#")[0]).resolve()
              for target in relative_links(README)}
    expected = {(ROOT / "docs" / f"{page}.md").resolve() for page in DOCS_PAGES}
    expected.add((ROOT / "benchmarks" / "README.md").resolve())
    assert not expected - linked, sorted(str(p.relative_to(ROOT)) for p in expected - linked)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path):
    assert relative_links(path), "every page links on to another"
    assert broken_links(path) == []


def test_a_broken_link_or_anchor_is_found(tmp_path: Path):
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## Behind a proxy: `public_url`\n")
    page.write_text(
        "# Page\n\n[ok](other.md#behind-a-proxy-public_url) [self](#page)\n"
        "[gone](missing.md) [bad anchor](other.md#nowhere) [web](https://example.com)\n"
        "`[code](missing-too.md)`\n```\n[fenced](missing-three.md)\n```\n"
    )
    assert broken_links(page) == ["missing.md: no such file", "other.md#nowhere: no such heading"]


def test_slug_is_githubs():
    assert slug("Metrics and logs (contract section 11)") == "metrics-and-logs-contract-section-11"
    assert slug("Slow hashing, never under a lock") == "slow-hashing-never-under-a-lock"
    assert slug("`Idempotency-Key`") == "idempotency-key"
