"""The figures and tables of lesson 03_reparameterization (notebooks/03_reparameterization.ipynb).

The lesson's cells keep what they teach in view (z = μ + σ·ε, the two gradient estimators, the
reconstruction-loss test of section 7); the layout of its pictures and the wording of its
printed tables live here, so each cell reads as the idea and a call.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch.distributions import Normal

from ..i18n import tr
from ..plotting import DPI, label, show_images

Grads = dict[str, Optional[torch.Tensor]]  # layer name -> its weight gradient, None where none arrived


# ---------------------------------------------------------------- section 3: the live figure

def shifted_samples(fig: Figure, eps: torch.Tensor, z: torch.Tensor, mu: float, sigma: float) -> str:
    """Draw the frozen ε and the samples z = μ + σ·ε made from them as density histograms, the
    target N(μ, σ²) as a curve, and ten samples tied to their ε: the picture shows that moving
    a slider moves every sample a little and re-rolls nothing. Returns the line under the figure
    (figure text, as the snapshot puts it in its title)."""
    ax = fig.add_subplot()
    bins = torch.linspace(-6, 6, 61).numpy()
    grid = torch.linspace(-6, 6, 400)
    ax.hist(eps.numpy(), bins=bins, density=True, color="0.8", label="ε ~ N(0, 1)")
    ax.hist(z.numpy(), bins=bins, density=True, color="tab:blue", alpha=0.6, label="z = μ + σ·ε")
    ax.plot(grid, Normal(mu, sigma).log_prob(grid).exp(), "k", lw=1.2, label="N(μ, σ²)")
    for e, zi in zip(eps[:10], z[:10]):
        ax.plot([e, zi], [-0.05, -0.12], color="tab:orange", lw=0.8)
    ax.plot(z[:10], torch.full((10,), -0.12), "o", color="tab:orange", ms=4,
            label=label("10 samples z,\nlinked to their ε"))
    ax.plot(eps[:10], torch.full((10,), -0.05), "o", mfc="white", mec="tab:orange", ms=4,
            label=label("their ε"))
    ax.set(xlim=(-6, 6), ylim=(-0.17, max(0.5, 1.15 / (sigma * math.sqrt(2 * math.pi)))),
           xlabel=label("value of ε (grey) and of z (blue)"), ylabel=label("density"), yticks=[])
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return label("sample mean {mean:.2f}, sample standard deviation {std:.2f}", mean=z.mean(), std=z.std())


# ---------------------------------------------------------------- section 4: two estimators

ESTIMATE_BINS = torch.linspace(-5, 25, 61)  # the histogram's bars: 0.5 wide, from -5 to 25


def tallest_bar(estimates: torch.Tensor) -> float:
    """The centre of the tallest bar that `estimator_histograms` draws for these estimates."""
    counts = torch.histc(estimates.clamp(max=25), bins=len(ESTIMATE_BINS) - 1,
                         min=ESTIMATE_BINS[0].item(), max=ESTIMATE_BINS[-1].item())
    i = counts.argmax().item()
    return ((ESTIMATE_BINS[i] + ESTIMATE_BINS[i + 1]) / 2).item()


def estimator_histograms(pathwise: torch.Tensor, score: torch.Tensor, truth: float) -> None:
    """Both estimators' single-draw estimates on one axis, with the true gradient: the red one
    is as often below 0 as above it, the blue one sits tight around the truth."""
    fig, ax = plt.subplots(figsize=(7, 3))
    bins = ESTIMATE_BINS.numpy()
    ax.hist(score.clamp(max=25).numpy(), bins=bins, color="tab:red", alpha=0.55,
            label=label("score function (REINFORCE)"))
    ax.hist(pathwise.numpy(), bins=bins, histtype="step", color="tab:blue", lw=2,
            label=label("pathwise (z = μ + σ·ε)"))   # an outline: the red bars stay visible
    ax.axvline(truth, color="k", ls="--", lw=1.2, label=label("true gradient 2μ = {truth:g}", truth=truth))
    ax.set(title=label("10,000 one-draw estimates of d/dμ E[z²]"),
           xlabel=label("estimate (values above 25 are drawn at 25)"),
           ylabel=label("number of draws"), xlim=(-5, 25.5))
    ax.legend(loc="upper right", frameon=False)
    fig.tight_layout()
    plt.show()


def estimator_summary(pathwise: torch.Tensor, score: torch.Tensor, truth: float) -> None:
    """Print each estimator's mean and spread, and how far the score function's tail reaches:
    the numbers behind "both right on average, one far noisier"."""
    for name, v in ((tr("pathwise"), pathwise), (tr("score function"), score)):
        print(tr("{name:15s} mean {mean:6.3f} (true {truth:g}), standard deviation {std:5.2f}",
                 name=name, mean=v.mean(), truth=truth, std=v.std()))
    print(tr("{above} score-function estimates lie above 25 (the largest is {largest:.0f}); "
             "the pathwise ones all lie between {low:.1f} and {high:.1f}",
             above=(score > 25).sum().item(), largest=score.max(), low=pathwise.min(), high=pathwise.max()))


# ---------------------------------------------------------------- sections 5 and 6: one 7

DIFF_LIMIT = 0.2   # the difference maps' colour scale, ±0.2: typical changes (~0.05) stay visible


def seven_row(seven: torch.Tensor, centre: torch.Tensor, paintings: torch.Tensor) -> Figure:
    """Top row: the input 7, the decode of its μ, and the decodes of its samples. Bottom row,
    under each decode of a sample: how it differs from the decode of μ, red where it is brighter,
    blue where darker, on one symmetric scale of ±DIFF_LIMIT (larger changes are drawn at the
    scale's ends, which the colour bar's pointed ends say) with a labelled colour bar (white = no change)."""
    n = len(paintings)
    diff = (paintings - centre).cpu()
    limit = DIFF_LIMIT
    width = 2.2 * (30 * (n + 2) + 2) / DPI        # inches: 2.2x native size
    fig = plt.figure(figsize=(width + 2.4, 2.9))
    row = [(1.3 / (width + 2.4), y / 2.9, width / (width + 2.4), 0.88 / 2.9) for y in (1.0, 0.1)]
    top, bottom = fig.add_axes(row[0]), fig.add_axes(row[1])
    show_images(torch.cat([seven, centre, paintings]), nrow=n + 2, ax=top,
                col_labels=[label("input"), "μ"] + [f"z{i}" for i in range(1, n + 1)],
                row_labels=[label("paintings")])
    tiles = torch.full((28, 30 * (n + 2) + 2), float("nan"))   # two empty slots under input and μ
    for i, d in enumerate(diff.reshape(n, 28, 28)):
        tiles[:, 62 + 30 * i:90 + 30 * i] = d
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="white")
    image = bottom.imshow(tiles.numpy(), cmap=cmap, vmin=-limit, vmax=limit,
                          extent=(0, tiles.shape[1], 30, 2))
    bottom.set(xlim=(0, tiles.shape[1]), ylim=(32, 0), xticks=[], yticks=[16])
    bottom.set_yticklabels([label("painting minus\ndecode of μ")])
    bottom.tick_params(length=0)
    for spine in bottom.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(image, extend="both", cax=fig.add_axes((row[1][0] + row[1][2] + 0.01, row[1][1], 0.012, row[1][3])))
    bar.set_label(label("brightness\nchange"))
    bar.set_ticks([-limit, 0, limit])
    top.set_title(label("a test 7: the input, the decode of μ, eight decodes of z = μ + σ·ε\n"
                        "and, below, how each differs from the decode of μ (red: brighter, blue: darker;\n"
                        "changes beyond ±0.2 are drawn as ±0.2)"),
                  pad=22)
    plt.show()
    return fig


def difference_sizes(centre: torch.Tensor, paintings: torch.Tensor) -> dict[str, float]:
    """How much the decodes of samples differ from the decode of μ, pixel by pixel, and where:
    the share of the total difference on the strokes' edges (pixels of the decode of μ that are
    neither near black nor near white, 0.1 to 0.9). Printed, and returned for the claims."""
    change = (paintings - centre).abs()
    edge = ((centre > 0.1) & (centre < 0.9)).expand_as(change)
    sizes = {"mean": change.mean().item(), "largest": change.max().item(),
             "small": (change < 0.05).float().mean().item(), "edge_pixels": edge.float().mean().item(),
             "edge_share": (change[edge].sum() / change.sum()).item()}
    print(tr("difference from the decode of μ: {mean:.3f} per pixel on average, at most {largest:.2f}; "
             "{small:.0%} of the pixels change by less than 0.05", **sizes))
    print(tr("the strokes' edges (grey pixels of the decode of μ, 0.1 to 0.9) are {edge_pixels:.0%} of the "
             "picture and carry {edge_share:.0%} of the difference", **sizes))
    return sizes


def sigma_bars(sigma: torch.Tensor) -> None:
    """σ per latent dimension against the prior's σ = 1: how tight this digit's cloud is."""
    fig, ax = plt.subplots(figsize=(6.5, 2.6))
    ax.bar(range(len(sigma)), sigma, color="tab:blue", label=label("σ of this 7"))
    ax.axhline(1.0, color="k", ls="--", lw=1, label=label("σ = 1 (the prior)"))
    ax.set(title=label("σ of this 7, per latent dimension"), xlabel=label("latent dimension"),
           ylabel="σ", xticks=range(len(sigma)), ylim=(0, 1.25))
    ax.legend(loc="upper right", ncol=2, frameon=False)
    fig.tight_layout()
    plt.show()


def setting_name(name: str, figure: bool = False) -> str:
    """The name of one of section 6's settings ("σ ≈ 0", "learned σ", "σ = 1"), as shown."""
    if name == "learned σ":
        return label("learned σ") if figure else tr("learned σ")
    return name


