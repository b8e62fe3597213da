"""Lesson 06: the slerp exercise (vae_lessons/exercises/latent_sampling.py) as a learner meets it,
and the lesson's measurements, tables, widget controls and lab snapshots
(vae_lessons/figures/latent_sampling.py and latent_sampling_lab.py), and the lab's meter.

tests/test_exercises.py checks every exercise generically (reference, named mistakes, empty
answer); here: the lesson's own Solution passes, a slerp without a guard for a = b does not,
mistakes written as a learner writes them are named, and the figures module measures what the
lesson says it measures. The notebook is run by nbval and scripts/run_notebooks.py, not here.
"""

import re
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import pytest
import torch

from vae_lessons.exercises import exercises, verdict
from vae_lessons.exercises.latent_sampling import slerp_case
from vae_lessons.figures import latent_sampling as figures
from vae_lessons.i18n import set_language
from vae_lessons.plotting import slerp
from vae_lessons.widgets import LatentExplorer

matplotlib.use("Agg")
LESSON = Path(__file__).resolve().parent.parent / "notebooks" / "06_latent_sampling.ipynb"


@pytest.fixture
def shown(monkeypatch):
    """The figures that the lesson's functions show (plt.show), instead of showing them."""
    figs = []
    monkeypatch.setattr(plt, "show", lambda: figs.append(plt.gcf()))
    yield figs
    plt.close("all")


def check(fn):
    return verdict("slerp", fn)


def omega_of(a, b):
    return torch.arccos((torch.dot(a, b) / (a.norm() * b.norm())).clamp(-1, 1))


def lesson_solution():
    """The function in the lesson's folded Solution, as a learner would paste it."""
    nb = nbformat.read(LESSON, as_version=4)
    text = next(c.source for c in nb.cells if c.cell_type == "markdown" and "<summary>Solution</summary>" in c.source)
    namespace = {"torch": torch}
    exec(re.search(r"```python\n(.*?)```", text, re.S).group(1), namespace)
    return namespace["my_slerp"]


def unguarded(a, b, t):  # the formula alone, as the lesson's Solution was before the a = b case
    w = omega_of(a, b)
    return (torch.sin((1 - t) * w) * a + torch.sin(t * w) * b) / torch.sin(w)


def guarded(formula, angle=omega_of):
    """A learner's slerp: the line where the learner's angle is (almost) 0, `formula` elsewhere."""
    def my_slerp(a, b, t):
        return (1 - t) * a + t * b if angle(a, b) < 1e-4 else formula(a, b, t)
    return my_slerp


def sines_swapped(a, b, t):
    w = omega_of(a, b)
    return (torch.sin(t * w) * a + torch.sin((1 - t) * w) * b) / torch.sin(w)


def not_divided(a, b, t):
    w = omega_of(a, b)
    return torch.sin((1 - t) * w) * a + torch.sin(t * w) * b


def unit_vectors(a, b, t):
    w = omega_of(a, b)
    return (torch.sin((1 - t) * w) * a / a.norm() + torch.sin(t * w) * b / b.norm()) / torch.sin(w)


def angle_without_norms(a, b, t):
    w = torch.arccos(torch.dot(a, b).clamp(-1, 1))
    return (torch.sin((1 - t) * w) * a + torch.sin(t * w) * b) / torch.sin(w)


def dot_angle(a, b):  # the angle of that mistake, which its guard tests too
    return torch.arccos(torch.dot(a, b).clamp(-1, 1))


# ---------------------------------------------------------------- the exercise


def test_the_norm_histogram_shows_both_sets_of_norms_and_the_shell(shown, capsys):
    figures.norm_histogram(torch.randn(1000, 20).norm(dim=1), torch.randn(1000, 20).norm(dim=1) * 0.9, 20)
    ax = shown[0].axes[0]
    assert ax.get_xlabel() == "distance from the centre" and len(ax.patches) == 2 * 45  # two histograms
    assert "99% between" in capsys.readouterr().out  # the same range as the lab's meter


def test_same_digit_pairs_pair_two_different_codes_of_one_digit():
    digits = torch.arange(10).repeat(5)
    pairs = figures.same_digit_pairs(digits, per_digit=3, seed=0)
    assert len(pairs) == 30 and all(a != b and digits[a] == digits[b] for a, b in pairs)


