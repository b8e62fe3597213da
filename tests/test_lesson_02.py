"""Lesson 02 (notebooks/02_encoder_decoder.ipynb), without running the notebook.

The exercise: the learner writes decode(z, fc3, fc4), the classic VAE's painter, from the
layers' weights and biases; its check (vae_lessons/exercises/encoder_decoder.py) is tested here
for what tests/test_exercises.py does not cover: the shapes Hint 1 quotes, and that its inputs
tell every mistake apart. The figures module (vae_lessons/figures/encoder_decoder.py): its tables
line up in both languages, and the 2-D maps' bookkeeping counts what the lesson says it counts.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from vae_lessons.i18n import display_width
from vae_lessons.exercises import exercises, verdict  # noqa: E402
from vae_lessons.exercises.encoder_decoder import random_painter  # noqa: E402
from vae_lessons.figures import encoder_decoder as figures  # noqa: E402
from vae_lessons.i18n import set_language  # noqa: E402
from vae_lessons.models import VAE  # noqa: E402

EXERCISE = exercises()["decode"]



# ---------------------------------------------------------------- the exercise

def test_a_right_decoder_written_another_way_passes(capsys):
    def right(z, fc3, fc4):  # explicit matrices, clamp and exp instead of relu and sigmoid
        h = torch.clamp(z @ fc3.weight.T + fc3.bias, min=0)
        return 1 / (1 + torch.exp(-(h @ fc4.weight.T + fc4.bias)))

    assert verdict("decode", right)
    assert capsys.readouterr().out.startswith("Correct!")


def test_calling_the_layers_passes_too():
    """The lesson asks for matrices, but says the check cannot tell: calling the layers passes."""
    assert verdict("decode", lambda z, fc3, fc4: torch.sigmoid(fc4(F.relu(fc3(z)))))


def test_layers_in_the_wrong_order_are_rejected_with_the_shapes_hint_1_quotes(capsys):
    def wrong_order(z, fc3, fc4):
        h = F.relu(z @ fc4.weight.T + fc4.bias)
        return torch.sigmoid(h @ fc3.weight.T + fc3.bias)

    assert not verdict("decode", wrong_order)
    out = capsys.readouterr().out
    assert "raised" in out and "16x20 and 256x784" in out


def test_a_missing_transpose_is_rejected_with_the_shapes_hint_1_quotes(capsys):
    def no_transpose(z, fc3, fc4):
        h = F.relu(z @ fc3.weight + fc3.bias)
        return torch.sigmoid(h @ fc4.weight + fc4.bias)

    assert not verdict("decode", no_transpose)
    out = capsys.readouterr().out
    assert "raised" in out and "16x20 and 256x20" in out


def test_the_mistakes_are_told_apart_on_the_exercises_inputs():
    """Each mistake differs from the right answer and from every other mistake on the inputs,
    so the verdict can name it."""
    cases = [random_painter(k) for k in range(EXERCISE.trials)]
    with torch.no_grad():
        outputs = {m: torch.cat([f(*args) for args in cases]) for m, f in EXERCISE.mistakes.items()}
        outputs["right"] = torch.cat([EXERCISE.reference(*args) for args in cases])
    names = list(outputs)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not torch.allclose(outputs[a], outputs[b], atol=EXERCISE.atol), (a, b)


def test_the_inputs_are_fixed_fresh_layers_and_leave_the_lessons_random_numbers_alone():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    (z, fc3, fc4), (z_again, fc3_again, _), (z_other, _, _) = random_painter(2), random_painter(2), random_painter(3)
    assert torch.equal(torch.get_rng_state(), before)
    assert torch.equal(z, z_again) and torch.equal(fc3.weight, fc3_again.weight)
    assert not torch.equal(z, z_other)
    assert z.shape == (16, 20) and fc3.weight.shape == (256, 20) and fc4.weight.shape == (784, 256)
    for layer in (fc3, fc4):  # drawn as PyTorch draws a new layer: uniform within ±1/sqrt(n_in)
        bound = layer.in_features ** -0.5
        assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.9 * bound
        assert layer.bias.abs().max() <= bound


# ---------------------------------------------------------------- the tables

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_shape_table_has_a_row_per_layer_and_its_columns_line_up(lang, capsys):
    set_language(lang)
    vae = VAE(hidden_dim=256, latent_dim=20)
    trace = figures.trace_layers(vae, torch.rand(8, 784))
    assert [name for name, _, _ in trace] == ["fc1", "fc2_mean", "fc2_logvar", "fc3", "fc4"]
    assert not vae.fc1._forward_hooks   # the hooks are gone after the pass
    figures.shape_table(trace, torch.Size([8, 784]))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 + len(trace) + 1   # header, input, each layer, the sampled z
    for name, shape_in, shape_out in trace:
        assert any(f" {name} " in line and f"{shape_in[1]} -> {shape_out[1]}" in line for line in lines)
    # the shape column starts at the same screen column on every line, Chinese or not
    starts = [display_width(line[:line.index("(") if "(" in line[:40] else 0]) for line in lines[1:]]
    assert len(set(starts)) == 1 and starts[0] == 8 + 1 + 11 + 1 + 12 + 1


def test_the_parameter_table_counts_n_in_times_n_out_plus_n_out(capsys):
    vae = VAE(hidden_dim=256, latent_dim=20)
    counts = {name: sum(p.numel() for p in layer.parameters()) for name, layer in vae.named_children()}
    figures.parameter_table(vae, counts)
    out = capsys.readouterr().out
    by_formula = sum(layer.in_features * layer.out_features + layer.out_features for layer in vae.children())
    assert f"{by_formula:,}" in out.splitlines()[-1]
    assert f"{counts['fc4']:,}" in out and f"({counts['fc4'] / by_formula:5.1%})" in out


def test_the_code_statistics_say_what_each_row_measures(capsys):
    gen = torch.Generator().manual_seed(0)
    codes, mu, z = 3 + 2 * torch.randn(500, 20, generator=gen), torch.randn(500, 20, generator=gen), torch.randn(500, 20, generator=gen)
    figures.code_statistics(codes, mu, z, mu + 0.5 * z)
    header, *rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 4 and rows[0].startswith("autoencoder's codes") and rows[2].startswith("VAE's draws")
    low, high = codes.std(0).min().item(), codes.std(0).max().item()
    assert f"{low:.2f} to {high:5.2f}" in rows[0]


def test_the_parameter_quiz_takes_only_the_exact_count():
    """The lesson's quick check (hidden layer 400): 330,040 is right; 20 off either way is wrong."""
    from vae_lessons.lesson import check
    big = VAE(hidden_dim=400, latent_dim=20)
    expected = sum(p.numel() for layer in (big.fc1, big.fc2_mean, big.fc2_logvar) for p in layer.parameters())
    assert expected == (784 * 400 + 400) + 2 * (400 * 20 + 20) == 330_040
    assert check(330_040, expected) and check((784 * 400 + 400) + 2 * (400 * 20 + 20), expected)
    assert not check(330_020, expected) and not check(330_060, expected)


