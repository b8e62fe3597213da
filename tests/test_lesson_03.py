"""Lesson 03 (reparameterization): its gradient demonstration, its exercise, its figures.

The notebook is not executed here. These tests rebuild the lesson's small computations with the
package's own VAE and check that they say what the lesson says: the reconstruction loss reaches
the encoder's mu and logvar heads through z = mu + sigma * eps and not through `.sample()`.
Then the exercise (vae_lessons/exercises/reparameterization.py) as a learner meets it: right
versions pass, the versions learners actually write are named, and an answer with the right
numbers that blocks the gradient gets one verdict, "Not quite", saying why.
(tests/test_exercises.py checks every exercise's reference and listed mistakes.)
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.distributions import Normal  # noqa: E402

from vae_lessons.exercises import check_exercise, exercises, verdict  # noqa: E402
from vae_lessons.exercises.reparameterization import gradient_problem, random_mu_logvar  # noqa: E402
from vae_lessons.figures import reparameterization as figures  # noqa: E402
from vae_lessons.i18n import set_language  # noqa: E402
from vae_lessons.losses import vae_loss  # noqa: E402
from vae_lessons.models import VAE  # noqa: E402

LAYERS = ("fc2_mean", "fc2_logvar", "fc4")  # the mu head, the logvar head, the decoder's last layer



def reconstruction_grads(model, x, draw_z):
    """The lesson's section-7 test: backpropagate the reconstruction loss alone (no KL term)."""
    model.zero_grad(set_to_none=True)
    mu, logvar = model.encode(x)
    F.binary_cross_entropy(model.decode(draw_z(mu, logvar)), x, reduction="sum").backward()
    return {name: getattr(model, name).weight.grad for name in LAYERS}


def with_sample(mu, logvar):  # the obvious way, which the lesson shows is a dead end
    return Normal(mu, torch.exp(0.5 * logvar)).sample()


def with_rsample(mu, logvar):
    return Normal(mu, torch.exp(0.5 * logvar)).rsample()


@pytest.fixture
def model_and_batch():
    torch.manual_seed(0)
    return VAE(), torch.rand(16, 784)


def test_reparameterize_lets_the_reconstruction_gradient_reach_both_encoder_heads(model_and_batch):
    model, x = model_and_batch
    for draw_z in (model.reparameterize, with_rsample):
        grads = reconstruction_grads(model, x, draw_z)
        assert all(figures.reached(grads[name]) for name in LAYERS), draw_z


def test_the_demonstration_reports_no_gradient_when_sample_replaces_the_trick(model_and_batch):
    model, x = model_and_batch
    grads = reconstruction_grads(model, x, with_sample)
    assert grads["fc2_mean"] is None and grads["fc2_logvar"] is None  # the encoder learns nothing
    assert figures.reached(grads["fc4"])  # ... while the decoder still does


def test_the_whole_loss_could_not_tell_the_two_apart(model_and_batch):
    """Why the lesson uses BCE alone: with the KL term, both heads get a gradient even with
    .sample(), so a "both heads get a gradient" check on the whole loss proves nothing."""
    model, x = model_and_batch
    model.zero_grad(set_to_none=True)
    mu, logvar = model.encode(x)
    vae_loss(model.decode(with_sample(mu, logvar)), x, mu, logvar).backward()
    assert figures.reached(model.fc2_mean.weight.grad) and figures.reached(model.fc2_logvar.weight.grad)


# ---------------------------------------------------------------- the exercise, as learners write it

def solution(mu, logvar):
    std = torch.exp(0.5 * logvar)
    eps = torch.randn_like(std)
    return mu + std * eps


def no_grad_version(mu, logvar):
    with torch.no_grad():
        return solution(mu, logvar)


# What learners write -> the start of the message the checker should give.
WRONG = {
    "σ = logvar": lambda mu, logvar: mu + torch.randn_like(mu) * logvar,
    "σ = exp(logvar)": lambda mu, logvar: mu + torch.randn_like(logvar) * torch.exp(logvar),
    "your z is μ itself": lambda mu, logvar: mu.clone(),
    "ε comes from torch.rand": lambda mu, logvar: mu + torch.rand_like(mu) * torch.exp(0.5 * logvar),
    "μ is missing": lambda mu, logvar: torch.randn(mu.shape) * (0.5 * logvar).exp(),
    "z = μ − σ·ε is a valid reparameterization too":
        lambda mu, logvar: mu - torch.exp(0.5 * logvar) * torch.randn_like(mu),
}

# Right numbers, blocked gradient -> the start of the one verdict.
BLOCKED = {
    "your z is drawn with autograd switched off": with_sample,
    "your z is drawn with autograd switched off, by": no_grad_version,
    "torch.normal(mu, std) draws the right numbers":
        lambda mu, logvar: torch.normal(mu, (0.5 * logvar).exp()),
    ".detach() cuts your z off": lambda mu, logvar: solution(mu, logvar).detach(),
    ".detach() cuts your z off from":
        lambda mu, logvar: mu.detach() + torch.exp(0.5 * logvar) * torch.randn_like(mu),
    "the numbers are right, but no gradient reaches logvar":
        lambda mu, logvar: mu + torch.exp(0.5 * logvar).data * torch.randn_like(mu),
    "your function fails when mu and logvar carry gradients":
        lambda mu, logvar: torch.as_tensor(solution(mu, logvar).numpy()),
}