def settings_grid(shown: Sequence[torch.Tensor], names: Sequence[str]) -> None:
    """Eight decodes per σ setting, one row each, the same ε in each column: only σ changes."""
    show_images(torch.cat(list(shown)), nrow=len(shown[0]),
                title=label("eight decodes of z = μ + σ·ε for one test 7"),
                row_labels=[setting_name(n, figure=True) for n in names],
                col_labels=[f"z{i}" for i in range(1, len(shown[0]) + 1)])
    plt.show()


def settings_table(moved: dict[str, float], sevens: dict[str, float], n: int) -> None:
    """One line per σ setting: how far its paintings move from the decode of μ, and how many
    the judge still reads as a 7."""
    for name in moved:
        print(tr("{name:10s} mean pixel change from the decode of μ {moved:.4f} | "
                 "read as a 7: {sevens:.0%} of {n}",
                 name=setting_name(name), moved=moved[name], sevens=sevens[name], n=n))


def rejected_strip(paintings: torch.Tensor, readings: torch.Tensor, shown: int = 8) -> None:
    """Say what the judge reads in the first `shown` paintings, then show the first ones it
    does not read as a 7, each captioned with what it reads instead (nothing when all are 7s)."""
    print(tr("the judge reads the eight σ = 1 paintings shown as: {readings}",
             readings=readings[:shown].tolist()))
    others = (readings != 7).nonzero().flatten()
    if len(others) == 0:
        return
    first = min(shown, len(others))
    show_images(paintings[others[:shown]], nrow=shown,
                title=label("σ = 1: the first {first} of the {count} paintings (of {n}) the judge "
                            "does not read as a 7", first=first, count=len(others), n=len(readings)),
                col_labels=[label("reads {digit}", digit=d) for d in readings[others[:shown]].tolist()])
    plt.show()


