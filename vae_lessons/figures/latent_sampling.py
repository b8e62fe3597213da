"""The figures and tables of lesson 06_latent_sampling (notebooks/06_latent_sampling.ipynb).

The lesson's cells keep what they teach: drawing codes from the prior, the norm of a code, the
line and the arc between two codes, a traversal, the lab and the measurements behind each
claim. What only lays out a picture, formats a table, builds controls or films the lab lives here,
so that a cell reads as the idea and one call. Figure text goes through `label`, printed text
through `tr`; their Chinese is in translations/zh/06_latent_sampling.json. The measurements
that carry no text, and the drawing of the lab as a still picture (its words passed in from
here), are in `latent_sampling_lab`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

import ipywidgets as W
import matplotlib.pyplot as plt
import torch
from matplotlib import patheffects
from matplotlib.figure import Figure

from ..i18n import tr
from ..models import VAE
from ..plotting import grid, label, show_images
from .latent_sampling_lab import (draw_lab, enlarged, ink_and_slant, mid_grey, norm_and_judge,  # the lesson
                                  on_screen, same_digit_pairs, same_digit_share, traversal_change)  # calls these too

if TYPE_CHECKING:
    from ..widgets import LatentExplorer

Judge = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]  # images -> (confidence, label)


def samples_and_reconstructions(samples: torch.Tensor, recon: torch.Tensor) -> None:
    """Ten prior draws, then ten reconstructions, in two separate strips: the gap the lesson explains."""
    show_images(samples[:10], nrow=10, row_labels=["decode(z)"], title=label("ten draws z from the prior"))
    show_images(recon[:10], nrow=10, row_labels=["decode(μ)"], col_labels=[f"#{k}" for k in range(10)],
                title=label("test digits #0–9, reconstructed"))
    plt.show()


def pushed_draws(pushed: dict[int, torch.Tensor], judge: Judge) -> None:
    """The first ten prior draws at each scale s, one strip per s, each tile headed by the
    judge's label and confidence: do far-out codes paint blobs?"""
    fig, axes = plt.subplots(len(pushed), 1, figsize=(8.9, 1.45 * len(pushed) + 0.5))
    for ax, (s, images) in zip(axes, pushed.items()):
        sure, said = judge(images[:10])
        show_images(images[:10], ax=ax, row_labels=["decode(z)" if s == 1 else label("decode({s}·z)", s=s)],
                    col_labels=[f"{d} ({c:.2f})" for d, c in zip(said.tolist(), sure.tolist())])
    fig.suptitle(label("prior draws 0–9, pushed further out; above each: the judge's label (confidence)"))
    fig.tight_layout()
    plt.show()


def pushed_scores(pushed: dict[int, torch.Tensor], judge: Judge, first_labels: torch.Tensor) -> dict[int, dict]:
    """Score the draws at each scale s and print one row per s: the judge's mean confidence,
    the share of draws it labels as at 1·z, and the share of mid-grey pixels (0.2 to 0.8,
    neither ink nor paper: a blurry picture has many). Returns {s: {"conf", "same", "grey"}}."""
    scored = {}
    for s, images in pushed.items():
        conf, said = judge(images)
        scored[s] = dict(conf=conf.mean().item(), same=(said == first_labels).float().mean().item(),
                         grey=mid_grey(images))
    print(tr("over {n} draws: the judge's mean confidence, the share with the same label as at 1·z, "
             "and the share of mid-grey pixels (0.2 to 0.8)", n=len(first_labels)))
    print(tr("scale | confidence | same label | mid-grey"))
    for s, row in scored.items():
        print(f"  {s}·z | {row['conf']:10.2f} | {row['same']:10.0%} | {row['grey']:8.1%}")
    return scored


