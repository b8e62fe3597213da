"""Lesson 05: the check of the learner's training step, and the lesson's figures and tables.

The steps below are written the ways a learner writes them (right, or with one slip each);
the exercise `my_step` (vae_lessons/exercises/training.py) must accept the right ones, name
each slip, and hand the lesson the step it will train with. The rest tests what the lesson's
cells call in vae_lessons/figures/training.py: the photographs, the bookkeeping of the first
epoch, the tables (their numbers add up, their columns line up in both languages), the
figures and the replay widget.
"""

from __future__ import annotations

import math
import re

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn.functional as F

from vae_lessons.exercises import check_exercise, verdict
from vae_lessons.figures import training as figures
from vae_lessons.i18n import set_language
from vae_lessons.losses import vae_loss_parts
from vae_lessons.training import train_step

matplotlib.use("Agg")



# ---------------------------------------------------------------- learners' steps

def right(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def right_by_hand(model, optimizer, x, beta=1.0):
    """Also right: the loss written out, floats returned, zero_grad(set_to_none=False)."""
    optimizer.zero_grad(set_to_none=False)
    recon, mu, logvar = model(x)
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    loss = bce + beta * kl
    loss.backward()
    optimizer.step()
    return bce.item(), kl.item()


def right_with_a_logging_pass(model, optimizer, x, beta=1.0):
    """Also right: one more forward pass before the step (to log the loss, say). It draws its
    own ε, so a check that compared random-number sequences would reject it."""
    with torch.no_grad():
        model(x)
    return right(model, optimizer, x, beta)


def right_then_logs(model, optimizer, x, beta=1.0):
    """Also right: a forward pass after the step, and a random number drawn for nothing."""
    out = right(model, optimizer, x, beta)
    with torch.no_grad():
        model(x), torch.randn(3)
    return out


def no_zero_grad(model, optimizer, x, beta=1.0):
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def no_step(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce + beta * kl).backward()
    return bce.detach(), kl.detach()


def zero_grad_too_late(model, optimizer, x, beta=1.0):
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce + beta * kl).backward()
    optimizer.zero_grad()
    optimizer.step()
    return bce.detach(), kl.detach()


