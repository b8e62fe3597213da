"""The figures and tables of lesson 04_kl_divergence (notebooks/04_kl_divergence.ipynb).

The lesson's cells keep in view what it teaches: the KL's closed form, the bound, the redraw
experiment, and how each of three trained VAEs (β = 0, 1 and 8) is measured. The tables that
print those numbers, the figures' layout and the classifier's readings live here, so that a
cell reads as one idea and a call. Text goes through `tr` / `label`; its Chinese is in
translations/zh/04_kl_divergence.json.
"""

from __future__ import annotations

import math
from functools import reduce
from typing import Callable

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from torch.distributions import Normal

from ..i18n import tr
from ..plotting import label, plot_kl_per_dimension, show_images

ACTIVE_NATS = 0.1  # a dimension whose average KL stays below this carries almost nothing
RECIPE = ("epochs", "batch_size", "lr", "seed", "train_images", "lr_schedule")
TRAIN_DEFAULTS = {"lr_schedule": "constant"}     # training.train's default: what a recipe without it used
GRID = torch.linspace(-6, 6, 600)                  # the z axis of the widget's left panel
SIGMAS = torch.logspace(-1.3, 0.7, 200).tolist()   # 0.05 ... 5, the widget's σ slider range
PRIOR = Normal(0.0, 1.0).log_prob(GRID).exp()
MAP_POINTS = 2000                                  # memories drawn per map of memory_maps
Stats = dict[float, dict]  # β -> what the lesson measured on that model


def three_ways_table(rows: dict[tuple[float, float], tuple[float, float, float]]) -> None:
    """One line per memory N(μ, σ²): its KL by the closed form, by PyTorch and by Monte Carlo,
    side by side, so the eye sees that three roads give one number."""
    print(tr("    μ      σ | closed form    torch  Monte Carlo"))
    for (mu, sigma), (closed, exact, mc) in rows.items():
        print(f"{mu:5.1f} {sigma:6.1f} | {closed:11.4f} {exact:8.4f} {mc:12.3f}")


def memory_and_width(fig: Figure, mu: float, sigma: float, width_part: Callable[[float], float]) -> None:
    """Left: one memory q = N(μ, σ²) against the prior N(0, 1), the height axis rescaled so the
    whole of q always fits. Right: the width part of the KL as a function of σ, this σ marked,
    so a learner finds its minimum and watches the price climb at both ends."""
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    q = Normal(mu, sigma).log_prob(GRID).exp()
    peak = 1 / (sigma * math.sqrt(2 * math.pi))  # the height of q at z = mu
    left.fill_between(GRID, PRIOR, color="0.85", label=label("prior N(0, 1)"))
    left.plot(GRID, q, color="tab:blue", label="q = N(μ, σ²)")
    left.set(xlim=(-6, 6), ylim=(0, 1.6 * max(peak, 0.4)), xlabel="z", ylabel=label("density"))
    left.legend(loc="upper left", frameon=False, ncol=2)   # in the headroom above both curves
    widths = [width_part(s) for s in SIGMAS]
    right.plot(SIGMAS, widths, color="0.4")
    right.plot([sigma], [width_part(sigma)], "o", color="tab:blue")
    right.set(xscale="log", ylim=(0, 1.05 * max(widths)), xlabel="σ", ylabel=label("nats"),
              title=label("width part ½(σ² − 1 − log σ²)"))
    right.set_xticks([0.1, 0.3, 1, 3], ["0.1", "0.3", "1", "3"])
    fig.tight_layout()


def threshold_line(ax: plt.Axes) -> None:
    """The 0.1-nat line between active and inactive dimensions: thick, red, and named."""
    ax.axhline(ACTIVE_NATS, color="tab:red", ls="--", lw=2.2)
    ax.annotate(label("0.1 nats"), (1.0, ACTIVE_NATS), xycoords=("axes fraction", "data"), xytext=(4, 0),
                textcoords="offset points", va="center", color="tab:red", fontsize=10)