def norm_histogram(prior_norms: torch.Tensor, mu_norms: torch.Tensor, dim: int) -> None:
    """How far from the centre codes lie: prior draws and the test digits' μ, with √dim marked,
    then a line about each. Both histograms share the bins, so the two shells compare by eye."""
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    bins = torch.linspace(0, 9, 46).tolist()
    ax.hist(prior_norms, bins=bins, alpha=0.6, label="‖z‖, z ~ N(0, I)")
    ax.hist(mu_norms, bins=bins, alpha=0.6, label=label("‖μ‖, test digits"))
    ax.axvline(dim ** 0.5, color="k", ls="--", label=f"√{dim}")
    ax.set(xlabel=label("distance from the centre"), ylabel=label("codes (of 10,000)"))
    ax.legend(loc="upper right")
    plt.tight_layout()
    plt.show()
    norm_summary(tr("prior draws z"), prior_norms)
    norm_summary(tr("test digits' μ"), mu_norms)


def norm_summary(name: str, norms: torch.Tensor) -> None:
    """One line about a set of norms: its mean, where 99% of it lies (as the lab's meter), and its share near the centre."""
    print(tr("{name:15s} ‖·‖: mean {mean:.2f}, 99% between {low:.2f} and {high:.2f}, below 2.5: {near:.2%}",
             name=name, mean=norms.mean(), low=norms.quantile(0.005), high=norms.quantile(0.995),
             near=(norms < 2.5).float().mean()))


def shrink_rows(shrunk: dict[float, torch.Tensor], digits: torch.Tensor, rows: int = 5) -> None:
    """decode(s·μ) of the first `rows` test digits: one digit per row, one s per column, from its
    own decode (s = 1) to decode(0), the same picture in every row."""
    images = torch.stack([shrunk[s][k] for k in range(rows) for s in shrunk])
    show_images(images, nrow=len(shrunk), col_labels=[f"s = {s:g}" for s in shrunk],
                row_labels=[label("#{k} (a {digit})", k=k, digit=int(digits[k])) for k in range(rows)],
                title=label("decode(s·μ): one test digit per row,\nits code shrunk towards 0 by the factor s"))
    plt.show()


def shrink_table(shrunk: dict[float, torch.Tensor], judge: Judge, digits: torch.Tensor) -> dict[float, dict]:
    """decode(s·μ) of n test digits, a row per s: the judge's mean confidence, the share it reads
    as the code's own digit, the share of mid-grey pixels; then what decode(0), every digit's
    picture at s = 0, is read as. Returns {s: {"conf", "kept", "grey"}}, and "centre": decode(0)'s
    label and the judge's confidence in it."""
    scored = {}
    for s, images in shrunk.items():
        conf, said = judge(images)
        scored[s] = dict(conf=conf.mean().item(), kept=(said == digits).float().mean().item(), grey=mid_grey(images))
    scored["centre"] = dict(digit=said[0].item(), conf=conf[0].item())  # s = 0 comes last: one picture for all
    print(tr("decode(s·μ) of {n} test digits: the judge's mean confidence, the share it reads as the digit "
             "the code came from, and the share of mid-grey pixels (0.2 to 0.8)", n=len(digits)))
    print(tr("  s    | confidence | its own digit | mid-grey"))
    for s in shrunk:
        print(f"  {s:<5}| {scored[s]['conf']:10.2f} | {scored[s]['kept']:13.0%} | {scored[s]['grey']:8.1%}")
    print(tr("(s = 0 is one picture, decode(0), the same for every digit: the judge reads it as {digit}, "
             "with confidence {conf:.2f})", **scored["centre"]))
    return scored


def morph_grid(pictures: dict[str, torch.Tensor], t: torch.Tensor, a: int, b: int, digits: torch.Tensor) -> None:
    """The three morphs from test digit #a to #b, one row each (line, arc, pixel fade), one
    column per step t: the same steps side by side, so the three ways can be compared."""
    steps = [f"{v:.1f}" for v in t.squeeze(1).tolist()]
    show_images(torch.cat([pictures["line"], pictures["arc"], pictures["pixels"]]), nrow=len(steps),
                row_labels=[label("line"), label("arc (slerp)"), label("pixel fade")], col_labels=steps,
                title=label("test digit #{a} (a {da}) to #{b} (a {db}); columns: t", a=a, da=digits[a], b=b,
                            db=digits[b]))
    plt.show()


