"""The figures and tables of lesson 01_bottleneck (notebooks/01_bottleneck.ipynb).

The lesson's cells keep what it teaches in view (PCA's fit, the autoencoders' training, the
error per extra number, the classifier's read rate, the jumpiness of a repainting); the layout
of its pictures and the columns of its tables live here, so a cell is the idea and one call.
Methods are named "PCA" and "autoencoder" (the keys of the lesson's dictionaries); the
printed and drawn text goes through `tr` / `label`, with its Chinese in 01_bottleneck.json.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ..i18n import tr
from ..models import Classifier
from ..plotting import label, show_images

Errors = Mapping[int, float]  # capsule size k -> a score (error, read rate, jumpiness)
METHODS = ("PCA", "autoencoder")


def _shown(method: str) -> str:
    """A method's name as the learner reads it ("PCA" is "PCA" in every language)."""
    return tr("autoencoder") if method == "autoencoder" else method


def test_digits(digits: torch.Tensor, labels: Sequence[int]) -> Figure:
    """The 8 test digits every figure of the lesson repaints, each labelled with its digit, so
    the learner knows what the repaintings should look like."""
    ax = show_images(digits, nrow=len(digits), title=label("eight test digits (label on top), 784 numbers each"),
                     row_labels=[label("original")], col_labels=[str(d) for d in labels])
    return ax.figure


def pca_directions(mean: torch.Tensor, components: torch.Tensor) -> Figure:
    """The average digit and PCA's directions (the columns of `components`) as pictures.

    A direction has positive and negative entries, so it is drawn with 0 as grey, + lighter and
    - darker, each scaled to its own largest entry: the learner sees where moving along it adds
    ink and where it takes ink away."""
    directions = components.T
    tiles = torch.cat([mean[None], 0.5 + directions / (2 * directions.abs().amax(dim=1, keepdim=True))])
    names = [label("mean")] + [label("dir {i}", i=i) for i in range(1, len(directions) + 1)]
    ax = show_images(tiles, nrow=len(tiles), row_labels=["PCA"], col_labels=names,
                     title=label("the average digit (black = 0) and PCA's first {n} directions (grey = 0)",
                                 n=len(directions)))
    return ax.figure


def error_and_lead(pca_error: Errors, ae_error: Errors, lead: Errors, epochs: int) -> Figure:
    """Left, both methods' test error by capsule size (a log axis, so 2 and 50 both show);
    right, the autoencoder's lead over PCA in percent, orange where it wins, blue where it
    loses: the two questions the learner guessed before training."""
    sizes = list(pca_error)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    left.plot(sizes, [pca_error[k] for k in sizes], "o-", label=label("PCA (linear)"))
    left.plot(sizes, [ae_error[k] for k in sizes], "s-", label=label("autoencoder ({epochs} epochs)", epochs=epochs))
    left.set_xscale("log")
    left.set_xticks(sizes, labels=[str(k) for k in sizes])
    left.minorticks_off()
    left.set(xlabel=label("capsule size k (numbers)"), ylabel=label("MSE per pixel (test)"),
             title=label("reconstruction error"))
    left.legend()
    right.bar([str(k) for k in sizes], [100 * lead[k] for k in sizes],
              color=["tab:orange" if lead[k] > 0 else "tab:blue" for k in sizes])
    right.axhline(0, color="black", linewidth=0.8)
    right.set(xlabel=label("capsule size k (numbers)"), ylabel=label("% less error than PCA"),
              title=label("the autoencoder's lead"))
    fig.tight_layout()
    return fig