def lines(capsys):
    return capsys.readouterr().out.strip().splitlines()


@pytest.mark.parametrize("right", [solution, with_rsample,
                                   lambda mu, logvar: mu + logvar.exp().sqrt() * torch.randn(mu.shape)])
def test_the_check_accepts_right_versions(right, capsys):
    assert verdict("reparameterize", right)
    assert lines(capsys) == ["Correct! (checked on 5 inputs)"]


@pytest.mark.parametrize("start", list(WRONG))
def test_the_check_names_what_learners_write_wrong(start, capsys):
    assert not verdict("reparameterize", WRONG[start])
    out = lines(capsys)
    assert len(out) == 1 and out[0].startswith(f"Not quite: {start}"), out


@pytest.mark.parametrize("start", list(BLOCKED))
def test_right_numbers_that_block_the_gradient_get_one_verdict_saying_why(start, capsys):
    """Each of these draws exactly the package's numbers; the learner sees one verdict, after
    the gradient test, and never a "Correct!" first."""
    fn = BLOCKED[start]
    mu, logvar = random_mu_logvar(0)
    torch.manual_seed(3)
    same = fn(mu, logvar)
    torch.manual_seed(3)
    assert torch.allclose(torch.as_tensor(same), solution(mu, logvar))  # the numbers are right
    assert not verdict("reparameterize", fn)
    out = lines(capsys)
    assert len(out) == 1 and out[0].startswith(f"Not quite: {start}"), out


def test_the_gradient_test_passes_the_trick_and_names_which_input_is_cut_off():
    assert gradient_problem(solution) is None
    assert gradient_problem(with_rsample) is None
    only_mu = gradient_problem(lambda mu, logvar: mu + torch.exp(0.5 * logvar.data) * torch.randn_like(mu))
    only_logvar = gradient_problem(lambda mu, logvar: mu.data + torch.exp(0.5 * logvar) * torch.randn_like(mu))
    assert "no gradient reaches logvar through" in only_mu
    assert "no gradient reaches mu through" in only_logvar


def test_the_gradient_test_leaves_the_lessons_random_numbers_alone():
    torch.manual_seed(5)
    expected = torch.randn(3)
    torch.manual_seed(5)
    gradient_problem(solution)
    assert torch.equal(torch.randn(3), expected)


def test_minus_sigma_eps_is_named_although_it_has_the_right_distribution(capsys):
    """The message says μ − σ·ε is a valid reparameterization: its draws are N(μ, σ²) too."""
    minus = WRONG["z = μ − σ·ε is a valid reparameterization too"]
    mu, logvar = torch.full((200_000,), 1.5), torch.full((200_000,), 2 * torch.log(torch.tensor(0.5)))
    torch.manual_seed(0)
    z = minus(mu, logvar)
    assert abs(z.mean().item() - 1.5) < 0.01 and abs(z.std().item() - 0.5) < 0.01
    assert gradient_problem(minus) is None  # the gradient flows: only the convention differs


def test_the_lesson_uses_the_learners_function_once_it_passes(capsys):
    assert check_exercise("reparameterize", solution) is solution
    blocked = BLOCKED["torch.normal(mu, std) draws the right numbers"]
    assert check_exercise("reparameterize", blocked) is exercises()["reparameterize"].reference
    out = capsys.readouterr().out
    assert "uses your reparameterize" in out and "until your reparameterize passes" in out


def test_a_stub_is_not_answered_yet(capsys):
    def stub(mu, logvar):
        ...  # your code here

    assert not verdict("reparameterize", stub)
    assert "Not answered yet" in capsys.readouterr().out


def test_the_chinese_verdict_names_the_blocked_gradient(capsys):
    set_language("zh")
    assert not verdict("reparameterize", with_sample)
    out = lines(capsys)
    assert len(out) == 1 and out[0].startswith("还不对") and "no_grad" in out[0] and "正确" not in out[0]


# ---------------------------------------------------------------- the figures' helpers

def test_reached_needs_a_gradient_that_is_not_all_zeros():
    assert not figures.reached(None)
    assert not figures.reached(torch.zeros(3))  # what torch.normal hands back
    assert figures.reached(torch.tensor([0.0, 1e-3]))


def test_report_gradients_names_each_layer_and_says_which_got_nothing(capsys):
    figures.report_gradients("heading", {"fc2_mean": None, "fc4": torch.tensor([3.0, 4.0])})
    out = lines(capsys)
    assert out[0] == "heading"
    assert "fc2_mean" in out[1] and "NO gradient" in out[1]
    assert "fc4" in out[2] and "norm 5" in out[2]