def kl_bars(kl_dims: torch.Tensor, name: str) -> None:
    """The KL each latent dimension of one model costs per image, the 0.1-nat line between
    active and inactive dimensions, and one printed line that sums it up."""
    _, ax = plt.subplots(figsize=(7.5, 2.4))
    plot_kl_per_dimension(kl_dims, ax=ax, title=label("{name}: KL per latent dimension", name=name))
    threshold_line(ax)
    plt.show()
    active = int((kl_dims > ACTIVE_NATS).sum())
    numbers = dict(total=kl_dims.sum().item(), active=active, low=kl_dims.min().item(),
                   high=kl_dims.max().item(), inactive=len(kl_dims) - active)
    if active == len(kl_dims):
        print(tr("KL per image: {total:.1f} nats, spread over {active} active dimensions "
                 "(from {low:.2f} to {high:.2f} nats each); none inactive", **numbers))
    else:
        print(tr("KL per image: {total:.1f} nats, spread over {active} active dimensions "
                 "(from {low:.2f} to {high:.2f} nats each); {inactive} inactive", **numbers))


def bound_report(bce: torch.Tensor, kl: torch.Tensor, recorded: float) -> float:
    """The bound −ELBO = BCE + KL per test image, averaged, with the standard error of that
    average (mostly the spread between images; one draw of z each adds a little), read as a
    bound on log p(x), and the test loss recorded at training time to compare it with.
    Returns the standard error, the ± the printed average carries over images."""
    loss = bce + kl
    mean = loss.mean().item()
    spread = (loss.std() / len(loss) ** 0.5).item()  # standard error of the average
    print(tr("average test digit: BCE {bce:.1f} + KL {kl:.1f} = {loss:.1f} nats "
             "(± {spread:.1f}, the standard error of this average)",
             bce=bce.mean().item(), kl=kl.mean().item(), loss=mean, spread=spread))
    print(tr("the KL is {share:.0%} of the loss; per pixel the bound is {per_pixel:.3f} nats",
             share=kl.mean().item() / mean, per_pixel=mean / 784))
    print(tr("a bound on log p(x) only for binarised (0/1) pixels; with MNIST's grey pixels "
             "it is a cross-entropy score: {loss:.1f} nats per test digit", loss=mean))
    print(tr("the test loss recorded when the model was trained: {loss:.1f} nats", loss=recorded))
    return spread


def compare_recipes(models: dict[float, torch.nn.Module]) -> None:
    """Each model's training recipe, and what besides β differs between them: the comparison
    is fair only where β is the one difference, or where we know what else could matter."""
    def setting(m: torch.nn.Module, key: str) -> str:
        return str(m.meta.get(key, TRAIN_DEFAULTS.get(key) or tr("default")))

    for beta, m in models.items():
        recipe = reduce(lambda listed, item: tr("{listed}, {key}", listed=listed, key=item),
                        [f"{key} {setting(m, key)}" for key in RECIPE])
        print(tr("β = {beta:g}: trained with β = {trained:g}; {recipe}",
                 beta=beta, trained=m.meta["beta"], recipe=recipe))
    differ = [key for key in RECIPE if len({setting(m, key) for m in models.values()}) > 1]
    if not differ:
        print(tr("Apart from β, the three recipes are the same."))
        return
    keys = reduce(lambda listed, key: tr("{listed}, {key}", listed=listed, key=key), differ)
    print(tr("Careful: apart from β, the recipes also differ in {keys}.", keys=keys))


def ink_and_grey(images: torch.Tensor) -> tuple[float, float]:
    """ink: the average pixel value; grey share: of the pixels with ink (> 0.2), those still grey
    (< 0.8). A crisp digit is white strokes on black (a low grey share), a blurry one mostly
    grey; unlike summed pixel entropy, a faint smudge on black cannot pass for crisp."""
    inked = images > 0.2
    return images.mean().item(), ((images < 0.8) & inked).sum().item() / max(inked.sum().item(), 1)