def morph_table(t: torch.Tensor, codes: dict[str, torch.Tensor], pictures: dict[str, torch.Tensor],
                judge: Judge) -> dict[str, torch.Tensor]:
    """Under the morph grid, column for column: each step's ‖z‖ on the line and on the arc, and
    the judge's confidence in each decoded step (returned, per path)."""
    sure_on = {name: judge(pictures[name])[0] for name in ("line", "arc")}
    print("t              ", " ".join(f"{v:4.1f}" for v in t.squeeze(1).tolist()))
    path = {"line": tr("line"), "arc": tr("arc")}  # the paths' names, in the language in force
    for name in ("line", "arc"):
        norms = codes[name].norm(dim=1).tolist()
        print(tr("‖z‖ on {path:8s}", path=path[name]), " ".join(f"{v:4.1f}" for v in norms))
    for name in ("line", "arc"):
        print(tr("judge, {path:8s}", path=path[name]), " ".join(f"{v:4.2f}" for v in sure_on[name].tolist()))
    return sure_on


def morph_controls(a: int, b: int, digits: int) -> dict[str, W.ValueWidget]:
    """The morph widget's controls: two test digits' numbers (0 to digits − 1), the step t (0 to 1)."""
    number = dict(min=0, max=digits - 1, layout=W.Layout(width="160px"))
    return {"a": W.BoundedIntText(value=a, description=tr("from #"), **number),
            "b": W.BoundedIntText(value=b, description=tr("to #"), **number),
            "t": W.FloatSlider(value=0.5, min=0, max=1, step=0.1, description="t")}


def morph_panels(fig: Figure, codes: dict[str, torch.Tensor], pictures: dict[str, torch.Tensor], judge: Judge) -> None:
    """The morph widget's picture: the three paths at one step, each titled with its ‖z‖ (for the
    two latent paths) and the judge's confidence."""
    titles = {"line": label("line"), "arc": label("arc"), "pixels": label("pixels")}
    for k, name in enumerate(["line", "arc", "pixels"]):
        ax = fig.add_subplot(1, 3, k + 1)
        ax.imshow(pictures[name][0].reshape(28, 28).cpu(), vmin=0, vmax=1)
        sure = judge(pictures[name])[0].item()
        size = f"‖z‖ {codes[name][0].norm():.1f}\n" if name in codes else "\n"
        ax.set_title(f"{titles[name]}\n{size}{label('judge')} {sure:.2f}")
        ax.set_axis_off()
    fig.tight_layout()


def midpoint_report(model: VAE, judge: Judge, mid: dict[str, torch.Tensor], ends: torch.Tensor, fades: torch.Tensor
                    ) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """The midpoints of many pairs, averaged: how far from the centre, and how sure the judge is
    of the ends, of the line's and the arc's midpoints, and of the pixel fade's. Returns the
    judge's confidences: {path: midpoints}, ends, fades."""
    with torch.no_grad():
        sure = {name: judge(model.decode(codes))[0] for name, codes in mid.items()}
        end_sure = judge(model.decode(ends))[0]
    fade_sure = judge(fades)[0]
    pairs = len(mid["line"])
    print(tr("{n} pairs of different digits, mean over pairs:", n=pairs))
    print(tr("  ‖z‖: ends {ends:.2f}, line midpoint {line:.2f}, arc midpoint {arc:.2f}",
             ends=ends.norm(dim=1).mean(), line=mid["line"].norm(dim=1).mean(), arc=mid["arc"].norm(dim=1).mean()))
    print(tr("  judge's confidence: ends {ends:.2f}, line midpoint {line:.2f}, arc midpoint {arc:.2f} "
             "(arc surer in {wins:.0%} of pairs); pixel fade midpoint {fade:.2f} "
             "(above 0.9 for {clear:.0%} of the fades)",
             ends=end_sure.mean(), line=sure["line"].mean(), arc=sure["arc"].mean(),
             wins=(sure["arc"] > sure["line"]).float().mean(), fade=fade_sure.mean(),
             clear=(fade_sure > 0.9).float().mean()))
    return sure, end_sure, fade_sure


