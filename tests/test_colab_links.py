"""colab_links.md and the notebooks' badges point at the lessons that exist, in lesson order,
all from the one repository set in scripts/colab_links.py."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("colab_links", ROOT / "scripts" / "colab_links.py")
colab_links = importlib.util.module_from_spec(spec)
spec.loader.exec_module(colab_links)

LINK_RE = re.compile(r"https://colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/(\w+)/notebooks/([^)\s]+)")
LESSONS = colab_links.lessons()


def test_there_are_lessons_numbered_in_order():
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers and numbers == list(range(1, len(numbers) + 1))


def test_colab_links_point_at_every_lesson_in_order():
    links = LINK_RE.findall((ROOT / "colab_links.md").read_text(encoding="utf-8"))
    expected = [p.name for p in LESSONS] + [f"zh/{p.name}" for p in colab_links.lessons("zh")]
    assert [name for _, _, name in links] == expected
    assert {(repo, branch) for repo, branch, _ in links} == {(colab_links.REPOSITORY, colab_links.BRANCH)}


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name[:2])
def test_each_lesson_opens_with_its_own_badge_and_the_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].source.startswith(colab_links.badge(path))
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert colab_links.install_spec() in first_code.source
    assert 'if "google.colab" in sys.modules:' in first_code.source
    assert "setup()" in first_code.source


@pytest.mark.parametrize("path", colab_links.lessons("zh"), ids=lambda p: "zh" + p.name[:2])
def test_each_chinese_lesson_opens_with_its_own_badge_and_asks_for_chinese(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].source.startswith(colab_links.badge(path))
    assert "/notebooks/zh/" in colab_links.badge(path)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert colab_links.install_spec() in first_code.source and 'setup(lang="zh")' in first_code.source
    assert "fonts-noto-cjk" in first_code.source