def mean_per_image(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    bce, kl = bce / len(x), kl / len(x)
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def bce_default_mean(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce = F.binary_cross_entropy(recon, x)  # reduction="mean": over every pixel of every image
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def kl_subtracted(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce - beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def kl_missing_minus(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kl = 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def beta_ignored(model, optimizer, x, beta=1.0):
    return right(model, optimizer, x, 1.0)


def steps_twice(model, optimizer, x, beta=1.0):
    """A slip the check has no name for: the right numbers, but two moves per step."""
    out = right(model, optimizer, x, beta)
    optimizer.step()
    return out


def not_written(model, optimizer, x, beta=1.0):
    ...  # your code here


@pytest.mark.parametrize("step", [right, right_by_hand, right_with_a_logging_pass, right_then_logs, train_step])
def test_the_check_accepts_a_right_step_and_the_lesson_trains_with_it(step, capsys):
    assert verdict("my_step", step)
    assert check_exercise("my_step", step) is step
    assert "uses your my_step" in capsys.readouterr().out


@pytest.mark.parametrize("step, named", [
    (no_zero_grad, "zero_grad() at the start"),
    (no_step, "weights did not move"),
    (zero_grad_too_late, "weights did not move"),
    (mean_per_image, "averages per image"),
    (bce_default_mean, "reduction='mean'"),
    (kl_subtracted, "KL term has the wrong sign"),
    (kl_missing_minus, "KL comes out negative"),
    (beta_ignored, "beta is ignored"),
    (steps_twice, "three steps do not end where train_step's end"),
    (not_written, "Not answered yet"),
])
def test_the_check_names_each_slip_and_the_lesson_falls_back(step, named, capsys):
    assert not verdict("my_step", step)
    assert named in capsys.readouterr().out
    assert check_exercise("my_step", step) is train_step


def test_the_check_names_a_slip_even_with_a_logging_pass(capsys):
    """The extra forward pass must not hide a real slip either: no zero_grad() is still named."""
    def logging_no_zero_grad(model, optimizer, x, beta=1.0):
        with torch.no_grad():
            model(x)
        return no_zero_grad(model, optimizer, x, beta)

    assert not verdict("my_step", logging_no_zero_grad)
    assert "zero_grad() at the start" in capsys.readouterr().out


def test_the_check_does_not_move_the_lessons_random_numbers():
    """Checking a step (which draws ε) leaves the lesson's random-number sequence where it was."""
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    check_exercise("my_step", right_with_a_logging_pass)
    assert torch.equal(torch.rand(3), expected)


def test_the_check_leaves_the_weights_of_its_trials_alone_between_functions():
    """Every function checked starts from the same small VAE: the trial's model is made anew."""
    from vae_lessons.exercises.training import small_vae

    (a, xa), (b, xb) = small_vae(1), small_vae(1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert torch.equal(xa, xb) and 0 <= xa.min() and xa.max() <= 1


# ---------------------------------------------------------------- photographs and bookkeeping

class Painter(torch.nn.Module):
    """A stand-in model: codes are the images themselves, and it repaints `paint(x)`."""

    def __init__(self, paint):
        super().__init__()
        self.paint = paint

    def encode(self, x):
        return x, torch.zeros_like(x)

    def decode(self, z):
        return self.paint(z)


def test_a_photograph_scores_fog_and_a_perfect_repaint():
    probe = (torch.rand(40, 784) > 0.7).float()
    fog = figures.photograph(Painter(lambda z: torch.full_like(z, 0.5)), probe, step=20)
    assert fog.repaint.shape == (10, 784) and fog.step == 20
    assert fog.error == pytest.approx(784 * math.log(2), rel=1e-5)  # every pixel: -log 0.5
    assert fog.grey == 1.0
    _, error, grey, _ = figures.photograph(Painter(lambda z: z.clamp(1e-6, 1 - 1e-6)), probe, step=0)
    assert error < 1e-2 and grey == 0.0


def test_the_first_epoch_is_summed_per_image_with_a_smaller_last_batch(capsys):
    sizes = [128] * 5 + [96]
    log = [(float(300 * n * (i + 1)), float(2 * n), n) for i, n in enumerate(sizes)]
    bce, kl, epoch = figures.first_epoch(log, seconds=1.5, test_loss=123.4)
    assert torch.allclose(bce, torch.tensor([300.0 * (i + 1) for i in range(6)]))
    assert torch.allclose(kl, torch.full((6,), 2.0))
    images = sum(sizes)
    assert epoch["train_bce"] == pytest.approx(sum(b for b, _, _ in log) / images, rel=1e-6)
    assert epoch["train_loss"] == pytest.approx(epoch["train_bce"] + 2.0, rel=1e-6)
    assert epoch["test_loss"] == 123.4
    assert f"{len(sizes)} steps" in capsys.readouterr().out


def test_join_epochs_puts_the_lessons_first_epoch_before_trains_epochs():
    first = {"train_loss": 170.0, "train_bce": 155.0, "train_kl": 15.0, "test_loss": 130.0}
    rest = {"epoch": [1, 2], "train_loss": [120.0, 115.0], "train_bce": [100.0, 93.0],
            "train_kl": [20.0, 22.0], "test_loss": [117.0, 113.0]}
    joined = figures.join_epochs(first, rest)
    assert joined["epoch"] == [1, 2, 3]
    assert joined["train_kl"] == [15.0, 20.0, 22.0] and joined["test_loss"] == [130.0, 117.0, 113.0]


def history(epochs: int) -> dict[str, list[float]]:
    return {"epoch": list(range(1, epochs + 1)), "train_loss": [200.0 - 10 * e for e in range(epochs)],
            "train_bce": [190.0 - 12 * e for e in range(epochs)], "train_kl": [10.0 + 2 * e for e in range(epochs)],
            "test_loss": [180.0 - 9 * e for e in range(epochs)]}


@pytest.mark.parametrize("epochs", [2, 5])
def test_the_epoch_table_has_a_row_per_epoch(epochs, capsys):
    figures.epoch_table(history(epochs), seconds=8.0, device=torch.device("cpu"))
    out = capsys.readouterr().out
    assert ("1 more epoch:" in out) == (epochs == 2)
    rows = [line.split() for line in out.splitlines() if re.match(r"^\s+\d+\s", line)]
    assert [int(r[0]) for r in rows] == list(range(1, epochs + 1))
    assert [float(r[-1]) for r in rows] == pytest.approx(history(epochs)["test_loss"], abs=0.05)


# ---------------------------------------------------------------- tables in both languages

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_names_of_moments_follow_the_language(lang):
    set_language(lang)
    assert ("step" in figures.shown("step 20")) == (lang == "en")
    assert "20" in figures.shown("step 20") and "3" in figures.shown("epoch 3")
    assert figures.per_moment({"step 0": 1.234, "epoch 1": 0.5}, ".1f").count("|") == 1
    both = figures.moments(["step 20", "step 50"])
    assert figures.shown("step 20") in both and figures.shown("step 50") in both


def test_columns_count_a_chinese_character_as_two():
    assert figures.columns("ab中文") == 6
    assert figures.columns(figures.cols("中文", 7)) == 7
    assert figures.cols("ab", 4, right=True) == "  ab"


RESCORED = torch.tensor([100.02, 99.95, 100.04, 99.98])   # the test loss scored again, new ε each time


def resampled(spread: float, centre: float = 0.0) -> torch.Tensor:
    """Train-minus-test differences over resampled sets, with the given standard deviation."""
    d = torch.randn(200, generator=torch.Generator().manual_seed(2))
    return centre + spread * (d - d.mean()) / d.std()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_gap_table_lines_up_and_its_parts_add_up(lang, capsys):
    set_language(lang)
    g = torch.Generator().manual_seed(5)
    during, on_train, table_test, on_test = (round(100 + 5 * torch.rand(1, generator=g).item(), 2) for _ in range(4))
    figures.gap_table(during, on_train, table_test, on_test, RESCORED, resampled(0.3), history=history(3))
    lines = capsys.readouterr().out.splitlines()
    value_columns = {figures.columns(line[:line.index(f"{v:.2f}")])
                     for line, v in zip(lines, (during, on_train, table_test, on_test))}
    assert len(value_columns) == 1  # the four numbers start in one column
    parts = [float(line.split()[0]) for line in lines if re.match(r"^  [+-]\d", line)]
    assert len(parts) == 3 and sum(parts) == pytest.approx(round(during - table_test, 2), abs=1e-9)
    spreads = [line for line in lines if " ± " in line and line.startswith("  ")]
    assert len(spreads) == 2 and len({figures.columns(line[:line.index("±")]) for line in spreads}) == 1
    assert f"{RESCORED.mean().item():.2f} ± {RESCORED.std().item():.2f}" in spreads[0]
    assert "± 0.30" in spreads[1]


def test_the_gap_table_rounds_unrounded_losses_so_its_parts_add_up(capsys):
    """The lesson hands over the losses as measured; the printed parts must still add up."""
    g = torch.Generator().manual_seed(7)
    losses = [100 + 5 * torch.rand(1, generator=g).item() for _ in range(4)]
    figures.gap_table(*losses, RESCORED, resampled(0.3), history=history(3))
    out = capsys.readouterr().out
    gap = float(re.search(r"= ([+-]\d+\.\d\d), the sum of", out).group(1))
    parts = [float(line.split()[0]) for line in out.splitlines() if re.match(r"^  [+-]\d", line)]
    assert sum(parts) == pytest.approx(gap, abs=1e-9)


@pytest.mark.parametrize("easier, says", [(1.0, "a little easier"), (-1.0, "knows them"),
                                          (0.6, "no measurable overfitting"), (-0.6, "no measurable overfitting")])
def test_the_gap_verdict_weighs_the_images_part_against_chance(easier, says, capsys):
    """0.6 against a chance spread of 0.3 is 2 standard deviations: not enough to call."""
    figures.gap_table(110.0, 100.0 + easier, 99.9, 100.0, RESCORED, resampled(0.3, easier), history=history(2))
    assert says in capsys.readouterr().out


def test_per_image_losses_average_to_the_test_loss():
    """The per-image losses the gap is measured with are `evaluate`'s, image by image."""
    from vae_lessons.models import VAE
    from vae_lessons.training import evaluate

    torch.manual_seed(0)
    model, x = VAE(hidden_dim=32, latent_dim=4), torch.rand(300, 784)
    torch.manual_seed(1)
    losses = figures.per_image_loss(model, x, batch_size=100)
    torch.manual_seed(1)
    assert losses.shape == (300,) and losses.device.type == "cpu"
    assert losses.mean().item() == pytest.approx(evaluate(model, x, batch_size=100), rel=1e-5)


def test_the_kl_split_table_shows_five_moments_with_their_totals(capsys):
    parts = torch.rand(50, 4, generator=torch.Generator().manual_seed(3)) * 10
    figures.kl_split_table(parts, top=7, epoch_1=parts[10], final=parts[20], epochs=5, digits=250)
    rows = capsys.readouterr().out.splitlines()[1:]
    assert len(rows) == 5 and "(peak)" in rows[1] and "8" in rows[1]
    for row, p in zip(rows, (parts[0], parts[7], parts[-1], parts[10], parts[20])):
        numbers = [float(v) for v in row.split()[-5:]]
        assert numbers[3] == pytest.approx(float(p[:3].sum()), abs=0.051)
        assert numbers[4] == pytest.approx(float(p[3]), abs=0.006)


# ---------------------------------------------------------------- figures and the widget

@pytest.fixture
def shown_figures(monkeypatch):
    """The figures the lesson's functions show, kept instead of displayed."""
    kept = []
    monkeypatch.setattr(plt, "show", lambda: kept.append(plt.gcf()))
    return kept


def photos(names):
    g = torch.Generator().manual_seed(0)
    return {n: figures.Photo(torch.rand(10, 784, generator=g), 500.0 / (k + 1), 1.0 / (k + 1), STEPS[n])
            for k, n in enumerate(names)}


STEPS = {"step 0": 0, "step 20": 20, "step 50": 50, "epoch 1": 469, "epoch 2": 938}


def test_the_loss_curves_mark_the_photographed_steps(shown_figures):
    bce, kl = torch.linspace(550, 140, 469), torch.rand(469)
    figures.step_curves(bce, kl, (20, 50, 100, 200))
    figures.epoch_curves(history(3))
    steps, epochs = shown_figures
    dotted = [line for line in steps.axes[0].get_lines() if line.get_linestyle() == ":"]
    assert [line.get_xdata()[0] for line in dotted] == [20, 50, 100, 200]
    assert len(steps.axes) == 2 and len(epochs.axes) == 3  # twin axes for the KL
    assert all(axis.get_ylabel() for axis in steps.axes + epochs.axes)  # every y axis says what it shows


def test_the_repaint_grids_have_a_row_per_photograph(shown_figures):
    names = ["step 0", "step 20", "epoch 1", "epoch 2"]
    fixed = torch.rand(10, 784)
    figures.snapshot_grid(fixed, photos(names), [str(d) for d in range(10)])
    figures.untrained(fixed, fixed, [str(d) for d in range(10)])
    figures.yours_and_bundled(fixed, fixed, fixed, [str(d) for d in range(10)], 5, 150)
    labels = [[t.get_text() for t in f.axes[0].get_yticklabels()] for f in shown_figures]
    assert [len(rows) for rows in labels] == [len(names) + 1, 2, 3]
    assert labels[0][2] == "step 20 (250)"  # the repaint error of that moment, in brackets


def test_the_replay_widget_steps_through_every_photograph():
    names = list(STEPS)
    levels = {"fog": 543.0, "mean image": 200.0, "floor": 45.0}
    live, panel = figures.replay(photos(names), torch.rand(10, 784), [str(d) for d in range(10)], levels)
    slider = live.controls["moment"]
    assert [value for _, value in slider.options] == names and slider.value == "epoch 2"
    play = panel.children[0]
    assert (play.min, play.max) == (0, len(names) - 1)
    slider.value = "step 20"
    assert live.image.value[:4] == b"\x89PNG"
    curve = live.figure.axes[0]
    assert "after 20 steps" in curve.get_title()
    assert {round(line.get_ydata()[0]) for line in curve.get_lines() if line.get_linestyle() == "--"} == {200, 45}
    picture = live.snapshot([{"moment": "step 20"}, {"moment": "epoch 2"}])
    assert picture.data[:4] == b"\x89PNG"


def test_reference_levels_are_fog_the_mean_image_and_the_floor(capsys):
    probe = torch.rand(50, 784)
    levels = figures.reference_levels(probe, torch.rand(300, 784))
    assert levels["fog"] == pytest.approx(784 * math.log(2), rel=1e-5)
    entropy = -(probe * probe.log() + (1 - probe) * (1 - probe).log()).sum(1).mean().item()
    assert levels["floor"] == pytest.approx(entropy, rel=1e-3)
    assert levels["floor"] < levels["mean image"]
    assert "floor" in capsys.readouterr().out


def test_the_camera_logs_every_step_and_photographs_the_chosen_moments():
    from vae_lessons.models import VAE

    torch.manual_seed(0)
    model, probe = VAE(hidden_dim=32, latent_dim=20), torch.rand(300, 784)
    camera = figures.Camera(model, probe, photo_steps=(2, 3), early=2, digits=20)
    for step in range(1, 5):
        camera.after_step(model, step, torch.tensor(10.0 * step), torch.tensor(1.0), 8)
    camera.end_epoch(model, epoch=1)
    camera.train_callback(1, model, {})
    assert list(camera.snapshots) == ["step 0", "step 2", "step 3", "epoch 1", "epoch 2"]
    assert camera.snapshots["epoch 2"].step == 8 and camera.steps_per_epoch == 4
    assert len(camera.log) == 4 and camera.log[1] == (20.0, 1.0, 8)
    assert len(camera.early_clouds) == 2 and camera.clouds_epoch_1[0].shape == (20, 20)


def test_the_bootstrap_gap_centres_on_the_difference_of_the_means():
    on_train, on_test = torch.full((500,), 101.0) + torch.rand(500), torch.full((400,), 100.0) + torch.rand(400)
    draws = figures.bootstrap_gap(on_train, on_test, draws=50)
    assert draws.shape == (50,)
    assert draws.mean().item() == pytest.approx((on_train.mean() - on_test.mean()).item(), abs=0.05)
    assert torch.equal(draws, figures.bootstrap_gap(on_train, on_test, draws=50))  # seeded
