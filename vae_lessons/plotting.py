"""Pictures for the lessons: image grids, loss curves, and views of the latent space.

Figures are kept small (they are committed inside the notebooks). Functions that compute
pictures (`traversal`, `latent_grid`) return image tensors, so the same
pictures can go to matplotlib, a PNG file or a widget.
"""

from __future__ import annotations

import functools
import io
from typing import Sequence

import matplotlib
import matplotlib.pyplot as plt
import PIL.Image
import torch
from matplotlib.figure import Figure
from torchvision.utils import make_grid

from .i18n import language, tr
from .models import flatten_images

Images = torch.Tensor  # (N, 784) or (N, 1, 28, 28), values in [0, 1]


DPI = 96  # a point is 1/72 inch at the 96 pixels per inch of CSS: "10 pt" text is 10 pt on screen


def use_lesson_style() -> None:
    """Figures a class can read on a projector: text at 10 pt or more, crisp pixels.

    Figures stay small in inches (they are committed inside the notebooks) but never shrink
    their text below 10 pt; `show_images` draws each 28x28 digit at 2x its size or more.
    """
    matplotlib.rcParams.update({"figure.figsize": (6, 3), "figure.dpi": DPI, "savefig.dpi": DPI,
                                "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11,
                                "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
                                "figure.titlesize": 12,
                                "image.cmap": "gray", "image.interpolation": "nearest"})
    _register_compact_png()
    if language() == "zh":
        font = cjk_font()
        if font is None:
            print(tr("No Chinese (CJK) font found, so figure text stays in English. To fix: install "
                     "one (Debian/Ubuntu/Colab: apt-get install fonts-noto-cjk; Windows and macOS have "
                     "Microsoft YaHei, SimHei or PingFang SC), then restart the kernel."))
        else:
            # glyph by glyph: Chinese from the CJK font, what it lacks (x₀, x̂, −) from DejaVu Sans
            matplotlib.rcParams["font.family"] = [font, "DejaVu Sans"]


def compact_png(fig: Figure) -> bytes:
    """A figure as the smallest PNG that looks the same: 8-bit grey where it has no colour, a
    256-colour palette otherwise. Notebooks are committed with their figures; this keeps a
    lesson a few hundred KB and GitHub's preview fast."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return compact_image_png(PIL.Image.open(buf))


def compact_image_png(img: PIL.Image.Image) -> bytes:
    """A picture as the smallest PNG that looks the same (see `compact_png`)."""
    img = img.convert("RGB")
    r, g, b = img.split()
    grey = r.tobytes() == g.tobytes() == b.tobytes()
    img = r if grey else img.quantize(256, method=PIL.Image.Quantize.MEDIANCUT, dither=PIL.Image.Dither.NONE)
    out = io.BytesIO()
    img.save(out, format="png", optimize=True)
    return out.getvalue()


def _register_compact_png() -> None:
    """In IPython, display figures through `compact_png` (outside IPython: nothing to do)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        plt.switch_backend(matplotlib.get_backend())  # let the inline backend set its formatters first
        shell.display_formatter.formatters["image/png"].for_type(Figure, compact_png)


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font that has Chinese characters (Noto CJK preferred), or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    preferred = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                 "Microsoft YaHei", "PingFang SC", "SimHei"]
    return next((n for n in preferred if n in names), next((n for n in sorted(names) if "CJK" in n), None))


def label(text: str, /, **values) -> str:
    """Figure text in the language in force (as `tr`): Chinese only where a CJK font can draw
    it (no missing-glyph boxes on a projector), English otherwise."""
    if cjk_font() is None:
        return text.format(**values) if values else text
    return tr(text, **values)


TILE_INCHES = 0.75  # one 28-pixel digit: 72 screen pixels at 96 dpi, over 2x native size


def grid(images: Images, nrow: int = 10, padding: int = 2) -> torch.Tensor:
    """Images -> one (H, W) grid tensor (torchvision's make_grid, on the CPU)."""
    x = flatten_images(images.detach().float().cpu()).reshape(-1, 1, 28, 28)
    return make_grid(x, nrow=nrow, padding=padding, pad_value=0.5)[0]


