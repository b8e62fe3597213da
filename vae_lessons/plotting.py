"""Pictures for the lessons: image grids, loss curves, and views of the latent space.

Figures are kept small (they are committed inside the notebooks). Functions that compute
pictures (`traversal`, `interpolation`, `latent_grid`) return image tensors, so the same
pictures can go to matplotlib, a PNG file or a widget.
"""

from __future__ import annotations

import io

import matplotlib
import matplotlib.pyplot as plt
import PIL.Image
import torch
from matplotlib.figure import Figure
from torchvision.utils import make_grid

from .models import flatten_images

Images = torch.Tensor  # (N, 784) or (N, 1, 28, 28), values in [0, 1]


def use_lesson_style() -> None:
    """Small, crisp figures: notebooks stay light on GitHub and readable on a projector."""
    matplotlib.rcParams.update({"figure.figsize": (6, 3), "figure.dpi": 80, "savefig.dpi": 80,
                                "axes.titlesize": 10, "axes.labelsize": 9, "font.size": 9,
                                "image.cmap": "gray", "image.interpolation": "nearest"})


def grid(images: Images, nrow: int = 10, padding: int = 2) -> torch.Tensor:
    """Images -> one (H, W) grid tensor (torchvision's make_grid, on the CPU)."""
    x = flatten_images(images.detach().float().cpu()).reshape(-1, 1, 28, 28)
    return make_grid(x, nrow=nrow, padding=padding, pad_value=0.5)[0]


def show_images(images: Images, nrow: int = 10, title: str | None = None, ax=None):
    """Draw images as a grid on `ax` (a new small figure if None) and return the axes."""
    if ax is None:
        rows = -(-len(images) // nrow)
        _, ax = plt.subplots(figsize=(min(0.6 * nrow, 8), min(0.6 * rows, 8) + 0.3))
    ax.imshow(grid(images, nrow), cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_history(history: dict[str, list[float]]) -> Figure:
    """Loss per image by epoch: total train/test loss, and the BCE and KL parts apart."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 2.8))
    epochs = history["epoch"]
    a.plot(epochs, history["train_loss"], "o-", label="train")
    if history.get("test_loss"):
        a.plot(epochs, history["test_loss"], "s--", label="test")
    a.set(title="loss per image (BCE + KL)", xlabel="epoch")
    a.legend()
    b.plot(epochs, history["train_bce"], "o-", label="BCE (reconstruction)")
    b.set(title="the two parts", xlabel="epoch")
    b2 = b.twinx()
    b2.plot(epochs, history["train_kl"], "s-", color="tab:red", label="KL (right axis)")
    b.legend(handles=b.get_lines() + b2.get_lines(), fontsize=8)
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
    points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", s=3, alpha=0.7)
    ax.figure.colorbar(points, ax=ax, ticks=range(10))
    ax.set(title=title, xlabel="z[0]", ylabel="z[1]")
    return ax


def plot_kl_per_dimension(kl_per_dim: torch.Tensor, ax=None, title: str = "KL per latent dimension"):
    """Mean KL of each latent dimension: near-zero bars are dimensions the model switched off."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.2))
    kl = kl_per_dim.detach().cpu()
    ax.bar(range(len(kl)), kl, color=["tab:blue" if v > 0.1 else "tab:gray" for v in kl])
    ax.set(title=title, xlabel="latent dimension", ylabel="nats", xticks=range(len(kl)))
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


@torch.no_grad()
def interpolation(model, x_a: Images, x_b: Images, steps: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    """Morph one image into another: (through latent space, in pixel space), each (steps, 784).

    The latent path decodes (1 - t) mu_a + t mu_b; the pixel path is a plain cross-fade.
    """
    x = flatten_images(torch.cat([x_a.reshape(1, -1), x_b.reshape(1, -1)]))
    t = torch.linspace(0, 1, steps, device=x.device).unsqueeze(1)
    codes = model.encode(x)
    mu = codes[0] if isinstance(codes, tuple) else codes
    latent = model.decode((1 - t) * mu[0] + t * mu[1])
    return latent, (1 - t) * x[0] + t * x[1]


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