def test_tallest_bar_is_the_centre_of_the_highest_bar_the_figure_draws():
    """Section 4's claim about "the tallest red bar" reads the figure's own bins."""
    torch.manual_seed(0)
    zs = 1.5 + 0.5 * torch.randn(2000)
    score, pathwise = zs**2 * (zs - 1.5) / 0.25, 2 * zs
    plt.close("all")
    figures.estimator_histograms(pathwise, score, truth=3.0)
    red = plt.gcf().axes[0].containers[0]  # the score function's bars, drawn first
    highest = max(red.patches, key=lambda bar: bar.get_height())
    plt.close("all")
    assert figures.tallest_bar(score) == pytest.approx(highest.get_x() + highest.get_width() / 2)
    assert figures.tallest_bar(torch.tensor([-1.8, -1.7, 4.1])) == pytest.approx(-1.75)
    assert figures.tallest_bar(torch.tensor([-1.8, 40.0, 41.0])) == pytest.approx(24.75)  # drawn at 25


def test_the_rejected_strip_shows_only_paintings_that_are_not_a_7(capsys, monkeypatch):
    paintings = torch.rand(10, 784)
    plt.close("all")
    figures.rejected_strip(paintings, torch.full((10,), 7))
    assert plt.get_fignums() == [] and "[7, 7, 7, 7, 7, 7, 7, 7]" in capsys.readouterr().out
    shown = []
    monkeypatch.setattr(figures, "show_images", lambda images, **kw: shown.append((images, kw)))
    figures.rejected_strip(paintings, torch.tensor([7, 1, 7, 7, 9, 7, 7, 7, 7, 7]))
    plt.close("all")
    images, kw = shown[0]
    assert torch.equal(images, paintings[[1, 4]])
    assert kw["col_labels"] == ["reads 1", "reads 9"]
    assert "the first 2 of the 2 paintings (of 10)" in kw["title"]


def test_the_settings_table_says_each_setting_in_the_lessons_language(capsys):
    moved, sevens = {"σ ≈ 0": 0.0, "learned σ": 0.0168}, {"σ ≈ 0": 1.0, "learned σ": 0.97}
    figures.settings_table(moved, sevens, n=300)
    set_language("zh")
    figures.settings_table(moved, sevens, n=300)
    out = lines(capsys)
    assert out[1].startswith("learned σ") and "0.0168" in out[1] and "97% of 300" in out[1]
    assert out[3].startswith("学到的 σ") and "300 幅中读作 7 的：97%" in out[3]


def test_the_seven_row_shows_each_difference_on_one_symmetric_diverging_scale(capsys):
    """Section 5: under each painting, painting − decode of μ, white at 0, on a fixed ±0.2 scale
    whose colour bar marks the clipped ends, and every digit at 2x its native size or more."""
    g = torch.Generator().manual_seed(0)
    seven, centre = torch.rand(1, 784, generator=g), torch.rand(1, 784, generator=g)
    paintings = (centre + 0.3 * torch.randn(8, 784, generator=g)).clamp(0, 1)
    plt.close("all")
    fig = figures.seven_row(seven, centre, paintings)
    top, bottom, bar = fig.axes
    image = bottom.images[0]
    low, high = image.get_clim()
    assert low == -high == -figures.DIFF_LIMIT           # typical changes stay visible ...
    assert image.colorbar.extend == "both"               # ... and larger ones are marked as clipped
    assert image.get_cmap().name.startswith("RdBu")
    assert bar.get_ylabel() == "brightness\nchange"
    shown = torch.as_tensor(image.get_array().filled(float("nan")))
    assert torch.isnan(shown[:, :62]).all()  # nothing under the input and μ
    assert torch.allclose(shown[:, 62:90], (paintings[0] - centre[0]).reshape(28, 28))
    for ax in (top, bottom):
        box, (x0, x1), (y0, y1) = ax.get_window_extent(), ax.get_xlim(), ax.get_ylim()
        assert min(box.width / abs(x1 - x0), box.height / abs(y1 - y0)) >= 2
    plt.close("all")


def test_difference_sizes_measures_how_much_and_where_the_paintings_move(capsys):
    centre = torch.zeros(1, 784)
    centre[0, :100] = 0.5                     # 100 edge pixels (grey)
    centre[0, 100:200] = 1.0                  # 100 stroke pixels (white)
    paintings = centre.repeat(2, 1)
    paintings[:, :10] += 0.3                  # each painting moves 10 edge pixels by 0.3 ...
    paintings[:, 300] = 0.1                   # ... and one background pixel by 0.1
    sizes = figures.difference_sizes(centre, paintings)
    assert sizes["largest"] == pytest.approx(0.3)
    assert sizes["mean"] == pytest.approx(3.1 / 784)
    assert sizes["small"] == pytest.approx(773 / 784)
    assert sizes["edge_pixels"] == pytest.approx(100 / 784)
    assert sizes["edge_share"] == pytest.approx(3 / 3.1)
    out = lines(capsys)
    assert out[0].startswith("difference from the decode of μ: 0.004 per pixel on average, at most 0.30")
    assert "are 13% of the picture and carry 97% of the difference" in out[1]