def test_the_cases_are_five_random_pairs_then_a_parallel_pair():
    ex = exercises()["slerp"]
    assert ex.trials == 6 and ex.reference is slerp
    for k in range(5):
        a, b, t = slerp_case(k)
        assert a.shape == b.shape == (20,) and t.shape == (7, 1)
        assert 0.5 <= a.norm() <= 0.9 and 0.5 <= b.norm() <= 0.9
        assert omega_of(a, b) > 0.1  # a real angle: the arc differs from the line
        assert torch.equal(slerp_case(k)[0], a)  # the same case every time
    a, b, t = slerp_case(5)
    assert torch.equal(a, b) and omega_of(a, b).item() == 0.0  # sin Ω = 0: the formula alone divides 0 by 0
    assert torch.isnan(unguarded(a, b, t)).all()


def test_the_reference_guards_the_parallel_pair_and_walks_the_arc_elsewhere():
    a, b, t = slerp_case(5)
    path = slerp(a, b, t)
    assert torch.isfinite(path).all() and torch.allclose(path, a.expand(7, 20))
    a, b, t = slerp_case(0)
    path = slerp(a, b, t)
    assert torch.allclose(path[0], a, atol=1e-6) and torch.allclose(path[-1], b, atol=1e-6)
    u, v = a / a.norm(), b / b.norm()
    path = slerp(u, v, t)  # between unit vectors: on the unit circle, in equal angles
    assert torch.allclose(path.norm(dim=1), torch.ones(7), atol=1e-5)
    steps = torch.arccos((path[1:] * path[:-1]).sum(1).clamp(-1, 1))
    assert torch.allclose(steps, omega_of(a, b) / 6 * torch.ones(6), atol=1e-3)


def test_the_lessons_solution_passes(capsys):
    assert check(lesson_solution())
    assert "Correct! (checked on 6 inputs)" in capsys.readouterr().out


def test_a_right_answer_in_other_words_passes():
    def via_unit_vectors(a, b, t):  # the angle from the unit vectors, a guard on sin Ω instead of Ω
        u, v = a / a.norm(), b / b.norm()
        w = torch.arccos(torch.clamp(u @ v, -1, 1))
        if torch.sin(w) < 1e-6:
            return a + t * (b - a)
        return (torch.sin((1 - t) * w) * a + torch.sin(t * w) * b) / torch.sin(w)

    assert check(via_unit_vectors)


def test_a_slerp_without_the_guard_fails_on_the_parallel_pair(capsys):
    assert not check(unguarded)
    assert "on input #6, your answer contains NaN" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda a, b, t: (1 - t) * a + t * b, "straight line (1 − t)·a + t·b, the chord"),
    (guarded(angle_without_norms, angle=dot_angle), "unit vectors, a·b / (‖a‖·‖b‖), not a·b"),
    (guarded(sines_swapped), "runs from b to a"),
    (guarded(not_divided), "divide both weights by sin Ω"),
    (guarded(unit_vectors), "joins the unit vectors"),
])
def test_each_known_mistake_as_a_learner_writes_it_is_named(wrong, message, capsys):
    assert not check(wrong)
    assert message in capsys.readouterr().out


@pytest.mark.parametrize("formula", [sines_swapped, not_divided, unit_vectors])
def test_an_unguarded_mistake_is_still_rejected(formula, capsys):
    assert not check(formula)
    assert "Not quite" in capsys.readouterr().out


def test_an_unknown_mistake_is_rejected_and_the_stub_is_not_answered(capsys):
    assert not check(lambda a, b, t: slerp(a, b, t) + 0.01)
    assert "on input #1" in capsys.readouterr().out

    def stub(a, b, t):
        ...  # your code here

    assert not check(stub)
    assert "Not answered yet" in capsys.readouterr().out


# ---------------------------------------------------------------- measurements