@torch.no_grad()
def judge(model: torch.nn.Module, mu: torch.Tensor, z_random: torch.Tensor, classifier: Callable,
          test_y: torch.Tensor) -> dict:
    """What the classifier reads in one model's pictures, and how they look: the
    reconstructions (decode of μ) of the first 1,000 test digits, and the decodes of the
    random codes (how sure it is; how much ink, how much of it grey)."""
    decodes = model.decode(z_random)
    confidence = classifier(decodes).softmax(1).max(1).values
    reads = classifier(model.decode(mu[:1000])).argmax(1)
    ink, grey = ink_and_grey(decodes)
    return {"conf": confidence.mean().item(), "sure": (confidence > 0.9).float().mean().item(),
            "ink": ink, "grey": grey, "reads": reads,
            "right": (reads == test_y[:1000].to(reads.device)).float().mean().item(),
            "recons": model.decode(mu[:8]), "samples": decodes[:8]}


def loss_table(stats: Stats, z_length: torch.Tensor) -> None:
    """Per β: the two halves of the loss, the bound, the active dimensions, the median σ and
    where the memories sit, against the length of the random codes we will decode."""
    print(tr("On the 10,000 test digits (BCE and KL per image, in nats):"))
    print(tr("   β |    BCE     KL BCE + KL | active dims | μ varies in | median σ, active | mean ‖μ‖"))
    for beta, s in stats.items():
        print(tr("{beta:4g} | {bce:6.1f} {kl:6.1f} {total:8.1f} | {active:5d} of 20 | {varies:5d} of 20 | "
                 "{sigma:16.2g} | {length:8.1f}",
                 beta=beta, bce=s["bce"], kl=s["kl"], total=s["bce"] + s["kl"], active=s["active"],
                 varies=s["varies"], sigma=s["median_sigma"], length=s["mean_length"]))
    (first, s_first), *rest = stats.items()
    shares = tr("β = {beta:g}: {share:.1%}", beta=first, share=s_first["no_farther_than_random"])
    shares += "".join(tr(", β = {beta:g}: {share:.1%}", beta=b, share=s["no_farther_than_random"]) for b, s in rest)
    print(tr("(active: average KL above 0.1 nats; μ varies: the variance of μ over the test digits is above 0.01.\n"
             "A random code z ~ N(0, I) has mean length {mean:.1f}; the longest of the 500 is {longest:.1f}. "
             "Memories no farther out than that: {shares})",
             mean=z_length.mean().item(), longest=z_length.max().item(), shares=shares))


def reading_table(stats: Stats, test_y: torch.Tensor) -> None:
    """Per β: how often the classifier reads the right digit in the reconstructions, and what
    it reads in the eight shown in the first grid."""
    print(tr("\nReconstructions (decode of μ), read by the classifier:"))
    true8 = " ".join(str(int(y)) for y in test_y[:8])
    print(tr("   β | right digit, first 1,000 | the 8 in the first grid below (true: {true8})", true8=true8))
    for beta, s in stats.items():
        reads8 = " ".join(str(int(r)) for r in s["reads"][:8])
        print(f"{beta:4g} | {s['right']:24.1%} | {reads8}")


def random_decode_table(stats: Stats, real_ink: float, real_grey: float) -> None:
    """Per β, on the decoded random codes: how sure the classifier is, and how the new digits
    look (ink, grey share), beside the real test digits."""
    print(tr("\nOn 500 random codes z ~ N(0, I), decoded (the second grid below):"))
    print(tr("   β | classifier: sure on average | > 90% sure |   ink | grey share"))
    for beta, s in stats.items():
        print(f"{beta:4g} | {s['conf']:27.0%} | {s['sure']:10.0%} | {s['ink']:5.3f} | {s['grey']:10.0%}")
    print(tr("real |                             |            | {ink:5.3f} | {grey:10.0%}   (the 10,000 test digits)",
             ink=real_ink, grey=real_grey))


