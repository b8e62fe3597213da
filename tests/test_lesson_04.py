"""Lesson 04 without running the notebook: the exercise kl_per_dim (right answers pass, the
wrong answers learners write are named as the mistake they are, the inputs can tell the
mistakes apart), the folded solution, the two extra models the lesson compares (β = 0 and
β = 8), the blur measure, and what the figures module's tables and figures show.

The exercise's reference, inputs and mistakes live in vae_lessons/exercises/kl_divergence.py;
tests/test_exercises.py checks that each of its mistakes is named in English and Chinese.
"""

import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure

from vae_lessons.checkpoints import WEIGHTS_DIR
from vae_lessons.exercises import exercises, verdict
from vae_lessons.figures import kl_divergence as figures
from vae_lessons.i18n import set_language
from vae_lessons.losses import kl_divergence
from vae_lessons.models import VAE
from vae_lessons.pretrained import load_pretrained

matplotlib.use("Agg")
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_kl_divergence.ipynb"
EXERCISE = exercises()["kl_per_dim"]



def verdict_line(fn, capsys):
    ok = verdict("kl_per_dim", fn)
    return bool(ok), capsys.readouterr().out.strip().splitlines()[-1]


@pytest.mark.parametrize("right", [
    lambda mu, logvar: 0.5 * (mu**2 + logvar.exp() - 1 - logvar),
    lambda mu, logvar: -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()),
    lambda mu, logvar: 0.5 * mu**2 + 0.5 * (torch.exp(logvar) - 1 - logvar),
    lambda mu, logvar: torch.distributions.kl_divergence(
        torch.distributions.Normal(mu, logvar.mul(0.5).exp()), torch.distributions.Normal(0.0, 1.0)),
])
def test_right_answers_pass(right, capsys):
    ok, line = verdict_line(right, capsys)
    assert ok and line.startswith("Correct!")


@pytest.mark.parametrize("wrong, names", [
    (lambda mu, lv: -0.5 * (mu**2 + lv.exp() - 1 - lv), "sign is flipped"),
    (lambda mu, lv: mu**2 + lv.exp() - 1 - lv, "½ is missing"),
    (lambda mu, lv: 0.5 * (mu**2 + lv**2 - 1 - lv), "not logvar**2"),
    (lambda mu, lv: 0.5 * (mu**2 + lv - 1 - lv), "cancel out"),
    (lambda mu, lv: 0.5 * (mu**2 + lv.exp() - 1 - lv.exp()), "cancel out"),
    (lambda mu, lv: 0.5 * (mu**2 + lv - 1 - lv.exp()), "are swapped"),
    (lambda mu, lv: 0.5 * (mu**2 + lv**2 - 1 - torch.log(lv**2)), "treated logvar as σ"),
    (lambda mu, lv: 0.5 * (mu**2 + torch.exp(0.5 * lv) - 1 - lv), "exp(0.5 * logvar) is σ"),
    (lambda mu, lv: 0.5 * (mu**2 + lv.exp() - 1), "log σ² term is missing"),
    (lambda mu, lv: 0.5 * (mu**2 + lv.exp() - lv), "− 1 is missing"),
    (lambda mu, lv: 0.5 * (mu + lv.exp() - 1 - lv), "μ must be squared"),
    (lambda mu, lv: 0.5 * (mu**2 + lv.exp() - 1 - lv).sum(1), "summed over the latent dimensions"),
    (lambda mu, lv: kl_divergence(mu, lv), "summed everything"),
])
def test_the_wrong_answers_learners_write_are_named(wrong, names, capsys):
    """Each is written as a learner would write it, not as the exercise's own mistake."""
    ok, line = verdict_line(wrong, capsys)
    named = line.removeprefix("Not quite: ")
    assert not ok and named in EXERCISE.mistakes and names in named, line


def test_the_inputs_tell_every_mistake_apart_where_logvar_0_could_not():
    """Why the exercise tests random logvar: with logvar = 0 the KL is only ½μ², and a mistake
    in the σ terms gives the same number. The exercise's inputs separate every mistake."""
    missing_log = next(f for m, f in EXERCISE.mistakes.items() if "log σ² term is missing" in m)
    mu, zero = torch.tensor([1.0]), torch.tensor([0.0])
    assert torch.equal(missing_log(mu, zero), EXERCISE.reference(mu, zero))
    mu, lv = EXERCISE.inputs(0)
    right = EXERCISE.reference(mu, lv)
    assert right.shape == mu.shape
    for message, wrong in EXERCISE.mistakes.items():
        out = wrong(mu, lv)
        assert out.shape != right.shape or not torch.allclose(out, right), message