def returns_table(sizes: Sequence[int], per_number: Mapping[str, Sequence[float]],
                  cuts: Mapping[str, tuple[float, float]]) -> None:
    """Print, per method, the error each step to a bigger capsule cuts per extra number, and
    the two totals (2 -> 10 and 10 -> 50) the lesson's diminishing-returns claims compare."""
    steps = list(zip(sizes, sizes[1:]))
    for name in per_number:
        cut = ", ".join(f"{a} -> {b}: {p:.5f}" for (a, b), p in zip(steps, per_number[name]))
        print(tr("{name}: error cut per extra number, {steps}", name=_shown(name), steps=cut))
        print(tr("             in total, 2 -> 10 numbers: {first:.4f}, 10 -> 50 numbers: {rest:.4f}",
                 first=cuts[name][0], rest=cuts[name][1]))


def _by_size(pca: Errors, ae: Errors, row: Callable[[int, float, float], str]) -> None:
    """Print a table with one row per capsule size and a column per method."""
    print(tr(" k     PCA   autoencoder"))
    for k in pca:
        print(row(k, pca[k], ae[k]))


def read_table(n: int, original: float, pca_read: Errors, ae_read: Errors) -> None:
    """Print how many of `n` test digits the classifier reads right, per method and size,
    beside its rate on the originals (the best a repainting can hope for)."""
    print(tr("read right by the classifier, of {n} test digits (the originals: {rate:.0%})", n=n, rate=original))
    _by_size(pca_read, ae_read, lambda k, p, a: f"{k:2d}    {p:4.0%}      {a:4.0%}")


def jump_table(n: int, original: float, pca_jump: Errors, ae_jump: Errors) -> None:
    """Print the jumpiness (sharpness) of each method's repaintings by size, beside the
    originals', so the learner sees how much sharper the originals still are."""
    print(tr("jumpiness of the {n} originals: {jump:.3f}", n=n, jump=original))
    _by_size(pca_jump, ae_jump, lambda k, p, a: f"{k:2d}    {p:.3f}     {a:.3f}")


def misread(judge: Classifier, labels: Sequence[int],
            repaintings: Mapping[str, Mapping[int, torch.Tensor]]) -> dict[tuple[str, int], int]:
    """Let the classifier `judge` read the figures' digits as each method repaints them at each
    size; print the ones it misreads (column, true digit, its guess) and return how many of them
    it reads right, by (method, size): the widget's row labels show these counts."""
    print(tr("\nmisread among the 8 digits of the figures:"))
    read_ok, lines = {}, []
    for name, by_size in repaintings.items():
        for k, images in by_size.items():
            guesses = judge.predict(images).tolist()
            wrong = [tr("the {digit} in column {column} as {guess}", digit=t, column=i + 1, guess=g)
                     for i, (t, g) in enumerate(zip(labels, guesses)) if t != g]
            read_ok[name, k] = len(labels) - len(wrong)
            if wrong:
                lines.append(tr("  {name}, {k} numbers: {wrong}", name=_shown(name), k=k, wrong=tr("; ").join(wrong)))
    print("\n".join(lines) or tr("  none"))
    return read_ok


def repaint_grid(fig: Figure, k: int, digits: torch.Tensor, labels: Sequence[int],
                 repaintings: Mapping[str, Mapping[int, torch.Tensor]],
                 read_ok: Mapping[tuple[str, int], int], errors: Mapping[str, Errors]) -> str:
    """Draw, into the live widget's figure, the 8 digits over PCA's and the autoencoder's
    repaintings from a capsule of `k` numbers, each row labelled with how many the classifier
    reads right; return the line under the widget (also the snapshot's panel title)."""
    ax = fig.add_subplot(1, 1, 1)
    rows = [label("original")] + [label("PCA\n{n}/8 read", n=read_ok["PCA", k]),
                                  label("autoencoder\n{n}/8 read", n=read_ok["autoencoder", k])]
    show_images(torch.cat([digits] + [repaintings[name][k] for name in METHODS]), nrow=len(digits), ax=ax,
                col_labels=[str(d) for d in labels], row_labels=rows)
    fig.tight_layout()
    return label("{ratio:.0f}x smaller; MSE per pixel: PCA {pca:.4f}, autoencoder {ae:.4f}",
                 ratio=784 / k, pca=errors["PCA"][k], ae=errors["autoencoder"][k])
