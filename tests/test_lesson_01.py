"""Lesson 01 (the bottleneck): its exercise pca_repaint beyond the generic checks of
test_exercises.py (a right answer written another way, the transpose forgotten, the made-up
inputs shaped like a PCA fit, the mistakes still named on real digits), and the figures and
tables of vae_lessons/figures/bottleneck.py. The notebook itself is not executed here."""

from __future__ import annotations

import matplotlib
import numpy
import pytest
import torch

from vae_lessons.exercises import bottleneck as exercise
from vae_lessons.exercises import exercises, verdict
from vae_lessons.figures import bottleneck as figures
from vae_lessons.i18n import set_language
from vae_lessons.lesson import check_function
from vae_lessons.models import PCA

matplotlib.use("Agg")
PCA_REPAINT = exercises()["pca_repaint"]



def right(x, mean, components):  # a right answer, written differently from the package
    code = torch.matmul(x - mean.unsqueeze(0), components)
    return torch.clamp(mean + code @ components.t(), min=0.0, max=1.0)


def test_a_right_answer_written_another_way_is_accepted(capsys):
    assert verdict("pca_repaint", right)
    assert capsys.readouterr().out.startswith("Correct!")


def test_components_where_the_transpose_belongs_is_rejected(capsys):
    def untransposed(x, mean, components):
        return (((x - mean) @ components) @ components + mean).clamp(0, 1)
    assert not verdict("pca_repaint", untransposed)
    assert "cannot be multiplied" in capsys.readouterr().out


@pytest.mark.parametrize("trial", range(len(exercise.SIZES)))
def test_the_made_up_inputs_are_shaped_like_the_lessons(trial):
    x, mean, components = exercise.repaint_inputs(trial)
    k = exercise.SIZES[trial]
    assert x.shape == (16, 784) and mean.shape == (784,) and components.shape == (784, k)
    assert 0 <= x.min() and x.max() <= 1 and 0 <= mean.min() and mean.max() <= 1
    assert torch.allclose(components.T @ components, torch.eye(k), atol=1e-4)
    assert torch.equal(exercise.repaint_inputs(trial)[2], components)  # the same every time


@pytest.fixture(scope="module")
def digit_inputs(mnist_test):
    """The lesson's own kind of inputs: real test digits and a PCA fitted to digits."""
    images, _ = mnist_test
    pca = PCA(images[:2000], max(exercise.SIZES))

    def make(trial):
        g = torch.Generator().manual_seed(trial)
        idx = torch.randint(len(images), (16,), generator=g)
        return images[idx], pca.mean, pca.components[:, :exercise.SIZES[trial]]
    return make


def test_the_packages_fast_pca_is_within_2_percent_of_exact_pca(mnist_test):
    """Lesson 01 says so: torch.pca_lowrank's error stays within 2% of exact PCA's (the top
    eigenvectors of the covariance), at every capsule size of the lesson."""
    images, _ = mnist_test
    pca = PCA(images, max(exercise.SIZES))
    centred = (images - pca.mean).double()
    exact = torch.linalg.eigh(centred.T @ centred).eigenvectors.flip(1)  # largest first
    for k in exercise.SIZES:
        fast, best = (((centred @ d) @ d.T - centred).square().mean().item()
                      for d in (pca.components[:, :k].double(), exact[:, :k]))
        assert best <= fast < 1.02 * best, (k, fast / best)


def test_the_reference_is_the_lessons_pca_on_real_digits(digit_inputs):
    x, mean, components = digit_inputs(4)
    pca = PCA.__new__(PCA)
    pca.mean, pca.components = mean, components
    assert torch.allclose(exercise.pca_repaint(x, mean, components), pca.decode(pca.encode(x)))


@pytest.mark.parametrize("message", list(PCA_REPAINT.mistakes))
def test_each_mistake_is_still_named_on_real_digits(digit_inputs, message, capsys):
    ok = check_function(PCA_REPAINT.mistakes[message], PCA_REPAINT.reference, digit_inputs,
                        mistakes=PCA_REPAINT.mistakes)
    assert not ok
    assert capsys.readouterr().out.strip() == f"Not quite: {message}"


# ---------------------------------------------------------------- figures and tables

SIZES = [2, 5, 10, 20, 50]


class FakeJudge:
    """A classifier that reads every image as the digits of `guesses`, in order."""

    def __init__(self, guesses):
        self.guesses = torch.tensor(guesses)

    def predict(self, images):
        return self.guesses[:len(images)]


