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
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    assert i18n.language() == "en" and i18n.tr("seven", "七") == "seven"
    monkeypatch.setenv(i18n.ENV_VAR, "zh_CN")
    assert i18n.language() == "zh" and i18n.tr("seven", "七") == "七"
    with pytest.raises(ValueError, match="language must be one of"):
        i18n.set_language("fr")


def test_a_chinese_figure_draws_every_glyph(chinese):
    if cjk_font() is None:
        pytest.skip("no CJK font here (.ci/run installs fonts-noto-cjk)")
    use_lesson_style()
    assert label("latent dimension", "潜维度") == "潜维度"
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
    assert "figure text stays in English" in capsys.readouterr().out
    assert plotting.label("latent dimension", "潜维度") == "latent dimension"
    assert i18n.tr("latent dimension", "潜维度") == "潜维度"  # printed text is still Chinese