# ---------------------------------------------------------------- section 5: the holes

class Constant(torch.nn.Module):
    """Encodes a picture as its first `dim` pixels; paints every pixel with the sigmoid of z's first number."""

    def __init__(self, dim: int, vae: bool):
        super().__init__()
        self.dim, self.vae = dim, vae

    def encode(self, x):
        return (x[:, :self.dim], torch.zeros(len(x), self.dim)) if self.vae else x[:, :self.dim]

    def decode(self, z):
        return torch.sigmoid(z[:, :1]).expand(-1, 784)


def test_the_hole_table_prints_a_row_per_recipe_with_each_models_share(capsys):
    sure = {(name, r): torch.tensor([0.2, 0.9, 0.4, 0.95]) for name in ("plain autoencoder", "VAE") for r in figures.RECIPES}
    holes = {key: (s < 0.5).float().mean().item() for key, s in sure.items()}
    figures.hole_table(holes, sure)
    header, *rows = capsys.readouterr().out.splitlines()
    assert "plain autoencoder" in header and "VAE" in header
    assert [row.startswith(r) for row, r in zip(rows, figures.RECIPES)] == [True] * 4
    assert rows[0].count("50% holes (61% sure)") == 2 and rows[-1].startswith("4 codes per recipe")


def test_repaint_scores_repaint_from_the_code_and_the_vaes_centre(capsys):
    x = torch.rand(50, 784)
    models = {"plain autoencoder": Constant(2, vae=False), "VAE": Constant(2, vae=True)}
    found = figures.repaint_scores(models, x, torch.zeros(50, dtype=torch.long), Judge())
    for bce, named, repainted in (tuple(f.values()) for f in found.values()):
        expected = F.binary_cross_entropy(torch.sigmoid(x[:, :1]).expand(-1, 784), x, reduction="sum") / 50
        assert bce == pytest.approx(expected.item(), rel=1e-5) and repainted.shape == (50, 784)
        assert named == pytest.approx((Judge()(repainted).argmax(dim=1) == 0).float().mean().item())
    assert "plain autoencoder" in capsys.readouterr().out