@pytest.fixture
def repaintings():
    g = torch.Generator().manual_seed(0)
    return {name: {k: torch.rand(8, 784, generator=g) for k in SIZES} for name in figures.METHODS}


def test_misread_names_each_misread_digit_and_counts_the_rest(repaintings, capsys):
    labels = [7, 2, 1, 0, 4, 1, 4, 9]
    judge = FakeJudge([7, 3, 1, 0, 9, 1, 4, 9])  # the 2 read as 3, the first 4 as 9
    read_ok = figures.misread(judge, labels, repaintings)
    assert read_ok == {(name, k): 6 for name in figures.METHODS for k in SIZES}
    out = capsys.readouterr().out
    assert "  PCA, 2 numbers: the 2 in column 2 as 3; the 4 in column 5 as 9" in out
    assert out.count("numbers:") == 2 * len(SIZES)


def test_misread_says_none_when_every_digit_is_read_and_speaks_chinese(repaintings, capsys):
    labels = [7, 2, 1, 0, 4, 1, 4, 9]
    figures.misread(FakeJudge(labels), labels, repaintings)
    assert capsys.readouterr().out.rstrip().endswith("none")
    set_language("zh")
    figures.misread(FakeJudge([7, 3, 1, 0, 9, 1, 4, 9]), labels, repaintings)
    assert "  自编码器，50 个数：第 2 列的 2 识别成了 3；第 5 列的 4 识别成了 9" in capsys.readouterr().out


