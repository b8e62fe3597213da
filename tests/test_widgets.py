import io

import ipywidgets as W
import matplotlib.pyplot as plt
import PIL.Image
import pytest
import torch
import torch.nn.functional as F

from vae_lessons import drawing
from vae_lessons.plotting import image_png
from vae_lessons.pretrained import load_pretrained
from vae_lessons.widgets import DiffusionPlayground, LatentExplorer, LatentPad, LiveFigure


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


# ---------------------------------------------------------------- the latent lab (lesson 06)

@pytest.fixture
def lab(pretrained, mnist_test):
    return LatentExplorer(pretrained, images=mnist_test[0][:500], labels=mnist_test[1][:500])


def test_sliders_are_ordered_by_how_much_the_model_uses_them(lab):
    assert sorted(lab.order) == list(range(20))
    assert [lab.kl[i] for i in lab.order] == sorted(lab.kl, reverse=True)
    assert lab.kl[lab.order[0]] > lab.kl[lab.order[-1]]


def test_a_drawn_seven_is_encoded_and_repainted_as_a_seven(lab, mnist_test):
    judge = load_pretrained("mnist-classifier")
    sevens = mnist_test[0][mnist_test[1] == 7][:5].reshape(-1, 1, 28, 28)
    big = F.interpolate(sevens, scale_factor=4, mode="bilinear")[:, 0]  # drawn 4x larger
    for image in big:
        lab.draw(image)
        repainted = lab.model.decode(lab.z[None])
        assert judge.predict(repainted).item() == 7
    assert not lab.back_button.disabled and lab.original.value != image_png(torch.zeros(784), lab.scale)


def test_show_digit_by_class_and_back_to_my_digit(lab, pretrained, mnist_test):
    k = lab.show_digit(label=3)
    assert mnist_test[1][k] == 3 and "3" in lab.original_caption.value
    mu, _ = pretrained.encode(mnist_test[0][k:k + 1])
    assert torch.allclose(lab.z, mu[0].clamp(-3, 3), atol=1e-6)
    lab.sliders[lab.order[0]].value = -2.9
    lab.reset_button.click()
    assert lab.z.abs().max() == 0
    lab.back_button.click()
    assert torch.allclose(lab.z, mu[0].clamp(-3, 3), atol=1e-6)


def test_the_meter_cues_when_z_leaves_the_prior_shell(lab):
    lab.set_z(torch.full((20,), 1.0))  # ||z|| = 4.47: where prior samples live
    assert "inside" in lab.meter.value
    lab.set_z(torch.zeros(20))         # the origin: no prior sample is this close
    assert "outside" in lab.meter.value
    lab.set_z(torch.full((20,), 2.5))  # ||z|| = 11.2
    assert "outside" in lab.meter.value


@pytest.mark.skipif(drawing.Canvas is None, reason="anywidget is not installed")
def test_strokes_on_the_canvas_set_the_sliders(lab):
    before = lab.image.value
    lab.canvas.strokes = [[[0.2, 0.2], [0.8, 0.2], [0.45, 0.9]]]  # a 7, as the browser sends it
    assert lab.z.abs().sum() > 0 and lab.image.value != before
    lab.canvas.clear()
    assert lab.canvas.strokes == []


def test_mnist_like_centres_and_fits_a_drawing():
    image = torch.zeros(100, 100)
    image[5:30, 60:65] = 1.0  # a short bar in the top-right corner
    x = drawing.mnist_like(image).reshape(28, 28)
    rows, cols = torch.nonzero(x > 0.1, as_tuple=True)
    assert rows.max() - rows.min() + 1 <= 21 and rows.max() - rows.min() + 1 >= 18  # fitted to 20 px
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    assert abs((ys * x).sum() / x.sum() - 13.5) <= 1 and abs((xs * x).sum() / x.sum() - 13.5) <= 1
    assert drawing.mnist_like(torch.zeros(28, 28)).sum() == 0
    with pytest.raises(ValueError, match="at least 28x28"):
        drawing.mnist_like(torch.zeros(10, 10))


def test_the_2d_pad_follows_the_point(mnist_test):
    model = load_pretrained("mnist-vae-2")
    pad = LatentPad(model, mnist_test[0][:300], mnist_test[1][:300])
    before = pad.image.value
    pad.move_to(2.0, -1.0)
    assert pad.image.value != before and "+2.00" in pad.readout.value
    if pad.canvas is not None:
        pad.canvas.point = [0.1, 0.1]  # top left: z = (-2.4, +2.4)
        assert "-2.40, +2.40" in pad.readout.value
    with pytest.raises(ValueError, match="2-D latent space"):
        LatentPad(load_pretrained("mnist-vae-20"), mnist_test[0][:10], mnist_test[1][:10])


# ---------------------------------------------------------------- the diffusion playground (lesson 07)

def test_the_playground_draws_a_prompt_and_reports_bad_ones_in_the_widget():
    play = DiffusionPlayground(load_pretrained("mnist-latent-diffusion"), prompt="three", steps=10)
    first = play.image.value
    play.prompt.value = "七"
    seven = play.image.value
    assert seven != first and play.message.value == ""
    play.guidance.value = 0.0
    assert play.image.value != seven
    play.prompt.value = "a cat"
    assert "unknown word" in play.message.value and play.image.value  # the last picture stays
    assert play.walk.value[:8] == play.channels.value[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- display, on ipywidgets 7 (Colab) and 8

def test_every_widget_displays_as_its_widget_view(pretrained, mnist_test):
    """display(obj) must emit the widget view of obj.widget under ipywidgets 7.7.1 and 8 alike
    (the Colab leg runs this test under 7.7.1, the main leg under 8)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    shown = [LatentExplorer(pretrained, images=mnist_test[0][:20]),
             LatentPad(load_pretrained("mnist-vae-2"), mnist_test[0][:20], mnist_test[1][:20]),
             DiffusionPlayground(load_pretrained("mnist-latent-diffusion"), steps=2),
             LiveFigure(lambda fig, a: fig.add_subplot().plot([0, a]), {"a": W.FloatSlider(value=1.0)})]
    for obj in shown:
        with capture_output() as cap:
            display(obj)
        views = [o.data.get("application/vnd.jupyter.widget-view+json") for o in cap.outputs]
        assert views == [{"version_major": 2, "version_minor": 0, "model_id": obj.widget.model_id}], type(obj)


def test_widget_updates_run_on_one_thread_and_leave_the_learners_setting(explorer, monkeypatch):
    """Tiny models on a busy laptop: the update runs with one torch thread; training keeps the
    learner's own setting, restored after every update."""
    seen = []
    decode = explorer.model.decode
    monkeypatch.setattr(explorer.model, "decode", lambda z: (seen.append(torch.get_num_threads()), decode(z))[1])
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        explorer.sliders[0].value = 1.0
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_snapshot_titles_show_what_the_live_widget_shows():
    """Captions use the controls' descriptions and option labels ("μ = 0.5", "moment: epoch 5"),
    not the Python names, so each edition reads its own language."""
    live = LiveFigure(lambda fig, mu, moment: fig.add_subplot().plot([0, mu]),
                      {"mu": W.FloatSlider(value=0.0, description="μ"),
                       "moment": W.Dropdown(options=[("epoch 1", 1), ("epoch 5", 5)], value=1)})
    assert live._setting("mu", 0.5) == "μ = 0.5" and live._setting("moment", 5) == "moment: epoch 5"
