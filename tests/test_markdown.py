"""Every markdown cell of both editions renders as the learner sees it: no emphasis marker left.

CommonMark (which JupyterLab and GitHub follow) does not close `**` or `*` after full-width
punctuation when a Chinese character follows directly ("**答案。**上面" shows its asterisks).
Rendered here with markdown-it-py, the CommonMark reference parser for Python; code, maths and
HTML are taken out first, where an asterisk is meant literally.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("**/[0-9][0-9]_*.ipynb"))
MATHS = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)


def visible_text(markdown: str) -> str:
    """The text a reader sees, from the CommonMark parse: no code, no maths, no HTML tags."""
    tokens = MarkdownIt("commonmark").parse(MATHS.sub(" ", markdown))
    return "\n".join(child.content for tok in tokens if tok.type == "inline"
                     for child in tok.children if child.type == "text")


def test_the_renderer_shows_a_stray_marker():
    assert "**" in visible_text("**答案。**上面几行")
    assert "**" not in visible_text("**答案**。上面几行") and "*" not in visible_text("*emphasis* and `a*b`")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_no_emphasis_marker_is_left_in_the_rendered_text(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    stray = [(k, line) for k, cell in enumerate(cells, 1) for line in visible_text(cell.source).splitlines()
             if re.search(r"\*", line)]
    assert not stray, "\n".join(f"markdown cell #{k}: {line[:100]}" for k, line in stray)
