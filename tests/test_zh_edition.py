"""The Chinese edition cannot drift from the English one (scripts/zh_edition.py)."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("zh_edition", ROOT / "scripts" / "zh_edition.py")
zh_edition = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zh_edition)


@pytest.fixture
def mini(tmp_path, monkeypatch):
    """A one-lesson English notebook, its translation and its generated Chinese twin."""
    en_dir, zh_dir, tr_dir = tmp_path / "notebooks", tmp_path / "notebooks" / "zh", tmp_path / "tr"
    en_dir.mkdir()
    tr_dir.mkdir()
    (tmp_path / "package").mkdir()  # a package with no strings of its own
    for name, value in (("EN_DIR", en_dir), ("ZH_DIR", zh_dir), ("TR_DIR", tr_dir), ("PACKAGE", tmp_path / "package")):
        monkeypatch.setattr(zh_edition, name, value)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Lesson 09 · A test"),
        nbformat.v4.new_code_cell("from vae_lessons.lesson import setup\nDEVICE, FAST = setup()"),
        nbformat.v4.new_markdown_cell("The capsule holds 20 numbers."),
        nbformat.v4.new_code_cell('from vae_lessons.i18n import tr\nprint(tr("{n} numbers", n=1 + 1))')])
    path = en_dir / "09_test.ipynb"
    nbformat.write(nb, path)
    zh_edition.sync(path)
    text = (tr_dir / "09_test.md").read_text()
    text = text.replace(" · TODO", "").replace("# Lesson 09 · A test", "# 第 09 课 · 测试")
    (tr_dir / "09_test.md").write_text(text.replace("The capsule holds 20 numbers.", "记忆胶囊里有 20 个数。"))
    (tr_dir / "09_test.json").write_text('{"{n} numbers": "{n} 个数"}', encoding="utf-8")
    zh_edition.build(path)
    return path


def test_a_built_edition_has_no_drift_and_asks_for_chinese(mini):
    assert zh_edition.problems() == []
    zh = nbformat.read(zh_edition.ZH_DIR / mini.name, as_version=4)
    assert 'setup(lang="zh")' in zh.cells[1].source
    assert zh.cells[2].source == "记忆胶囊里有 20 个数。"


def test_a_new_english_code_cell_fails_naming_the_lesson(mini):
    nb = nbformat.read(mini, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print('new')"))
    nbformat.write(nb, mini)
    found = zh_edition.problems()
    assert len(found) == 1 and "lesson 09_test" in found[0] and "code cells differ" in found[0]


def test_a_new_or_changed_english_text_cell_fails_naming_the_cell(mini):
    nb = nbformat.read(mini, as_version=4)
    nb.cells[2].source = "The capsule holds 20 numbers, not 784."
    new = nbformat.v4.new_markdown_cell("A new paragraph.")
    nb.cells.append(new)
    nbformat.write(nb, mini)
    found = zh_edition.problems()
    assert any(f"id {nb.cells[2].id}" in p and "changed since it was translated" in p for p in found)
    assert any(f"id {new.id}" in p and "no Chinese translation" in p for p in found)


def test_a_new_english_string_without_its_chinese_twin_fails_naming_lesson_and_string(mini):
    nb = nbformat.read(mini, as_version=4)
    nb.cells[3].source += '\nprint(tr("a new sentence"))'
    nbformat.write(nb, mini)
    zh_edition.build(mini)
    found = zh_edition.problems()
    assert found == ["lesson 09_test: no Chinese for 'a new sentence' "
                     "(add it to vae_lessons/translations/zh/09_test.json)"]


def test_fstrings_chinese_in_code_and_stale_entries_are_named(mini):
    nb = nbformat.read(mini, as_version=4)
    nb.cells[3].source = 'n = 2\nprint(tr(f"{n} numbers"))\nprint("二")'
    nbformat.write(nb, mini)
    zh_edition.build(mini)
    found = "\n".join(zh_edition.problems())
    assert "lesson 09_test: an f-string cannot be translated" in found
    assert "lesson 09_test, code cell #2: Chinese in an English code cell" in found
    assert "translates '{n} numbers', which no code shows any more" in found


def test_the_chinese_must_keep_the_fields_of_the_english(mini):
    (zh_edition.TR_DIR / "09_test.json").write_text('{"{n} numbers": "几个数"}', encoding="utf-8")
    assert any("has fields [], the English ['n']" in p for p in zh_edition.problems())


def test_a_todo_translation_is_not_done(mini):
    zh_edition.sync(mini)
    text = (zh_edition.TR_DIR / "09_test.md").read_text()
    (zh_edition.TR_DIR / "09_test.md").write_text(text.replace(" -->\n记忆", " · TODO -->\n记忆", 1))
    assert any("still marked TODO" in p for p in zh_edition.problems())


# ---------------------------------------------------------------- the real edition

def test_the_chinese_edition_matches_the_english_one():
    found = zh_edition.problems()
    assert found == [], "\n".join(found)


CODE_OR_MATHS = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|<[^>]+>|https?://\S+|\]\([^)]*\)", re.S)


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda p: p.name[:2])
def test_chinese_notebooks_are_written_in_chinese(path):
    """Chinese characters are at least half of the letters of the markdown (code, maths, URLs aside)."""
    text = CODE_OR_MATHS.sub(" ", "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                                           if c.cell_type == "markdown"))
    chinese = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    assert chinese >= latin, f"{path.name}: {chinese} Chinese characters, {latin} Latin letters"