def test_the_widget_grid_labels_its_rows_and_says_the_ratio_and_errors(repaintings):
    from matplotlib.figure import Figure

    fig = Figure()
    read_ok = {(name, k): 3 + (name == "PCA") for name in figures.METHODS for k in SIZES}
    errors = {"PCA": {k: 0.05 / k for k in SIZES}, "autoencoder": {k: 0.03 / k for k in SIZES}}
    line = figures.repaint_grid(fig, 10, torch.rand(8, 784), [7, 2, 1, 0, 4, 1, 4, 9],
                                repaintings, read_ok, errors)
    assert line == f"{784 / 10:.0f}x smaller; MSE per pixel: PCA {0.005:.4f}, autoencoder {0.003:.4f}"
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["original", "PCA\n4/8 read", "autoencoder\n3/8 read"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["7", "2", "1", "0", "4", "1", "4", "9"]
    assert ax.images[0].get_array().shape == (3 * 30 + 2, 8 * 30 + 2)  # 3 rows of 8 digits


def test_the_widget_figure_draws_each_digit_at_twice_its_size_or_more(repaintings):
    """The lesson's widget is Figure(figsize=(8, 3.3), dpi=80), its snapshot titled above."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.3), dpi=80)
    read_ok = {(name, k): 8 for name in figures.METHODS for k in SIZES}
    errors = {name: {k: 0.01 for k in SIZES} for name in figures.METHODS}
    title = figures.repaint_grid(fig, 2, torch.rand(8, 784), [7, 2, 1, 0, 4, 1, 4, 9], repaintings, read_ok, errors)
    fig.suptitle(f"capsule size k = 2  ({title})", fontsize=11)
    fig.tight_layout()
    ax = fig.axes[0]
    box, (x0, x1), (y0, y1) = ax.get_window_extent(), ax.get_xlim(), ax.get_ylim()
    assert min(box.width / abs(x1 - x0), box.height / abs(y1 - y0)) >= 2  # screen pixels per image pixel


def test_the_lead_bars_are_orange_where_the_autoencoder_wins_and_blue_where_it_loses():
    pca_error = {k: 0.1 / k for k in SIZES}
    ae_error = {k: pca_error[k] * (0.8 if k < 50 else 1.2) for k in SIZES}
    lead = {k: 1 - ae_error[k] / pca_error[k] for k in SIZES}
    fig = figures.error_and_lead(pca_error, ae_error, lead, epochs=3, black=0.114)
    left, right = fig.axes
    bars = right.patches
    assert [round(b.get_height()) for b in bars] == [20, 20, 20, 20, -20]
    assert [t.get_text() for t in right.texts] == ["20%"] * 4 + ["-20%"]  # each bar says its value
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["autoencoder better", "PCA better"]
    assert [t.get_text() for t in left.texts] == ["all black"] and left.lines[-1].get_ydata()[0] == 0.114
    orange, blue = matplotlib.colors.to_rgba("tab:orange"), matplotlib.colors.to_rgba("tab:blue")
    assert [b.get_facecolor() for b in bars] == [orange] * 4 + [blue]
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["PCA (linear)", "autoencoder (3 epochs)"]
    assert list(left.lines[0].get_xdata()) == SIZES
    matplotlib.pyplot.close(fig)


def test_the_direction_tiles_draw_zero_as_grey():
    mean = torch.full((784,), 0.25)
    components = torch.zeros(784, 3)
    components[0, 0], components[1, 1], components[2, 2] = 1.0, -1.0, 0.5
    fig = figures.pca_directions(mean, components)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["mean", "dir 1", "dir 2", "dir 3"]
    picture = torch.as_tensor(numpy.asarray(ax.images[0].get_array()))
    tile = lambda i: picture[2:30, 2 + 30 * i:30 + 30 * i].reshape(-1)  # noqa: E731 (make_grid padding 2)
    assert torch.allclose(tile(0), torch.full((784,), 0.25))
    assert tile(1)[0] == 1.0 and tile(2)[1] == 0.0 and tile(3)[2] == 1.0  # each scaled to its largest entry
    assert torch.allclose(tile(1)[1:], torch.full((783,), 0.5))
    matplotlib.pyplot.close(fig)


def test_the_tables_have_one_row_per_size(capsys):
    pca_read = {k: 0.3 + k / 100 for k in SIZES}
    ae_read = {k: 0.5 + k / 100 for k in SIZES}
    figures.read_table(500, 0.99, pca_read, ae_read)
    pca_sharp = {k: (0.9 - k / 1000, 0.05 - k / 10000) for k in SIZES}
    ae_sharp = {k: (0.8 - k / 1000, 0.03 - k / 10000) for k in SIZES}
    figures.sharpness_table(500, (0.516, 0.0), pca_sharp, ae_sharp)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "read right by the classifier, of 500 test digits (the originals: 99%)"
    assert out[1] == " k     PCA   autoencoder"
    assert out[2].split() == ["2", "32%", "52%"] and out[6].split() == ["50", "80%", "100%"]
    assert out[7].startswith("sharpness of 500 test digits: grey share")
    assert out[8] == "originals: grey share 0.52, background 0.000"
    assert out[9].split() == ["k", "grey", "share:", "PCA", "autoencoder", "background:", "PCA", "autoencoder"]
    assert out[10].split() == ["2", "0.90", "0.80", "0.050", "0.030"]
    assert out[14].split() == ["50", "0.85", "0.75", "0.045", "0.025"]


@pytest.mark.parametrize("draw", ["test_digits", "pca_directions"])
def test_the_two_strips_draw_digits_at_three_times_their_size_with_12_pt_labels(draw):
    """Cells 3 and 7: strips a class reads on a projector (at the lessons' DPI)."""
    if draw == "test_digits":
        fig = figures.test_digits(torch.rand(8, 784), [7, 2, 1, 0, 4, 1, 4, 9])
    else:
        fig = figures.pca_directions(torch.rand(784), torch.linalg.qr(torch.randn(784, 7))[0])
    ax = fig.axes[0]
    box, (x0, x1), (y0, y1) = ax.get_window_extent(), ax.get_xlim(), ax.get_ylim()
    assert min(box.width / abs(x1 - x0), box.height / abs(y1 - y0)) >= 2.9
    assert all(t.get_fontsize() >= 12 for t in ax.get_xticklabels() + ax.get_yticklabels())
    assert ax.title.get_fontsize() >= 12 and len(ax.get_xticklabels()) == 8
    matplotlib.pyplot.close(fig)


def test_the_returns_table_gives_each_step_per_extra_number(capsys):
    err = {2: 0.06, 5: 0.045, 10: 0.035, 20: 0.025, 50: 0.01}
    per_number = {"PCA": [(err[a] - err[b]) / (b - a) for a, b in zip(SIZES, SIZES[1:])]}
    figures.returns_table(SIZES, per_number, {"PCA": (err[2] - err[10], err[10] - err[50])})
    first, second = capsys.readouterr().out.splitlines()
    assert first == "PCA: error cut per extra number, 2 -> 5: 0.00500; 5 -> 10: 0.00200; 10 -> 20: 0.00100; 20 -> 50: 0.00050"
    assert second.split() == ["in", "total,", "2", "->", "10", "numbers:", "0.0250,", "10", "->", "50", "numbers:", "0.0250"]