# ---------------------------------------------------------------- the 2-D maps

class TwoIslands(torch.nn.Module):
    """A stand-in for a model with 2-number codes: digit 0 sits around (-0.5, 0), digit 1 around
    (0.5, 0), the two islands touching; it paints a constant picture whose brightness is the code's first number."""

    def encode(self, x):
        return x[:, :2]

    def decode(self, z):
        return torch.sigmoid(z[:, :1]).expand(-1, 784)


class Judge(torch.nn.Module):
    """Says 0 for dark pictures and 1 for bright ones; torn three ways in between (2 is its
    third guess), so there it is under 50% sure."""

    def forward(self, x):
        logit = 8 * (x.mean(dim=1, keepdim=True) - 0.5)
        return torch.cat([-logit, logit, torch.zeros(len(x), 1), torch.full((len(x), 7), -20.0)], dim=1)

    def predict(self, x):
        return self(x).argmax(dim=1)


def two_islands(n: int = 400):
    gen = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % 2
    centres = torch.tensor([[-0.5, 0.0], [0.5, 0.0]])[labels]
    codes = centres + 0.3 * torch.randn(n, 2, generator=gen)
    images = torch.cat([codes, torch.zeros(n, 782)], dim=1)
    return images, labels


def test_the_survey_finds_the_seam_between_two_islands_and_the_empty_corners():
    images, labels = two_islands()
    s = figures.survey(TwoIslands(), Judge(), images, labels, m=9, show=2, near=20, seam=0.7)
    assert s["z"].shape == (81, 2) and len(s["shown"]) == s["side"] ** 2 == 25
    assert torch.allclose(s["z"][0], torch.stack([s["lo"][0], s["hi"][1]]))   # top-left first
    x = s["z"][:, 0]
    seam_x = x[s["seam"] & ~s["empty"]]
    assert len(seam_x) > 0 and seam_x.abs().max() < 1.5      # the seam runs between the islands
    assert not (s["seam"] & (x.abs() > 1.5)).any()            # and nowhere inside them
    centres = torch.tensor([[-0.5, 0.0], [0.5, 0.0]])
    to_centres = torch.cdist(s["z"], centres).min(dim=1).values
    assert s["empty"].any() and (to_centres[s["empty"]] > 0.5).all()   # empty: away from the islands
    assert not s["empty"][torch.cdist(centres, s["z"]).argmin(dim=1)].any()
    assert (s["named"] == (x > 0).long()).float().mean() > 0.8   # the judge names the side