# ---------------------------------------------------------------- section 7 and the exercise

def reached(g: torch.Tensor | None) -> bool:
    """True when a gradient arrived and is not all zeros (torch.normal's gradient is zero)."""
    return g is not None and g.abs().sum().item() > 0


def report_gradients(heading: str, grads: Grads) -> None:
    """Print which layers got a gradient from the loss, and its norm."""
    print(heading)
    for name, g in grads.items():
        said = (tr("gets a gradient of norm {norm:.3g}", norm=g.norm()) if reached(g)
                else tr("gets NO gradient (grad is None)"))
        print(f"   {name:10s} {said}")


def same_decoder_gradient(blocked: Grads, through: Grads) -> None:
    """Say whether the decoder's last layer got the same gradient both ways (same seed, same z)."""
    same = torch.allclose(blocked["fc4"], through["fc4"], rtol=1e-4, atol=1e-6)
    print(tr("fc4 gets the same gradient both times: with the same seed both ways drew the same z, so the "
             "decoder saw the same thing; only the road back to μ and σ differs.") if same else
          tr("fc4's gradient differs between the two: the two ways drew different z on this device."))


def repaint_grid(digits: torch.Tensor, centres: torch.Tensor, paintings: torch.Tensor,
                 labels: Sequence[int]) -> None:
    """Each test digit, the decode of its μ, and its paintings from several z, one row per digit."""
    rows, per_row = paintings.shape[:2]
    grid = torch.cat([digits[:, None], centres[:, None], paintings], dim=1).reshape(-1, 784)
    show_images(grid, nrow=2 + per_row, title=label("five test digits, repainted from z = μ + σ·ε"),
                row_labels=[label("#{i}: a {digit}", i=i, digit=d) for i, d in enumerate(labels)],
                col_labels=[label("input"), "μ"] + [f"z{i}" for i in range(1, per_row + 1)])
    plt.show()