def test_a_stub_is_not_answered_and_errors_do_not_raise(capsys):
    def stub(mu, logvar):
        ...

    def broken(mu, logvar):
        return mu @ logvar

    ok, line = verdict_line(stub, capsys)
    assert not ok and line.startswith("Not answered yet")
    ok, line = verdict_line(broken, capsys)
    assert not ok and "raised RuntimeError" in line


def test_the_folded_solution_passes(capsys):
    """The solution in the lesson's <details> is right: it runs it, nothing else of the notebook."""
    text = "\n".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"])
    solution = re.search(r"<summary>Solution</summary>\s*```python\n(.*?)```", text, re.S).group(1)
    namespace = {"torch": torch}
    exec(solution, namespace)
    ok, line = verdict_line(namespace["kl_per_dim"], capsys)
    assert ok, line


@pytest.mark.parametrize("beta", [0, 8])
def test_the_beta_models_ship_and_are_what_their_names_say(beta):
    model = load_pretrained(f"mnist-vae-20-beta{beta}")
    assert isinstance(model, VAE) and model.latent_dim == 20 and not model.training
    assert model.meta["beta"] == beta and model.meta["train_images"] == 60000
    assert all(p.dtype == torch.float32 for p in model.parameters())  # float16 on disk, float32 here


def test_the_beta_sweep_is_controlled_beta_is_the_one_difference(pretrained):
    """β = 0 and β = 8 were trained with β = 1's recipe, so the lesson compares like with like."""
    for beta in (0, 8):
        meta = load_pretrained(f"mnist-vae-20-beta{beta}").meta
        for key in figures.RECIPE:
            assert meta.get(key, figures.TRAIN_DEFAULTS.get(key)) == \
                pretrained.meta.get(key, figures.TRAIN_DEFAULTS.get(key)), key


def test_the_bundled_weights_stay_under_7_mb():
    assert sum(p.stat().st_size for p in WEIGHTS_DIR.glob("*.pt")) < 7_000_000


def test_the_blur_measure_is_not_fooled_by_an_empty_picture():
    """Why the lesson measures blur as the grey share of the inked pixels, not summed pixel
    entropy: a nearly black picture of faint grey smudge has less total entropy than a crisp
    digit, yet it is all grey."""
    crisp = torch.zeros(784)
    crisp[:120] = 0.95                      # white strokes on black
    faint = torch.zeros(784)
    faint[:30] = 0.3                        # a little grey smudge

    def entropy(x):
        return (torch.special.entr(x) + torch.special.entr(1 - x)).sum()

    (crisp_ink, crisp_grey), (faint_ink, faint_grey) = figures.ink_and_grey(crisp), figures.ink_and_grey(faint)
    assert entropy(faint) < entropy(crisp)          # summed entropy calls the smudge "crisper"
    assert faint_grey > 0.9 > 0.1 > crisp_grey
    assert faint_ink == pytest.approx(faint.mean().item()) and faint_ink < crisp_ink


def width_part(sigma):
    return 0.5 * (sigma**2 - 1 - math.log(sigma**2))


def test_the_widget_figure_marks_the_memory_on_the_width_curve():
    fig = Figure()
    mu, sigma = 1.0, 0.3
    figures.memory_and_width(fig, mu, sigma, width_part)
    left, right = fig.axes
    q = left.get_lines()[0]
    peak = q.get_xdata()[q.get_ydata().argmax()]
    assert peak == pytest.approx(mu, abs=0.02)                      # q is centred on μ
    assert q.get_ydata().max() == pytest.approx(1 / (sigma * math.sqrt(2 * math.pi)), rel=1e-3)
    assert left.get_ylim()[1] >= q.get_ydata().max()                # the whole of q fits
    curve, point = right.get_lines()
    assert point.get_xdata()[0] == sigma and point.get_ydata()[0] == pytest.approx(width_part(sigma))
    lowest = curve.get_xdata()[curve.get_ydata().argmin()]
    assert lowest == pytest.approx(1.0, rel=0.05)                   # the width part's minimum, at σ = 1