def test_map_statistics_count_the_shares_the_lesson_prints(capsys):
    images, labels = two_islands()
    model, judge = TwoIslands(), Judge()
    s = figures.survey(model, judge, images, labels, m=9, show=2)
    z = torch.randn(500, 2, generator=torch.Generator().manual_seed(1))
    found = figures.map_statistics({"plain autoencoder": s, "VAE": s},
                                   {"plain autoencoder": model.decode(z), "VAE": model.decode(z)}, judge)
    assert list(found) == ["plain autoencoder", "VAE"]   # the lesson unpacks them in this order
    f = found["VAE"]
    assert f["inside"] == pytest.approx((s["codes"].norm(dim=1) < 2).float().mean().item())
    assert sum(f["digits"]) == 500 and f["kinds"] == sum(n > 0 for n in f["digits"])
    assert f["commonest"] == pytest.approx(max(f["digits"]) / 500)
    unsure = s["sure"] < 0.5
    assert f["unsure"] == pytest.approx(unsure.float().mean().item())
    occupied = ~s["empty"]
    assert f["unsure_occupied"] == pytest.approx(unsure[occupied].float().mean().item())
    seam = s["seam"] & occupied   # the share of the points on a seam that are unsure, not the reverse
    assert f["unsure_seam"] == pytest.approx(unsure[seam].float().mean().item())
    lines = capsys.readouterr().out.splitlines()
    row = next(line for line in lines if line.startswith("holes, among all the grid points"))
    assert row.split()[-2:] == [f"{f['unsure']:.0%}"] * 2
    assert f["island"] + f["seam"] + f["empty"] == pytest.approx(1)   # every grid point is one of the three
    unsure_seams = (seam & unsure).sum() / unsure.sum()   # of the holes, the share on a seam
    assert f["holes_on_seam"] == pytest.approx(unsure_seams.item())
    assert f["random_holes"] == pytest.approx((torch.softmax(judge(model.decode(z)), 1).max(1).values < 0.5).float().mean().item())
    assert any(line.startswith("500 paintings from z ~ N(0, I): holes") for line in lines)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_map_table_lines_up_in_both_languages(lang, capsys):
    set_language(lang)
    images, labels = two_islands()
    model, judge = TwoIslands(), Judge()
    s = figures.survey(model, judge, images, labels, m=9, show=2)
    z = torch.randn(500, 2, generator=torch.Generator().manual_seed(1))
    figures.map_statistics({"plain autoencoder": s, "VAE": s},
                           {"plain autoencoder": model.decode(z), "VAE": model.decode(z)}, judge)
    lines = capsys.readouterr().out.splitlines()
    header, rows = lines[0], lines[1:14]
    assert len(rows) == 13   # every row with a number ("–" where there was nothing to count)
    # every row ends at the header's screen column: the numbers stand under the models' names
    assert {display_width(line) for line in rows} == {display_width(header)}


@pytest.mark.parametrize("name", ["plain autoencoder", "VAE"])
def test_the_map_figure_frames_each_hole_in_red_in_text_a_projector_shows(name):
    images, labels = two_islands()
    s = figures.survey(TwoIslands(), Judge(), images, labels, m=9, show=2)
    fig = figures.map_figure(s, labels, name)
    grid = next(ax for ax in fig.axes if ax.get_title() == "decode(z) at the black + grid points")
    holes = int((s["sure"][s["shown"]] < 0.5).sum())
    assert holes > 0 and len(grid.patches) == holes
    # the map says whose codes it draws and how many, with dots big enough for a projector
    (drawn,) = [ax for ax in fig.axes if ax.get_title().endswith("the codes of 400 test digits")]
    assert drawn.get_title().startswith(name) and drawn.collections[0].get_sizes()[0] >= 12
    texts = [t for ax in fig.axes for t in (ax.title, ax.xaxis.label, *ax.get_xticklabels()) if t.get_text()]
    assert min(t.get_fontsize() for t in texts) >= 12
    assert fig.get_size_inches()[0] <= 14   # two panels per figure, not four
    scatter = drawn.collections[0]
    assert scatter.get_clim() == (-0.5, 9.5)   # the colour bar's ticks 0-9 sit at its blocks' centres


def test_the_picker_follows_its_sliders_and_names_the_nearest_code():
    images, labels = two_islands()
    model, judge = TwoIslands(), Judge()
    s = figures.survey(model, judge, images, labels, m=9, show=2)
    picker = figures.map_picker(s, labels, model.decode, judge)
    x, y = picker.controls["x"], picker.controls["y"]
    assert x.min == pytest.approx(s["lo"][0].item()) and y.max == pytest.approx(s["hi"][1].item())
    x.value, y.value = 2.0, 0.0                       # on digit 1's island
    assert "a 1;" in picker.output.value and "the judge: 1" in picker.output.value
    fig = figures.picker_snapshots(s, labels, model.decode, judge)
    assert len(fig.subfigs) == 3