def traversal_grid(rows: torch.Tensor, dims: list[int], kl_per_dim: torch.Tensor, digit: torch.Tensor) -> None:
    """Traversal rows (dimensions, 7 steps, 784) of test digit #0, each labelled with its
    dimension and its KL; columns: the value given to that dimension, from −3 to +3."""
    show_images(rows.reshape(-1, 784), nrow=rows.shape[1], row_labels=[f"z[{i}]  KL {kl_per_dim[i]:.1f} " + label("nats") for i in dims],
                col_labels=["−3", "−2", "−1", "0", "+1", "+2", "+3"],
                title=label("test digit #0 (a {digit}); each row sets one z[i] to the column's value", digit=digit))
    plt.show()


def traversal_table(dims: list[int], kl_per_dim: torch.Tensor, change: torch.Tensor, labels: list[list[int]],
                    ink: torch.Tensor, slant: torch.Tensor) -> None:
    """One row per shown dimension: its KL, how much the picture changes from −3 to +3, the
    judge's label at each step, and the ink and slant at both ends."""
    print(tr("dim    KL   change | judge's label from -3 to +3 | ink -3 → +3 | slant -3 → +3"))
    for r, i in enumerate(dims):
        print(f"z[{i:2d}] {kl_per_dim[i]:4.1f}  {change[i]:.3f}  | {' '.join(map(str, labels[r]))} "
              f"| {ink[r, 0]:4.0f} → {ink[r, -1]:4.0f} | {slant[r, 0]:+.2f} → {slant[r, -1]:+.2f}")


def seen_doing(dims: list[int], labels: list[list[int]], ink: torch.Tensor, slant: torch.Tensor) -> dict[int, str]:
    """The words for what each traversal row was measured doing, for the lab's sliders: "which
    digit" when the judge's label changes along the row, else "slant" when the slant changes
    clearly (by over 0.3) and more than the ink, else "stroke weight (and shape)" when one end has over 1.5
    times the ink of the other, else nothing. The lab shows what this run measured, never a word
    typed in."""
    seen = {}
    for r, i in enumerate(dims):
        ratio = (max(ink[r, 0], ink[r, -1]) / min(ink[r, 0], ink[r, -1])).item()
        tilt = abs(slant[r, -1] - slant[r, 0]).item() / 0.3  # above 1: a clear change of slant
        seen[i] = (tr("which digit") if len(set(labels[r])) > 1 else tr("slant") if tilt > max(1, ratio / 1.5)
                   else tr("stroke weight (and shape)") if ratio > 1.5 else "")
    return seen


def lab_picture(lab: LatentExplorer, title: str) -> None:
    """The lab as one still picture, for readers without a live kernel (GitHub, a projector): the
    digit it started from, the live decode with the ‖z‖ meter and its words as the lab shows
    them, and the 20 sliders where they stand, most used first, each with its KL bar and word."""
    def plain(html: str) -> str:  # a widget's words, without their HTML
        return " ".join(re.sub(r"<[^>]+>", " ", html).split())

    texts = {"original": plain(lab.original_caption.value), "decode": label("live decode"),
             "meter": plain(lab.meter.value), "sliders": label("the 20 sliders, most used first (bar: KL in nats)")}
    draw_lab(lab, texts, title)