def test_ink_and_slant_of_an_upright_and_a_leaning_stroke():
    upright, leaning = torch.zeros(28, 28), torch.zeros(28, 28)
    for row in range(4, 24):
        upright[row, 14] = 1.0
        leaning[row, 14 + (23 - row) // 4] = 1.0  # one pixel right for every four up
    ink, slant = figures.ink_and_slant(torch.stack([upright, leaning]).reshape(2, 784))
    assert ink.tolist() == [20.0, 20.0]
    assert abs(slant[0]) < 1e-6
    assert slant[1] == pytest.approx(0.25, abs=0.03)
    ink, slant = figures.ink_and_slant(torch.stack([upright, leaning]).reshape(1, 2, 784))
    assert ink.shape == slant.shape == (1, 2)  # any leading shape, as for the traversal rows


def test_seen_doing_names_what_each_row_was_measured_doing():
    labels = [[7] * 7, [7, 7, 7, 3, 3, 3, 3], [7] * 7, [7] * 7]
    ink = torch.tensor([[100.0, 40.0], [80.0, 80.0], [80.0, 82.0], [80.0, 84.0]])
    slant = torch.tensor([[0.1, 0.1], [0.0, 0.0], [-0.3, 0.3], [0.0, 0.05]])
    expected = {12: "stroke weight (and shape)", 1: "which digit", 3: "slant", 4: ""}
    assert figures.seen_doing([12, 1, 3, 4], labels, ink, slant) == expected
    set_language("zh")
    in_chinese = {12: "笔画粗细（及形状）", 1: "数字类别", 3: "倾斜", 4: ""}
    assert figures.seen_doing([12, 1, 3, 4], labels, ink, slant) == in_chinese


def test_same_digit_share_of_clumped_and_mixed_codes():
    codes = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    assert figures.same_digit_share(codes, torch.tensor([1, 1, 2, 2])) == 1.0
    assert figures.same_digit_share(codes, torch.tensor([1, 2, 1, 2])) == 0.0


class Linear:
    """A decoder that is a linear map, so every measurement can be worked out by hand."""

    def __init__(self, weight: torch.Tensor):
        self.weight, self.latent_dim = weight, weight.shape[0]

    def decode(self, z):
        return z @ self.weight


def test_traversal_change_is_the_mean_pixel_change_from_minus_3_to_plus_3():
    weight = torch.tensor([[0.1, 0.2, 0.3], [0.0, 0.0, 0.6]])
    change = figures.traversal_change(Linear(weight), torch.randn(4, 2))
    assert torch.allclose(change, 6 * weight.abs().mean(1), atol=1e-6)


def test_draws_table_measures_the_distance_to_the_nearest_code_and_asks_the_judge(capsys):
    ref = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    draws = {"prior": ref + torch.tensor([0.0, 3.0]), "fitted": ref + torch.tensor([0.0, 2.0]), "posterior": ref}
    judge = lambda images: (images.abs().sum(1) / 100, images.argmax(1))  # "confidence" grows with |z|
    result = figures.draws_table(draws, ref, Linear(torch.eye(2)), judge)
    assert [d for d, _ in result.values()] == pytest.approx([3.0, 2.0, 0.0])
    assert result["posterior"][1] == pytest.approx(0.05)  # (0 + 10) / 100 over the two codes
    out = capsys.readouterr().out
    assert "prior N(0, I)" in out and "3.00 (median)" in out


def test_shrink_table_scores_each_scale_and_says_what_decode_0_is_read_as(capsys):
    digits = torch.tensor([7, 2, 8, 1])
    crisp, blur = torch.zeros(4, 784), torch.full((4, 784), 0.5)  # no mid-grey pixel; all of them
    said = {1: digits, 0.25: torch.tensor([7, 2, 3, 3]), 0: torch.full((4,), 8)}
    shrunk = {1: crisp, 0.25: crisp + 0.01, 0: blur}
    sure = {1: 0.98, 0.25: 0.65, 0: 0.87}
    def judge(images):
        s = next(s for s, x in shrunk.items() if x is images)
        return torch.full((4,), sure[s]), said[s]

    scored = figures.shrink_table(shrunk, judge, digits)
    assert scored[1] == pytest.approx(dict(conf=0.98, kept=1.0, grey=0.0))
    assert scored[0.25]["kept"] == 0.5 and scored[0] == pytest.approx(dict(conf=0.87, kept=0.25, grey=1.0))
    assert scored["centre"] == pytest.approx(dict(digit=8, conf=0.87))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("decode(s·μ) of 4 test digits")
    assert out[2:5] == ["  1    |       0.98 |          100% |     0.0%", "  0.25 |       0.65 |           50% |     0.0%",
                        "  0    |       0.87 |           25% |   100.0%"]
    assert len(out[1]) == len(out[2])  # the header stands over its columns
    assert out[5].endswith("the judge reads it as 8, with confidence 0.87)")


def test_shrink_rows_show_one_digit_per_row_and_decode_0_last(shown):
    shrunk = {s: torch.full((6, 784), s) for s in (1, 0.5, 0)}
    figures.shrink_rows(shrunk, torch.tensor([7, 2, 1, 0, 4, 1]))
    ax = shown[0].axes[0]
    assert [x.get_text() for x in ax.get_xticklabels()] == ["s = 1", "s = 0.5", "s = 0"]
    assert [x.get_text() for x in ax.get_yticklabels()] == ["#0 (a 7)", "#1 (a 2)", "#2 (a 1)", "#3 (a 0)", "#4 (a 4)"]
    pixels = ax.images[0].get_array()
    assert pixels[2 + 14, 2 + 14] == 1 and pixels[2 + 14, 2 + 60 + 14] == 0  # row 1: s = 1 first, s = 0 last


def test_pushed_scores_count_mid_grey_pixels_and_kept_labels(capsys):
    crisp = torch.zeros(4, 784)
    grey = torch.zeros(4, 784)
    grey[:, :392] = 0.5  # half the pixels mid-grey
    def judge(images):  # sure of both; keeps every label of the crisp draws, half of the grey ones
        return torch.full((4,), 0.9), torch.tensor([1, 2, 3, 4] if images is crisp else [1, 2, 0, 0])

    scored = figures.pushed_scores({1: crisp, 3: grey}, judge, torch.tensor([1, 2, 3, 4]))
    assert scored[1] == pytest.approx(dict(conf=0.9, same=1.0, grey=0.0))
    assert scored[3] == pytest.approx(dict(conf=0.9, same=0.5, grey=0.5))
    assert "  3·z |       0.90 |        50% |    50.0%" in capsys.readouterr().out


# ---------------------------------------------------------------- figures and the lab's snapshots


def test_the_morph_grid_and_table_say_what_they_show(shown, capsys):
    t = torch.linspace(0, 1, 5).unsqueeze(1)
    pictures = {name: torch.rand(5, 784) for name in ("line", "arc", "pixels")}
    codes = {"line": torch.randn(5, 20), "arc": torch.randn(5, 20)}
    figures.morph_grid(pictures, t, 0, 1, torch.tensor([7, 2]))
    assert shown[0].axes[0].get_title() == "test digit #0 (a 7) to #1 (a 2); columns: t"
    assert [x.get_text() for x in shown[0].axes[0].get_yticklabels()] == ["line", "arc (slerp)", "pixel fade"]
    judge = lambda images: (torch.linspace(0.5, 1, len(images)), torch.zeros(len(images), dtype=torch.long))
    sure_on = figures.morph_table(t, codes, pictures, judge)
    assert set(sure_on) == {"line", "arc"}
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("‖z‖ on line") and out[3].startswith("judge, line")
    assert out[1].split()[3:] == [f"{v:.1f}" for v in codes["line"].norm(dim=1).tolist()]


def test_the_morph_controls_name_two_test_digits_and_a_step():
    controls = figures.morph_controls(3, 4, 10_000)
    assert [controls[k].value for k in "abt"] == [3, 4, 0.5]
    assert controls["a"].max == controls["b"].max == 9_999 and controls["a"].min == 0
    assert (controls["t"].min, controls["t"].max, controls["t"].step) == (0, 1, 0.1)


def test_enlarged_keeps_the_digit_and_makes_it_larger():
    digit = torch.zeros(784)
    digit.reshape(28, 28)[4:24, 13:15] = 1.0
    big = figures.enlarged(digit, 4)
    assert big.shape == (112, 112) and big.device.type == "cpu"
    assert (big.sum() / 16).item() == pytest.approx(digit.sum().item(), rel=0.05)  # as much ink, spread over 16 times the pixels
    shrunk_back = torch.nn.functional.avg_pool2d(big[None, None], 4).flatten()
    assert (shrunk_back - digit).abs().mean() < 0.05  # in the same place


def test_the_lab_film_keeps_what_the_lab_showed_and_its_meter(pretrained, mnist_test, shown, capsys):
    lab = LatentExplorer(pretrained, mnist_test[0][:50], mnist_test[1][:50])
    film = figures.LabFilm(lab)
    lab.draw(torch.nn.functional.interpolate(mnist_test[0][0].reshape(1, 1, 28, 28), scale_factor=4)[0, 0])
    assert film("your 7,\nprepared", original=True) is None
    at_mu = film("decoded\nfrom μ")
    lab.set_z(torch.full((20,), 3.0))
    assert at_mu == pytest.approx(lab.start_z.clamp(-3, 3).norm().item(), abs=1e-4)
    assert film("far out") == pytest.approx(3 * 20 ** 0.5, abs=1e-4)
    film("z[3]\n= -2")
    assert film.frames[-1][0] == "z[3]\n= −2"  # a number's sign shown as a minus sign, not a hyphen
    film.frames.pop()
    with torch.no_grad():
        decoded = pretrained.decode(torch.full((1, 20), 3.0))[0]
    assert (film.pictures[2] - decoded).abs().max() < 1 / 255 + 1e-6  # the lab's picture, read back
    film.show("the title")
    assert shown[0].axes[0].get_title() == "the title"
    labels = [x.get_text() for x in shown[0].axes[0].get_xticklabels()]
    assert labels[0] == "your 7,\nprepared\n" and labels[2] == f"far out\n‖z‖ {3 * 20 ** 0.5:.1f}"
    said = film.readings(lambda images: (torch.ones(len(images)), torch.full((len(images),), 7)))
    assert said.tolist() == [7, 7, 7]
    assert "  your 7, prepared → 7 (1.00)" in capsys.readouterr().out
    film.frames[0] = ("你的 7，\n预处理后", *film.frames[0][1:])
    film.readings(lambda images: (torch.ones(len(images)), torch.full((len(images),), 7)))
    assert "  你的 7，预处理后 → 7 (1.00)" in capsys.readouterr().out  # no space inside a Chinese caption


def test_the_lab_picture_shows_its_digits_meter_and_twenty_sliders(pretrained, mnist_test, shown):
    lab = LatentExplorer(pretrained, mnist_test[0][:50], mnist_test[1][:50], dimension_labels={3: "slant"})
    lab.encode_digit(0)
    lab.set_z(torch.full((20,), 2.0))  # ‖z‖ = 8.9: beyond the shell
    figures.lab_picture(lab, "the title")
    fig = shown[0]
    assert fig._suptitle.get_text() == "the title"
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert sum(t.startswith("z[") for t in texts) == 20 and "+2.00" in texts
    assert any(t.endswith(" slant") for t in texts)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["test #0 (a 7)", "live decode"]
    meter = fig.axes[2]
    assert meter.get_xlim() == pytest.approx((0, 2 * lab.high))
    assert meter.lines[0].get_xdata()[0] == pytest.approx(lab.z.norm().item())  # the marker at ‖z‖
    assert "outside" in meter.texts[0].get_text() and "8.94" in meter.texts[0].get_text()


def test_the_meter_draws_its_scale_with_the_shell_and_a_marker(pretrained):
    lab = LatentExplorer(pretrained)
    lab.set_z(torch.full((20,), 1.0))  # ‖z‖ = 4.47
    top = 2 * lab.high
    assert f"left:{100 * lab.low / top:.1f}%" in lab.meter.value  # the shell's band
    assert f"left:{100 * 20 ** 0.5 / top:.1f}%" in lab.meter.value  # the marker
    lab.set_z(torch.full((20,), 3.0))  # ‖z‖ = 13.4, beyond the scale: the marker stops at its end
    assert "left:100.0%" in lab.meter.value


def test_the_2d_map_names_every_digit_and_draws_the_priors_circles(shown):
    dots = torch.randn(300, 2)
    digits = torch.arange(300) % 10
    figures.two_d_map(torch.rand(49, 784), dots, digits)
    left, right = shown[0].axes[:2]
    assert sorted(t.get_text() for t in right.texts if t.get_text().isdigit()) == [str(d) for d in range(10)]
    assert any(t.get_text().endswith("codes lie outside this square") for t in right.texts)  # none hidden silently
    assert sorted(p.radius for p in right.patches) == [1, 2]
    assert right.get_title() == "300 test digits' μ, and the prior's circles"
    assert left.get_xlim() == right.get_xlim() == (-3.5, 3.5)


# ---------------------------------------------------------------- the notebook


def test_the_lab_uses_the_measured_labels_and_has_a_static_picture_and_a_pad():
    """The lab's slider labels are the ones the traversal table measured (not typed in), the 2-D
    pad is there, and the lab's picture and the cell that drives the lab from Python leave plain
    PNGs for GitHub."""
    nb = nbformat.read(LESSON, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    lab = next(c.source for c in code if "LatentExplorer(" in c.source)
    assert "dimension_labels=dimension_labels" in lab
    assert any("dimension_labels = figures.seen_doing(" in c.source for c in code)
    assert any("LatentPad(" in c.source for c in code)
    picture = next(c for c in code if "figures.lab_picture(lab" in c.source)
    assert any("image/png" in out.get("data", {}) for out in picture.outputs), "run scripts/run_notebooks.py 06"
    strip = next(c for c in code if "lab.draw(" in c.source)
    assert "lab.back_button.click()" in strip.source and "lab.sliders[top].value" in strip.source
    assert any("image/png" in out.get("data", {}) for out in strip.outputs), "run scripts/run_notebooks.py 06"


def test_the_saved_lesson_stays_small():
    assert LESSON.stat().st_size < 700_000, "figures or widget state grew: see the lesson's size budget"