def reconstruction_grid(test_x: torch.Tensor, test_y: torch.Tensor, stats: Stats) -> None:
    """The first eight test digits, then each model's reconstruction of them, one row per β."""
    show_images(torch.cat([test_x[:8]] + [s["recons"] for s in stats.values()]), nrow=8,
                row_labels=[label("test digit")] + [f"β = {b:g}" for b in stats],
                col_labels=[str(int(y)) for y in test_y[:8]], title=label("reconstructions: decode of μ"))
    plt.show()


def random_decode_grid(stats: Stats) -> None:
    """The same eight random codes, decoded by each model: one row per β."""
    show_images(torch.cat([s["samples"] for s in stats.values()]), nrow=8,
                row_labels=[f"β = {b:g}" for b in stats], col_labels=[f"z{i + 1}" for i in range(8)],
                title=label("decodes of the same random codes z ~ N(0, I)"))
    plt.show()


def kl_panels(stats: Stats) -> None:
    """The KL per latent dimension of each model side by side, the 0.1-nat line in each: which
    dimensions each β keeps active. β = 0's KL is so large that its panel has its own log scale;
    the others share one linear scale, so their bars compare by height."""
    fig, axes = plt.subplots(1, len(stats), figsize=(11, 3.4))
    top = 1.1 * max(s["kl_dims"].max().item() for b, s in stats.items() if b > 0)
    for ax, (beta, s) in zip(axes, stats.items()):
        plot_kl_per_dimension(s["kl_dims"], ax=ax,
                              title=label("β = {beta:g}: {active} active", beta=beta, active=s["active"]))
        threshold_line(ax)
        ax.set(xticks=range(0, 20, 5), ylabel=label("nats"))
        if beta > 0:
            ax.set_ylim(0, top)
    axes[0].set_yscale("log")
    axes[0].set_title(label("β = {beta:g}: {active} active (log scale)", beta=0, active=stats[0.0]["active"]))
    fig.suptitle(label("KL per latent dimension (dashed: 0.1 nats; active above, inactive below)"))
    fig.tight_layout()
    plt.show()


def most_varied(mu: torch.Tensor, k: int = 2) -> list[int]:
    """The k dimensions in which μ varies most over the images: the ones the model uses most
    (a large KL alone can also come from a tiny σ)."""
    return mu.var(0).argsort(descending=True)[:k].tolist()