class LabFilm:
    """Snapshots of the latent lab as a cell drives it: the picture it shows at each moment and
    the meter's ‖z‖. It lets GitHub and nbviewer readers, where widgets do not run, see the lab
    in use, and lets the lesson check what the lab showed."""

    def __init__(self, lab: LatentExplorer) -> None:
        self.lab = lab
        self.frames: list[tuple[str, torch.Tensor, float | None]] = []  # (caption, picture, ‖z‖)

    def __call__(self, caption: str, original: bool = False) -> float | None:
        """Take a snapshot now: the live decode and its ‖z‖, or (original=True) the lab's
        prepared digit, which has no code of its own. Returns the ‖z‖ on the meter. A caption's
        hyphen ("= -2") is shown as a minus sign."""
        picture = on_screen(self.lab.original.value if original else self.lab.image.value)
        norm = None if original else self.lab.z.norm().item()
        self.frames.append((caption.replace("-", "−"), picture, norm))
        return norm

    @property
    def pictures(self) -> torch.Tensor:
        return torch.stack([picture for _, picture, _ in self.frames])

    def show(self, title: str) -> None:
        """The snapshots in a row, each captioned with its moment and its ‖z‖."""
        fig, ax = plt.subplots(figsize=(1.05 * len(self.frames) + 0.3, 2.6))  # tiles about 3x native size
        captions = [caption + (f"\n‖z‖ {n:.1f}" if n is not None else "\n") for caption, _, n in self.frames]
        show_images(self.pictures, nrow=len(self.frames), ax=ax, col_labels=captions)
        ax.set_title(title, pad=36)
        fig.tight_layout()
        plt.show()

    def readings(self, judge: Judge) -> torch.Tensor:
        """Print what the judge reads in each snapshot; return its labels."""
        sure, said = judge(self.pictures.to(next(self.lab.model.parameters()).device))
        print(tr("the judge reads each panel as:"))
        for (caption, _, _), s, digit in zip(self.frames, sure.tolist(), said.tolist()):
            # the caption on one line, with no space after a Chinese character
            panel = " ".join(re.sub(r"(?<=[^\x00-\x7f])\n", "", caption).split())
            print(tr("  {panel} → {digit} ({sure:.2f})", panel=panel, digit=digit, sure=s))
        return said


def two_d_map(tiles: torch.Tensor, dots: torch.Tensor, dot_labels: torch.Tensor) -> None:
    """A 2-D latent space whole, on shared axes: left, the decoder's 7 x 7 tiles over [-3, 3]²;
    right, codes of test digits coloured by digit, each digit named at the middle of its codes,
    with the prior's circles of radius 1 and 2."""
    edge = 3.5  # 7 tiles over [-3, 3], each centred on its value: -3, -2, ..., 3
    fig, (a, b) = plt.subplots(1, 2, figsize=(11.5, 5.9))
    a.imshow(grid(tiles, nrow=7, padding=0), extent=(-edge, edge, -edge, edge), vmin=0, vmax=1)
    a.set(title=label("the decoder over [−3, 3]²"))
    dots, dot_labels = dots.cpu(), dot_labels.cpu()
    b.scatter(*dots.numpy().T, c=dot_labels.numpy(), cmap="tab10", vmin=-0.5, vmax=9.5, s=14, linewidths=0,
              antialiased=False)  # crisp dots keep the saved picture small
    placed: list[tuple[float, float]] = []
    for d in range(10):  # each digit's name at the middle of its codes
        cx, cy = dots[dot_labels == d].median(0).values.tolist()
        while any(abs(cx - px) < 0.3 and abs(cy - py) < 0.3 for px, py in placed):
            cx += 0.3  # two clumps share a middle: set this name beside the other one
        placed.append((cx, cy))
        b.text(cx, cy, str(d), fontsize=15, weight="bold", ha="center", va="center",
               path_effects=[patheffects.withStroke(linewidth=3, foreground="white")])
    for radius in (1, 2):
        b.add_patch(plt.Circle((0, 0), radius, fill=False, ls="--", lw=1.5, color="k"))
    b.set(title=label("{n:,} test digits' μ, and the prior's circles", n=len(dots)))
    outside = (dots.abs() > edge).any(1).sum().item()  # codes beyond the drawn square
    b.text(0.02, 0.02, label("{k} codes lie outside this square", k=outside), transform=b.transAxes, fontsize=10)
    for ax in (a, b):
        ax.set(xlim=(-edge, edge), ylim=(-edge, edge), aspect="equal", xticks=range(-3, 4), yticks=range(-3, 4),
               xlabel="z[0]", ylabel="z[1]")
    plt.tight_layout()
    plt.show()


