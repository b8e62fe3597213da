"""One vocabulary in the Chinese edition: each idea has one name (vae_lessons/translations/zh/
glossary.tsv, the article's own terms where it has them) across the lessons, the catalogs, the
READMEs and the classroom page; a listed variant anywhere fails, naming the file and the word."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZH = ROOT / "vae_lessons" / "translations" / "zh"
CHINESE_TEXTS = sorted(ZH.glob("*.md")) + sorted(ZH.glob("*.json")) + [ROOT / "README.zh-CN.md", ROOT / "web" / "i18n.js"]


def glossary(path: Path = ZH / "glossary.tsv") -> list[tuple[str, str, list[str]]]:
    """(Chinese, English, variants) per row."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            zh, en, _, variants = (line.split("\t") + [""] * 4)[:4]
            rows.append((zh, en, [v.strip() for v in variants.split(",") if v.strip()]))
    return rows


def variants_in(paths: list[Path], rows: list[tuple[str, str, list[str]]]) -> list[str]:
    return [f"{path.name}: {variant!r} (use {zh!r}, {en})" for zh, en, variants in rows
            for variant in variants for path in paths if variant in path.read_text(encoding="utf-8")]


def test_the_glossary_lists_the_articles_terms():
    terms = {zh for zh, _, _ in glossary()}
    assert {"潜向量", "潜空间", "瓶颈层", "记忆胶囊", "编码器", "解码器", "重参数化", "KL散度"} <= terms


def test_no_variant_of_a_glossary_term_is_used():
    found = variants_in(CHINESE_TEXTS, glossary())
    assert not found, "\n".join(found)


def test_the_lint_names_the_file_and_the_variant(tmp_path):
    (tmp_path / "01_x.md").write_text("拖动这个小部件", encoding="utf-8")
    (tmp_path / "02_y.md").write_text("拖动这个控件", encoding="utf-8")
    found = variants_in(sorted(tmp_path.glob("*.md")), [("控件", "widget", ["小部件"])])
    assert found == ["01_x.md: '小部件' (use '控件', widget)"]