def show_images(images: Images, nrow: int = 10, title: str | None = None, ax=None,
                row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None):
    """Draw images as a grid on `ax` (a new figure if None) and return the axes.

    With a new figure every digit is drawn at 2x its native size or more. `row_labels` and
    `col_labels` name the rows (left) and columns (top): every grid a class looks at says what
    its rows and columns are.
    """
    n = len(images)
    rows = -(-n // nrow)
    made_here = ax is None
    if made_here:
        extra_w = 1.3 if row_labels else 0.1
        extra_h = (0.35 if title else 0.05) + (0.3 if col_labels else 0)
        _, ax = plt.subplots(figsize=(TILE_INCHES * min(nrow, n) + extra_w, TILE_INCHES * rows + extra_h))
    ax.imshow(grid(images, nrow).numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([]), ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    centres = [2 + 30 * i + 14 for i in range(max(nrow, rows))]  # make_grid: 2-pixel padding
    if col_labels is not None:
        ax.xaxis.tick_top()
        ax.set_xticks(centres[:len(col_labels)], list(col_labels))
    if row_labels is not None:
        ax.set_yticks(centres[:len(row_labels)], list(row_labels))
    ax.tick_params(length=0)
    if title:
        ax.set_title(title, pad=20 if col_labels is not None else 6)
    if made_here:
        ax.figure.tight_layout(pad=0.2)  # default margins would shrink the digits below 2x
    return ax


def plot_history(history: dict[str, list[float]]) -> Figure:
    """Loss per image by epoch: total train/test loss, and the BCE and KL parts apart."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 2.8))
    epochs = history["epoch"]
    a.plot(epochs, history["train_loss"], "o-", label=label("train"))
    if history.get("test_loss"):
        a.plot(epochs, history["test_loss"], "s--", label=label("test"))
    a.set(title=label("loss per image (BCE + KL)"), xlabel=label("epoch"))
    a.legend()
    b.plot(epochs, history["train_bce"], "o-", label=label("BCE (reconstruction)"))
    b.set(title=label("the two parts"), xlabel=label("epoch"))
    b2 = b.twinx()
    b2.plot(epochs, history["train_kl"], "s-", color="tab:red", label=label("KL (right axis)"))
    b.legend(handles=b.get_lines() + b2.get_lines())
    fig.tight_layout()
    return fig


def plot_latent_scatter(z: torch.Tensor, labels: torch.Tensor, ax=None, title: str = "",
                        max_points: int = 3000):
    """2-D codes as dots coloured by digit: clusters, and the holes between them.

    At most `max_points` dots (the first ones): enough to show every cluster and hole, and it
    keeps the saved figure small enough for GitHub and Colab previews."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3.6))
    z, labels = z.detach().cpu()[:max_points], labels.cpu()[:max_points]
    points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", s=14, alpha=0.7,  # seen on a projector
                        antialiased=False, linewidths=0)  # crisp dots, a PNG a quarter the size
    ax.figure.colorbar(points, ax=ax, ticks=range(10))
    ax.set(title=title, xlabel="z[0]", ylabel="z[1]")
    return ax


def plot_kl_per_dimension(kl_per_dim: torch.Tensor, ax=None, title: str | None = None):
    """Mean KL of each latent dimension: near-zero bars are dimensions the model switched off."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.2))
    kl = kl_per_dim.detach().cpu()
    ax.bar(range(len(kl)), kl.tolist(), color=["tab:blue" if v > 0.1 else "tab:gray" for v in kl])
    ax.set(title=title or label("KL per latent dimension"),
           xlabel=label("latent dimension"), ylabel=label("nats"),
           xticks=range(len(kl)))
    return ax


@torch.no_grad()
def traversal(model, z0: torch.Tensor, span: float = 3.0, steps: int = 9) -> torch.Tensor:
    """Sweep each latent dimension over [-span, span], the others held at z0.

    Returns (latent_dim * steps, 784): one row per dimension, for `show_images(nrow=steps)`.
    """
    d = z0.numel()
    values = torch.linspace(-span, span, steps, device=z0.device)
    z = z0.reshape(1, 1, d).repeat(d, steps, 1)
    z[torch.arange(d), :, torch.arange(d)] = values
    return model.decode(z.reshape(d * steps, d))


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation: walk from a to b along the arc, not the chord.

    Between two typical codes of a 20-D Gaussian (norm near sqrt(20)) the straight line dips
    towards the origin, where hardly any code lives; the arc keeps the norm in between.
    `t` has shape (steps, 1); returns (steps, D).
    """
    cos = torch.dot(a, b) / (a.norm() * b.norm())
    omega = torch.arccos(cos.clamp(-1, 1))
    if omega.abs() < 1e-4:  # (almost) the same direction: the arc is the line
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


@torch.no_grad()
def latent_grid(model, n: int = 15, span: float = 3.0) -> torch.Tensor:
    """Decode an n x n grid over [-span, span]^2 of a 2-D latent space: (n*n, 784), top row z[1]=+span."""
    device = next(model.parameters()).device
    axis = torch.linspace(-span, span, n, device=device)
    z1, z0 = torch.meshgrid(axis.flip(0), axis, indexing="ij")
    return model.decode(torch.stack([z0.reshape(-1), z1.reshape(-1)], dim=1))


def image_png(image: torch.Tensor, scale: int = 10) -> bytes:
    """One image (784 values in [0, 1]) as PNG bytes, each pixel a scale x scale block.

    This is the fast path behind the live widgets: no matplotlib figure, just Pillow's PNG
    encoder (fastest compression: the image is tiny, speed is what matters).
    """
    img = (image.detach().reshape(28, 28).clamp(0, 1) * 255).to(torch.uint8).cpu()
    pil = PIL.Image.frombytes("L", (28, 28), img.numpy().tobytes())
    buf = io.BytesIO()
    pil.resize((28 * scale, 28 * scale), PIL.Image.NEAREST).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def figure_png(fig: Figure) -> bytes:
    """A matplotlib figure as PNG bytes (for widgets that redraw a figure in place)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
