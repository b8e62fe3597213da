"""The figures and tables of lesson 01_bottleneck (notebooks/01_bottleneck.ipynb).

The lesson's cells keep what it teaches in view (PCA's fit, the autoencoders' training, the
error per extra number, the classifier's read rate, the grey share and background brightness
of a repainting); the layout of its pictures and the columns of its tables live here, so a
cell is the idea and one call.
Methods are named "PCA" and "autoencoder" (the keys of the lesson's dictionaries); the
printed and drawn text goes through `tr` / `label`, with its Chinese in 01_bottleneck.json.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..i18n import tr
from ..models import Classifier
from ..plotting import DPI, label, show_images

Errors = Mapping[int, float]  # capsule size k -> a score (error, read rate)
METHODS = ("PCA", "autoencoder")


def _shown(method: str) -> str:
    """A method's name as the learner reads it ("PCA" is "PCA" in every language)."""
    return tr("autoencoder") if method == "autoencoder" else method


STRIP_SCALE = 3  # screen pixels per digit pixel in the lesson's two strips: legible from the back row


def _strip(tiles: torch.Tensor, col_labels: Sequence[str], title: str, row_label: str | None = None) -> Figure:
    """One row of digit tiles at STRIP_SCALE x their native size (at the lessons' DPI), with
    12 pt column labels and a 13 pt title: a strip a class reads on a projector."""
    width, height = STRIP_SCALE * (30 * len(tiles) + 2) / DPI, STRIP_SCALE * 32 / DPI  # inches
    left = 0.9 if row_label else 0.1
    fig = plt.figure(figsize=(left + width + 0.1, height + 1.05))
    ax = fig.add_axes((left / (left + width + 0.1), 0.05 / (height + 1.05),
                       width / (left + width + 0.1), height / (height + 1.05)))
    show_images(tiles, nrow=len(tiles), ax=ax, col_labels=col_labels,
                row_labels=[row_label] if row_label else None)
    ax.tick_params(labelsize=12)
    ax.set_title(title, fontsize=13, pad=28)
    return fig


def test_digits(digits: torch.Tensor, labels: Sequence[int]) -> Figure:
    """The 8 test digits every figure of the lesson repaints, each labelled with its digit, so
    the learner knows what the repaintings should look like."""
    return _strip(digits, [str(d) for d in labels],
                  label("eight test digits (label on top), 784 numbers each"))


def pca_directions(mean: torch.Tensor, components: torch.Tensor) -> Figure:
    """The average digit and PCA's directions (the columns of `components`) as pictures.

    A direction has positive and negative entries, so it is drawn with 0 as grey, + lighter and
    - darker, each scaled to its own largest entry: the learner sees where moving along it adds
    ink and where it takes ink away."""
    directions = components.T
    tiles = torch.cat([mean[None], 0.5 + directions / (2 * directions.abs().amax(dim=1, keepdim=True))])
    names = [label("mean")] + [label("dir {i}", i=i) for i in range(1, len(directions) + 1)]
    title = label("the average digit (black = 0, white = 1) and PCA's first {n} directions\n"
                  "(grey = 0, lighter +, darker -, each to its own scale; a direction's sign is arbitrary)",
                  n=len(directions))
    return _strip(tiles, names, title, row_label="PCA")


def error_and_lead(pca_error: Errors, ae_error: Errors, lead: Errors, epochs: int,
                   black: float | None = None, average: float | None = None) -> Figure:
    """Left, both methods' test error by capsule size (a log axis, so 2 and 50 both show),
    with two scores for scale as labelled dashed lines (an all-black image's error, `black`,
    and the average digit's, `average`: a capsule of 0 numbers); right,
    the autoencoder's lead over PCA in percent, each bar labelled with its value and coloured
    by the winner (orange, the autoencoder's colour on the left; blue, PCA's): the two
    questions the learner guessed before training."""
    sizes = list(pca_error)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(sizes, [pca_error[k] for k in sizes], "o-", label=label("PCA (linear)"))
    left.plot(sizes, [ae_error[k] for k in sizes], "s-", label=label("autoencoder ({epochs} epochs)", epochs=epochs))
    for name, value in ((label("all black"), black), (label("average digit"), average)):
        if value is None:
            continue
        left.axhline(value, color="grey", linestyle="--", linewidth=1)
        left.annotate(name, (sizes[-1], value), xytext=(0, 3), textcoords="offset points",
                      ha="right", va="bottom", fontsize=10, color="dimgrey")
    top = max(v for v in (black, average, *pca_error.values(), *ae_error.values()) if v is not None)
    left.set_xscale("log")
    left.set_xticks(sizes, labels=[str(k) for k in sizes])
    left.minorticks_off()
    left.set(xlabel=label("capsule size k (numbers, log scale)"), ylabel=label("MSE per pixel (test)"),
             title=label("reconstruction error"), ylim=(0, 1.15 * top))
    left.legend(loc="upper left", bbox_to_anchor=(0, 0.86))
    bars = right.bar([str(k) for k in sizes], [100 * lead[k] for k in sizes],
                     color=["tab:orange" if lead[k] > 0 else "tab:blue" for k in sizes])
    right.bar_label(bars, labels=[f"{lead[k]:.0%}" for k in sizes], padding=2, fontsize=10)
    right.margins(y=0.25)
    right.axhline(0, color="black", linewidth=0.8)
    right.legend(handles=[Patch(color="tab:orange", label=label("autoencoder better")),
                          Patch(color="tab:blue", label=label("PCA better"))], loc="upper left")
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
        cut = tr("; ").join(tr("{a} -> {b}: {p:.5f}", a=a, b=b, p=p)
                            for (a, b), p in zip(steps, per_number[name]))
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


def sharpness_table(n: int, original: tuple[float, float], pca: Mapping[int, tuple[float, float]],
                    ae: Mapping[int, tuple[float, float]]) -> None:
    """Print, per capsule size, each method's grey share and background brightness (a pair per
    method and size), beside the originals': how blurred and how ghostly its repaintings are."""
    print(tr("sharpness of {n} test digits: grey share (of the inked pixels, the grey ones) and "
             "background brightness (where the original is black)", n=n))
    print(tr("originals: grey share {grey:.2f}, background {background:.3f}",
             grey=original[0], background=original[1]))
    print(tr(" k   grey share: PCA  autoencoder   background: PCA  autoencoder"))
    for k in pca:
        print(f"{k:2d}               {pca[k][0]:.2f}     {ae[k][0]:.2f}                {pca[k][1]:.3f}     {ae[k][1]:.3f}")


def misread(judge: Classifier, labels: Sequence[int],
            repaintings: Mapping[str, Mapping[int, torch.Tensor]]) -> dict[tuple[str, int], int]:
    """Let the classifier `judge` read the figures' digits as each method repaints them at each
    size; print the ones it misreads (column, true digit, its guess) and return how many of them
    it reads right, by (method, size): the widget's row labels show these counts."""
    read_ok, lines = {}, [tr("misread among the 8 digits of the figures:")]
    for name, by_size in repaintings.items():
        for k, images in by_size.items():
            guesses = judge.predict(images).tolist()
            wrong = [tr("the {digit} in column {column} as {guess}", digit=t, column=i + 1, guess=g)
                     for i, (t, g) in enumerate(zip(labels, guesses)) if t != g]
            read_ok[name, k] = len(labels) - len(wrong)
            lines.append(tr("  {name}, {k} numbers: {wrong}", name=_shown(name), k=k,
                            wrong=tr("; ").join(wrong) or tr("none")))
    print("\n".join(lines))
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