def test_the_kl_bars_count_active_dimensions_above_the_line(capsys):
    kl_dims = torch.tensor([2.0, 0.5, 0.05, 0.2, 0.01])
    active = int((kl_dims > figures.ACTIVE_NATS).sum())
    figures.kl_bars(kl_dims, "a model")
    out = capsys.readouterr().out
    assert f"over {active} active dimensions" in out and f"; {len(kl_dims) - active} inactive" in out
    assert f"KL per image: {kl_dims.sum().item():.1f} nats" in out
    plt.close("all")


def fake(beta, **meta):
    return SimpleNamespace(meta={"beta": beta, "epochs": 80, "batch_size": 128, "lr": 1e-3, "seed": 0,
                                 "train_images": 60000, **meta})


def test_the_recipes_say_what_besides_beta_differs(capsys):
    figures.compare_recipes({0.0: fake(0), 1.0: fake(1), 8.0: fake(8)})
    assert "the three recipes are the same" in capsys.readouterr().out
    figures.compare_recipes({0.0: fake(0), 1.0: fake(1, epochs=150, lr_schedule="cosine"), 8.0: fake(8)})
    out = capsys.readouterr().out
    assert "also differ in epochs, lr_schedule." in out
    assert "lr_schedule constant" in out and "lr_schedule cosine" in out   # train()'s default, by name


def test_the_recipes_read_in_chinese(capsys):
    set_language("zh")
    figures.compare_recipes({0.0: fake(0), 1.0: fake(1, epochs=150, lr_schedule="cosine"), 8.0: fake(8)})
    out = capsys.readouterr().out
    assert "epochs、lr_schedule" in out and "lr_schedule constant" in out and "Careful" not in out


def test_the_judge_reads_reconstructions_and_random_decodes():
    """A model whose decoder paints the same picture for every code, and a classifier that
    reads 3 with certainty: the judge's numbers follow from those two."""
    picture = torch.zeros(784)
    picture[:100] = 1.0
    picture[100:150] = 0.5
    model = SimpleNamespace(decode=lambda z: picture.expand(len(z), 784))
    classifier = lambda x: torch.nn.functional.one_hot(torch.full((len(x),), 3), 10).float() * 50
    test_y = torch.tensor([3, 1] * 600)
    seen = figures.judge(model, torch.zeros(1200, 20), torch.zeros(500, 20), classifier, test_y)
    ink, grey = figures.ink_and_grey(picture)
    assert seen["ink"] == pytest.approx(ink) and seen["grey"] == pytest.approx(grey)
    assert seen["right"] == pytest.approx((test_y[:1000] == 3).float().mean().item())
    assert seen["conf"] == pytest.approx(1.0) and seen["sure"] == 1.0
    assert seen["recons"].shape == seen["samples"].shape == (8, 784)


def test_the_loss_table_lists_each_beta_and_where_its_memories_sit(capsys):
    stats = {0.0: {"bce": 65.0, "kl": 510.0, "active": 20, "varies": 20, "median_sigma": 1e-8, "mean_length": 15.0,
                   "no_farther_than_random": 0.0},
             8.0: {"bce": 132.0, "kl": 5.0, "active": 6, "varies": 7, "median_sigma": 0.44, "mean_length": 2.0,
                   "no_farther_than_random": 1.0}}
    z_length = torch.tensor([3.0, 5.0, 6.5])
    figures.loss_table(stats, z_length)
    out = capsys.readouterr().out
    assert f"{stats[0.0]['bce'] + stats[0.0]['kl']:8.1f}" in out and "   6 of 20" in out
    assert f"the longest of the 500 is {z_length.max():.1f}" in out
    assert "β = 0: 0.0%, β = 8: 100.0%" in out
    set_language("zh")
    figures.loss_table(stats, z_length)
    assert "β = 0：0.0%，β = 8：100.0%" in capsys.readouterr().out


def test_the_bound_report_returns_the_standard_error_it_prints(capsys):
    """The lesson's claim compares the recorded test loss with this ±: it must be the printed one."""
    bce, kl = torch.tensor([70.0, 80.0, 90.0, 100.0]), torch.tensor([20.0, 25.0, 30.0, 25.0])
    spread = figures.bound_report(bce, kl, recorded=110.0)
    loss = bce + kl
    assert spread == pytest.approx((loss.std() / 2).item())
    assert f"(± {spread:.1f}, the standard error" in capsys.readouterr().out