def memory_maps(stats: Stats, test_y: torch.Tensor, z_length: torch.Tensor,
                points: int = MAP_POINTS) -> dict[float, float]:
    """Where the memories sit, per β (a column). Top: in all 20 dimensions, the distance ‖μ‖ of
    every memory from the centre, beside the lengths ‖z‖ of the random codes (one shared axis).
    Bottom: the centres μ of the first test digits in the model's two most varied dimensions,
    coloured by digit, with the circle that holds 86% of z ~ N(0, I) in two dimensions (radius 2).
    Prints and returns, per β, the share of those memories inside the circle."""
    fig, axes = plt.subplots(2, len(stats), figsize=(12.5, 7.8), layout="constrained",
                             gridspec_kw={"height_ratios": (1, 1.7)})
    lengths = {b: s["mu"].norm(dim=1).cpu() for b, s in stats.items()}
    bins = torch.linspace(0, max(v.max().item() for v in lengths.values()) * 1.02, 60)
    pairs = {b: most_varied(s["mu"]) for b, s in stats.items()}
    shown = {b: s["mu"][:points, pairs[b]].cpu() for b, s in stats.items()}
    colours = plt.get_cmap("tab10")
    for hist, ax, (beta, xy) in zip(axes[0], axes[1], shown.items()):
        hist.hist(z_length.cpu(), bins=bins, density=True, color="0.6", label=label("random codes ‖z‖"))
        hist.hist(lengths[beta], bins=bins, density=True, color="tab:blue", alpha=0.75,
                  label=label("memories ‖μ‖"))
        hist.set(title=label("β = {beta:g}: all 20 dimensions", beta=beta),
                 xlabel=label("distance from the centre"), yticks=[])
        for digit in range(10):
            here = test_y[:points].cpu() == digit
            ax.scatter(xy[here, 0], xy[here, 1], s=22, color=colours(digit), alpha=0.85, linewidths=0,
                       label=str(digit))
        ax.add_patch(Circle((0, 0), 2, fill=False, ls="--", ec="black", lw=2.5))
        ax.set(xlim=(-4, 4), ylim=(-4, 4), xlabel=f"z[{pairs[beta][0]}]", ylabel=f"z[{pairs[beta][1]}]",
               title=label("β = {beta:g}: two of the 20 dimensions", beta=beta))
        ax.set_aspect("equal")
    axes[0, 0].legend(loc="upper right", frameon=False)
    axes[1, -1].legend(title=label("digit"), loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False,
                       markerscale=1.8)
    axes[1, 0].plot([], [], ls="--", color="black", lw=2.5, label=label("86% of z ~ N(0, I)"))
    fig.legend(handles=axes[1, 0].get_legend_handles_labels()[0][-1:], loc="outside lower center", frameon=False)
    fig.suptitle(label("where the memories sit: top, how far each lies from the centre in all 20 dimensions;\n"
                       "bottom, μ of {n:,} test digits in the two dimensions where μ varies most", n=points))
    plt.show()
    inside = {b: (xy.norm(dim=1) < 2).float().mean().item() for b, xy in shown.items()}
    (first, share), *rest = inside.items()
    shares = tr("β = {beta:g}: {share:.1%}", beta=first, share=share)
    shares += "".join(tr(", β = {beta:g}: {share:.1%}", beta=b, share=v) for b, v in rest)
    print(tr("Memories inside the dashed circle, in the two dimensions drawn: {shares}", shares=shares))
    return inside


def prediction_answers(stats: Stats) -> None:
    """The answers to the lesson's prediction, read off the measurements."""
    def lowest(score: Callable[[dict], float]) -> str:
        return "β = {:g}".format(min(stats, key=lambda b: score(stats[b])))

    print(tr("Answers to the prediction:\n  lowest BCE: {bce}\n  lowest BCE + KL: {bound}\n"
             "  fewest active dimensions: {active}\n  random decodes the classifier is least sure of: {conf}\n",
             bce=lowest(lambda s: s["bce"]), bound=lowest(lambda s: s["bce"] + s["kl"]),
             active=lowest(lambda s: s["active"]), conf=lowest(lambda s: s["conf"])))


def redraw_results(plain: torch.Tensor, tries: dict[str, torch.Tensor], change: dict[str, float],
                   flips: dict[str, float], n_inactive: int, weakest: int, strongest: int,
                   test_y: torch.Tensor) -> None:
    """What redrawing dimensions of β = 8's codes does: the average change of a pixel and how
    often the classifier reads another digit, then the first eight digits each way."""
    names = {"inactive": tr("all {n} inactive", n=n_inactive),
             "weakest": tr("active z[{d}] (least used)", d=weakest),
             "strongest": tr("active z[{d}] (most used)", d=strongest)}
    print(tr("β = 8, first 500 test digits. Redrawn at random:"))
    print(tr("                             | average change of a pixel | the classifier now reads another digit"))
    for key, name in names.items():
        print(tr("{name:>28} | {change:25.4f} | {flip:.0%}", name=name, change=change[key], flip=flips[key]))
    rows = [label("decode of μ"), label("{n} inactive\nredrawn", n=n_inactive),
            label("z[{d}] redrawn\n(least used)", d=weakest), label("z[{d}] redrawn\n(most used)", d=strongest)]
    show_images(torch.cat([plain[:8]] + [tries[key][:8] for key in names]), nrow=8, row_labels=rows,
                col_labels=[str(int(y)) for y in test_y[:8]],
                title=label("β = 8: which dimensions does the painter use?"))
    plt.show()
