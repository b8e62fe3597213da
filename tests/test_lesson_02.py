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
    trace = []
    hooks = [layer.register_forward_hook(lambda _l, i, o, name=name: trace.append((name, i[0].shape, o.shape)))
             for name, layer in vae.named_children()]
    with torch.no_grad():
        vae(torch.rand(8, 784))
    for hook in hooks:
        hook.remove()
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
    figures.code_statistics(codes, mu, z)
    header, *rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 3 and rows[0].startswith("autoencoder's codes")
    low, high = codes.std(0).min().item(), codes.std(0).max().item()
    assert f"{low:.2f} to {high:5.2f}" in rows[0]


def test_nearest_code_distances_are_medians_of_the_nearest_other_code(capsys):
    codes = torch.arange(0.0, 2000.0).reshape(-1, 1) * torch.tensor([[1.0, 0.0]])  # a line, spacing 1
    z = torch.tensor([[0.0, 3.0], [10.0, 3.0], [20.0, 3.0]])                       # each 3 from the line
    apart = figures.nearest_code_distances({"autoencoder": codes, "VAE": 2 * codes}, z)
    assert apart["autoencoder"] == pytest.approx((1.0, 3.0))
    assert apart["VAE"] == pytest.approx((2.0, 3.0))
    assert "(3.0 ×)" in capsys.readouterr().out


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
    row = next(line for line in lines if line.startswith("  at all the grid points"))
    assert row.split()[-2:] == [f"{f['unsure']:.0%}"] * 2
    assert any(line.startswith("500 paintings from z ~ N(0, I)") for line in lines)


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
    header, rows = lines[0], [line for line in lines[1:14] if not line.rstrip().endswith(("：", ":"))]
    assert len(rows) == 12   # every row with a number ("–" where there was nothing to count)
    # every row ends at the header's screen column: the numbers stand under the models' names
    assert {display_width(line) for line in rows} == {display_width(header)}


def test_the_maps_figure_frames_each_unsure_painting_in_red():
    images, labels = two_islands()
    model, judge = TwoIslands(), Judge()
    maps = {name: figures.survey(model, judge, images, labels, m=9, show=2) for name in ("plain autoencoder", "VAE")}
    fig = figures.maps_figure(maps, labels)
    frames = sum(len(ax.patches) for ax in fig.axes if ax.get_title().endswith("decode(z) at the grid points"))
    unsure = sum(int((s["sure"][s["shown"]] < 0.5).sum()) for s in maps.values())
    assert unsure > 0 and frames == unsure
    # the maps say how many codes they draw, with dots big enough for a projector
    maps_drawn = [ax for ax in fig.axes if ax.get_title().endswith("codes of 400 test digits")]
    assert len(maps_drawn) == 2 and all(ax.collections[0].get_sizes()[0] >= 12 for ax in maps_drawn)


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