def test_every_kl_panel_labels_its_own_axis(monkeypatch):
    """β = 0's panel is logarithmic; β = 1 and β = 8 share one linear scale, so their bars compare
    by height; each panel says what its axis is."""
    stats = {b: {"kl_dims": torch.rand(20) * s, "active": 20} for b, s in ((0.0, 30.0), (1.0, 2.0), (8.0, 1.0))}
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    figures.kl_panels(stats)
    axes = shown[0].axes
    assert len(axes) == 3 and all(ax.get_ylabel() == "nats" and ax.get_xlabel() for ax in axes)
    assert axes[0].get_yscale() == "log"
    assert axes[1].get_yscale() == axes[2].get_yscale() == "linear" and axes[1].get_ylim() == axes[2].get_ylim()
    plt.close("all")


def test_float16_weights_give_the_float32_model_s_outputs(mnist_test, pretrained):
    """β = 0 and β = 8 ship as float16 (half the size). Rounding the float32 β = 1 model's
    weights the same way moves its reconstructions by at most 0.002 of a pixel's range and its
    loss (BCE of the decode of μ, plus KL) by under 0.001 nats on the 10,000 test digits; the
    test allows 0.005 and 0.01."""
    x = mnist_test[0]
    rounded = VAE(latent_dim=20)
    rounded.load_state_dict({k: v.half().float() for k, v in pretrained.state_dict().items()})
    rounded.eval()

    def measure(model):
        with torch.no_grad():
            mu, logvar = model.encode(x)
            x_hat = model.decode(mu)
            bce = torch.nn.functional.binary_cross_entropy(x_hat, x, reduction="sum") / len(x)
        return x_hat, kl_divergence(mu, logvar).item() / len(x), bce.item()

    (full, kl32, bce32), (half, kl16, bce16) = measure(pretrained), measure(rounded)
    assert (full - half).abs().max() < 0.005
    assert abs(kl16 - kl32) < 1e-3 * kl32 and abs((bce16 + kl16) - (bce32 + kl32)) < 0.01


def test_the_memory_maps_show_all_20_dimensions_and_count_the_circle(monkeypatch, capsys):
    """Where the memories sit: one column per β; the top row, the distance from the centre in
    all 20 dimensions on one shared axis; the bottom row, the two dimensions where μ varies
    most, zoomed to the circle; the printed shares are the memories inside radius 2 there."""
    far, near = torch.zeros(100, 20), torch.zeros(100, 20)
    far[:, 3], near[:, 5] = 6.0, 0.5
    far[:50, 3] = 1.0                                       # half of β = 0's memories inside
    far[:, 7] = torch.linspace(-0.1, 0.1, 100)              # dimension 7 varies a little, 3 the most
    near[::2, 5], near[:, 0] = -0.5, torch.linspace(-0.2, 0.2, 100)
    stats = {0.0: {"mu": far}, 1.0: {"mu": near}}
    assert figures.most_varied(far) == [3, 7] and figures.most_varied(near) == [5, 0]
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    inside = figures.memory_maps(stats, torch.arange(100) % 10, torch.full((500,), 4.4), points=100)
    assert inside == {0.0: 0.5, 1.0: 1.0}
    assert "β = 0: 50.0%, β = 1: 100.0%" in capsys.readouterr().out
    axes = shown[0].axes
    top, bottom = axes[:2], axes[2:4]
    assert top[0].get_xlim() == top[1].get_xlim() and bottom[0].get_xlim() == (-4, 4)
    assert all(ax.patches and ax.get_xlabel().startswith("z[") for ax in bottom)   # the circle; named axes


def test_snapshot_captions_read_naturally_in_both_languages():
    """μ and σ as the live widget names them; a worded option after a colon, not "= "."""
    import ipywidgets as W
    from vae_lessons.widgets import LiveFigure

    controls = {"mu": W.FloatSlider(value=1.0, description="μ"),
                "moment": W.SelectionSlider(options=[("step 20", "a"), ("epoch 1", "b")], description="photo"),
                "k": W.SelectionSlider(options=[2, 20], value=2, description="k")}
    live = LiveFigure(lambda fig, **_: None, controls)
    assert [live._setting(n, v) for n, v in (("mu", 0.0), ("moment", "a"), ("k", 20))] == \
        ["μ = 0", "photo: step 20", "k = 20"]
