import io

import ipywidgets as W
import matplotlib.pyplot as plt
import PIL.Image
import pytest
import torch

from vae_lessons.plotting import image_png
from vae_lessons.widgets import LatentExplorer, LiveFigure


@pytest.fixture
def explorer(pretrained, mnist_test):
    return LatentExplorer(pretrained, images=mnist_test[0][:50])


def test_explorer_has_one_slider_per_latent_dimension(explorer):
    assert len(explorer.sliders) == 20
    assert [s.description for s in explorer.sliders] == [f"z[{i}]" for i in range(20)]
    assert all((s.min, s.max, s.value) == (-3, 3, 0) for s in explorer.sliders)
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_moving_a_slider_redraws_in_place(explorer):
    figures_before = plt.get_fignums()
    before = explorer.image.value
    explorer.sliders[3].value = 2.5
    assert explorer.image.value != before
    assert plt.get_fignums() == figures_before  # no new matplotlib figure per move


def test_encode_button_sets_the_sliders_to_the_digits_mu(explorer, pretrained, mnist_test):
    explorer.digit_index.value = 7
    explorer.encode_button.click()
    mu, _ = pretrained.encode(mnist_test[0][7:8])
    assert torch.allclose(explorer.z, mu[0].clamp(-3, 3), atol=1e-6)


def test_random_and_reset_buttons(explorer):
    explorer.random_button.click()
    assert explorer.z.abs().sum() > 0
    explorer.reset_button.click()
    assert torch.equal(explorer.z, torch.zeros(20))


def test_values_outside_the_slider_range_are_clipped_and_bad_sizes_refused(explorer):
    explorer.set_z(torch.full((20,), 10.0))
    assert torch.equal(explorer.z, torch.full((20,), 3.0))
    with pytest.raises(ValueError, match="20 sliders"):
        explorer.set_z(torch.zeros(5))
    with pytest.raises(IndexError, match="0..49"):
        explorer.encode_digit(50)


def test_a_bulk_update_renders_once(explorer, monkeypatch):
    calls = []
    original = explorer.render
    monkeypatch.setattr(explorer, "render", lambda: (calls.append(1), original()))
    explorer.set_z(torch.randn(20))
    assert len(calls) == 1


def test_live_figure_redraws_when_its_control_moves():
    seen = []

    def draw(fig, mu):
        seen.append(mu)
        fig.add_subplot().plot([0, 1], [0, mu])
        return f"mu = {mu}"

    figures_before = plt.get_fignums()
    live = LiveFigure(draw, {"mu": W.FloatSlider(value=0.0, min=-3, max=3)})
    first = live.image.value
    live.controls["mu"].value = 2.0
    assert seen == [0.0, 2.0] and live.image.value != first and "mu = 2.0" in live.output.value
    assert plt.get_fignums() == figures_before


def test_image_png_is_a_scaled_png_of_the_digit():
    x = torch.zeros(784)
    x[:28] = 1.0  # the top row white
    img = PIL.Image.open(io.BytesIO(image_png(x, scale=5)))
    assert img.size == (140, 140) and img.getpixel((0, 0)) == 255 and img.getpixel((0, 5)) == 0


def test_snapshot_is_a_static_picture_of_several_settings_and_keeps_the_widget():
    def draw(fig, a):
        fig.add_subplot().plot([0, 1], [0, a])

    live = LiveFigure(draw, {"a": W.FloatSlider(value=1.0)})
    before = live.image.value
    one = PIL.Image.open(io.BytesIO(live.snapshot([{"a": 2.0}]).data))
    three = PIL.Image.open(io.BytesIO(live.snapshot([{"a": 0.0}, {"a": 2.0}, {"a": 3.0}]).data))
    assert three.height == 3 * one.height and three.width == one.width
    assert live.controls["a"].value == 1.0 and live.image.value == before