def two_d_report(inside: dict[int, float], same: float, conf: torch.Tensor, losses: tuple[float, float]) -> None:
    """The 2-D model's numbers: its codes within radius 1 and 2 (`inside`; the prior: 39%, 86%),
    their clumping, the judge on the painted tiles, the test loss of the 2-D and 20-D models."""
    print(tr("test codes within radius 1: {in1:.0%} (prior: 39%), within radius 2: {in2:.0%} (prior: 86%)",
             in1=inside[1], in2=inside[2]))
    print(tr("of 2,000 test codes, {same:.0%} have a nearest neighbour of the same digit (about 10% by "
             "chance: each digit is a tenth of the test set)", same=same))
    print(tr("judge on the 49 painted tiles: mean confidence {conf:.2f}, {named:.0%} above 0.5",
             conf=conf.mean(), named=(conf > 0.5).float().mean()))
    print(tr("test loss per image: 2-D model {two:.1f}, 20-D model {twenty:.1f} (lower is better)",
             two=losses[0], twenty=losses[1]))


def spread_summary(mu: torch.Tensor, var_mu: torch.Tensor, mean_sigma2: torch.Tensor) -> None:
    """Per dimension, the range over the 20 dimensions of the mean of μ, the variance of μ, the
    mean σ², and their sum (the aggregate posterior's variance), to set beside the prior's 0 and 1."""
    means, total = mu.mean(0), var_mu + mean_sigma2
    print(tr("per dimension, over the test set: mean of μ between {m0:+.2f} and {m1:+.2f}; spread (variance) of μ "
             "{v0:.2f} to {v1:.2f}, plus σ² {s0:.2f} to {s1:.2f}, total {t0:.2f} to {t1:.2f} "
             "(the prior: mean 0, variance 1)",
             m0=means.min(), m1=means.max(), v0=var_mu.min(), v1=var_mu.max(), s0=mean_sigma2.min(),
             s1=mean_sigma2.max(), t0=total.min(), t1=total.max()))


def draws_table(draws: dict[str, torch.Tensor], ref_codes: torch.Tensor, model: VAE, judge: Judge
                ) -> dict[str, tuple[float, float]]:
    """For each source of codes ("prior", "fitted", "posterior"): the median distance from a
    drawn code to the nearest of `ref_codes` (test digits' codes), and the judge's mean
    confidence in what the decoder paints from it. Prints one row each and returns them."""
    result = {}
    for source, drawn in draws.items():
        with torch.no_grad():
            conf = judge(model.decode(drawn))[0].mean().item()
        result[source] = torch.cdist(drawn, ref_codes).min(dim=1).values.median().item(), conf
    names = {"prior": tr("prior N(0, I)"), "fitted": tr("Gaussian fitted to the codes"),
             "posterior": tr("q(z|x) of real digits")}
    print(tr("\ncodes drawn from               | distance to the nearest code of 2,000 test digits | "
             "judge on decode(z)"))
    for source, (distance, conf) in result.items():
        print(tr("{name:30s} | {distance:.2f} (median) | {conf:.2f}", name=names[source], distance=distance, conf=conf))
    return result
