"""One language setting: Chinese labels, messages and figure text, with no missing glyphs."""

import warnings

import matplotlib.pyplot as plt
import pytest
import torch

from vae_lessons import i18n
from vae_lessons.plotting import cjk_font, label, plot_kl_per_dimension, use_lesson_style


@pytest.fixture
def chinese():
    i18n.set_language("zh")
    yield
    i18n._language = None


def test_english_is_the_default_and_the_environment_can_choose(monkeypatch):
    monkeypatch.setattr(i18n, "_language", None)  # no set_language() in force
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    assert i18n.language() == "en" and i18n.tr("latent dimension") == "latent dimension"
    monkeypatch.setenv(i18n.ENV_VAR, "zh_CN")
    assert i18n.language() == "zh" and i18n.tr("latent dimension") == "潜维度"
    with pytest.raises(ValueError, match="language must be one of"):
        i18n.set_language("fr")


def test_fields_are_filled_in_either_language(chinese):
    template = "Correct! (checked on {n} inputs)"
    assert i18n.tr(template, n=5) == "正确！（用 5 组输入检查过）"
    i18n.set_language("en")
    assert i18n.tr(template, n=5) == "Correct! (checked on 5 inputs)"
    assert i18n.tr("a {brace} kept when nothing is filled in") == "a {brace} kept when nothing is filled in"


def test_a_text_without_chinese_stays_english(chinese):
    assert i18n.tr("a sentence no catalog holds, {x}", x=1) == "a sentence no catalog holds, 1"


def test_the_catalog_reads_every_file_beside_the_translations(tmp_path, monkeypatch):
    (tmp_path / "01_a.json").write_text('{"one": "一"}', encoding="utf-8")
    (tmp_path / "package.json").write_text('{"two {n}": "二 {n}"}', encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOG_DIR", tmp_path)
    i18n.catalog.cache_clear()
    try:
        assert i18n.catalog() == {"one": "一", "two {n}": "二 {n}"}
    finally:
        i18n.catalog.cache_clear()


def test_a_chinese_figure_draws_every_glyph(chinese):
    if cjk_font() is None:
        pytest.skip("no CJK font here (.ci/run installs fonts-noto-cjk)")
    use_lesson_style()
    assert label("latent dimension") == "潜维度"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # matplotlib: "Glyph ... missing from font(s)"
        ax = plot_kl_per_dimension(torch.rand(20))
        ax.set_title("每个潜维度的 KL（奈特）")
        ax.set_ylabel("去噪器猜的 x̂₀ − x₀")  # symbols the CJK font lacks come from DejaVu Sans
        ax.figure.canvas.draw()
    assert ax.get_xlabel() == "潜维度"
    plt.close(ax.figure)


def test_without_a_cjk_font_figure_text_stays_english(chinese, monkeypatch, capsys):
    import vae_lessons.plotting as plotting
    monkeypatch.setattr(plotting, "cjk_font", lambda: None)
    plotting.use_lesson_style()
    assert "图中的文字仍用英文" in capsys.readouterr().out  # the missing-font message, in Chinese
    assert plotting.label("latent dimension") == "latent dimension"
    assert i18n.tr("latent dimension") == "潜维度"  # printed text is still Chinese
