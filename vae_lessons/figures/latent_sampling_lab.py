"""Lesson 06_latent_sampling's measurements that carry no text, and the drawing of the latent lab
as a still picture (notebooks/06_latent_sampling.ipynb).

Everything here is numbers and shapes: the words a picture shows are passed in, already in the
language in force, by `figures.latent_sampling` (whose strings live in the lesson's catalog,
translations/zh/06_latent_sampling.json). `figures.latent_sampling` re-exports these functions,
so the lesson reaches all of them as `figures.<name>`.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
import torch

from ..models import VAE
from ..plotting import traversal

_ys, _xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")


@torch.no_grad()
def traversal_change(model: VAE, codes: torch.Tensor) -> torch.Tensor:
    """How much each dimension changes the picture from -3 to +3 (mean absolute pixel change),
    averaged over the given codes: one number per dimension, for more than one digit's say."""
    dim = model.latent_dim
    change = sum((sweep[:, 0] - sweep[:, -1]).abs().mean(1)
                 for sweep in (traversal(model, z0, span=3, steps=2).reshape(dim, 2, -1) for z0 in codes)) / len(codes)
    return change.cpu()


def ink_and_slant(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Two properties of the ink of each image, any leading shape over (784,): its total (stroke
    weight) and its slant, how far the ink moves to the right per pixel going up (0 upright,
    positive leaning right): the least-squares slope of x on -y, weighted by ink."""
    lead = images.shape[:-1]
    img = images.reshape(-1, 28, 28).cpu()
    ink = img.sum((1, 2))
    dx = _xs - (img * _xs).sum((1, 2))[:, None, None] / ink[:, None, None]
    dy = _ys - (img * _ys).sum((1, 2))[:, None, None] / ink[:, None, None]
    slant = -(img * dx * dy).sum((1, 2)) / (img * dy * dy).sum((1, 2))
    return ink.reshape(lead), slant.reshape(lead)


def same_digit_share(codes: torch.Tensor, digits: torch.Tensor) -> float:
    """The share of codes whose nearest other code belongs to the same digit: near 0.1 if codes
    ignored which digit they encode, near 1 if they clump by digit."""
    nearest = torch.cdist(codes, codes).fill_diagonal_(float("inf")).argmin(dim=1)
    return (digits[nearest] == digits).float().mean().item()


def mid_grey(images: torch.Tensor) -> float:
    """The share of pixels that are mid-grey (0.2 to 0.8), neither ink nor paper: a blurry
    picture has many, a crisp one few."""
    return ((images > 0.2) & (images < 0.8)).float().mean().item()


def enlarged(image: torch.Tensor, scale: int) -> torch.Tensor:
    """A 28 x 28 digit made `scale` times larger (bilinear, on the CPU), as if drawn on the lab's canvas."""
    return torch.nn.functional.interpolate(image.reshape(1, 1, 28, 28).cpu(), scale_factor=scale, mode="bilinear")[0, 0]


def on_screen(png: bytes) -> torch.Tensor:
    """One of the lab's pictures (PNG bytes, each pixel drawn as a block) -> its 784 pixels."""
    img = PIL.Image.open(io.BytesIO(png)).convert("L").resize((28, 28), PIL.Image.NEAREST)
    return torch.tensor(np.array(img), dtype=torch.float32).flatten() / 255


def _wrapped(text: str, width: int) -> str:
    """`text` in lines of about `width` columns, a Chinese character counting as two; English
    breaks at spaces, Chinese anywhere."""
    lines, line, used = [], "", 0
    for word in text.replace(" ", " \0").split("\0"):  # words, each keeping its space
        pieces = [word] if word.isascii() else list(word)
        for piece in pieces:
            w = sum(1 if c.isascii() else 2 for c in piece)
            if used + w > width and line.strip():
                lines, line, used = lines + [line.rstrip()], "", 0
            line, used = line + piece, used + w
    return "\n".join(lines + [line.rstrip()])


def _digit(fig, box: list[float], png: bytes, caption: str) -> None:
    ax = fig.add_axes(box)
    ax.imshow(on_screen(png).reshape(28, 28).numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(caption, fontsize=12)


def _meter(fig, box: list[float], norm: float, low: float, high: float, words: str) -> None:
    """The lab's ‖z‖ meter: a scale from 0 to 2·high, the shell [low, high] shaded, a black marker
    at ‖z‖ (at the end when beyond), the tick values, and the meter's words underneath."""
    ax = fig.add_axes(box)
    top = 2 * high
    ax.axvspan(low, high, color="#aab0b8")
    ax.plot([min(norm, top)] * 2, [-0.35, 1.35], color="k", lw=4, solid_capstyle="butt", clip_on=False)
    ax.set(xlim=(0, top), ylim=(0, 1), yticks=[], xticks=[0, low, high, top])
    ax.set_xticklabels(["0", f"{low:.1f}", f"{high:.1f}", f"{top:.1f}"], fontsize=10)
    for spine in ax.spines.values():
        spine.set_linewidth(2)
    ax.text(0.5, -1.6, words, transform=ax.transAxes, ha="center", va="top", fontsize=11)


def _sliders(ax, values: list[float], order: list[int], kl: list[float], words: dict[int, str]) -> None:
    """The 20 sliders where they stand, in the lab's order (most KL first) and its two columns:
    name, track from -3 to 3 (a tick at 0) with the knob, value, and the KL bar with its number
    and word."""
    half, top = (len(order) + 1) // 2, max(max(kl), 1e-9)
    for r, i in enumerate(order):
        x0, y = 12.8 * (r // half), -(r % half)
        ax.text(x0, y, f"z[{i}]", ha="left", va="center", fontsize=11)
        ax.plot([x0 + 1.6, x0 + 5.2], [y, y], color="#9aa0a8", lw=3, solid_capstyle="round")
        ax.plot([x0 + 3.4] * 2, [y - 0.2, y + 0.2], color="#9aa0a8", lw=1.5)  # 0, the middle of the track
        ax.plot(x0 + 3.4 + 0.6 * values[i], y, "o", ms=9, color="white", mec="#14171c", mew=1.5)
        ax.text(x0 + 5.5, y, f"{values[i]:+.2f}".replace("-", "−"), ha="left", va="center", fontsize=10)
        ax.barh(y, 1.6 * kl[i] / top, left=x0 + 7.0, height=0.35, color="#1f77b4")
        ax.text(x0 + 7.1 + 1.6 * kl[i] / top, y, f"{kl[i]:.1f} {words.get(i, '')}", ha="left", va="center",
                fontsize=10)
    ax.set(xlim=(-0.2, 25.2), ylim=(-half + 0.4, 0.8))
    ax.set_axis_off()


def draw_lab(lab, texts: dict[str, str], title: str) -> None:
    """The lab as one still picture: the digit it started from, the live decode and the ‖z‖
    meter under it, and the 20 sliders. `texts`: "original", "decode" (captions), "meter" (the
    meter's words, as the lab shows them), "sliders" (a heading over the sliders)."""
    fig = plt.figure(figsize=(13.5, 4.8))
    _digit(fig, [0.01, 0.42, 0.16, 0.42], lab.original.value, texts["original"])
    _digit(fig, [0.19, 0.42, 0.16, 0.42], lab.image.value, texts["decode"])
    words = _wrapped(texts["meter"], 44)
    _meter(fig, [0.03, 0.3, 0.3, 0.045], lab.z.norm().item(), lab.low, lab.high, words)
    ax = fig.add_axes([0.38, 0.02, 0.62, 0.8])
    _sliders(ax, lab.z.tolist(), lab.order, lab.kl, lab.dimension_labels)
    ax.set_title(texts["sliders"], fontsize=12, loc="left")
    fig.suptitle(title, fontsize=13)
    plt.show()


def same_digit_pairs(digits: torch.Tensor, per_digit: int, seed: int) -> list[tuple[int, int]]:
    """`per_digit` random pairs of two different test digits of the same class, for each class."""
    g = torch.Generator().manual_seed(seed)
    pairs = []
    for d in range(10):
        idx = (digits.cpu() == d).nonzero().squeeze(1)
        picks = torch.stack([torch.randperm(len(idx), generator=g)[:2] for _ in range(per_digit)])
        pairs += [tuple(pair) for pair in idx[picks].tolist()]
    return pairs


def norm_and_judge(model: VAE, judge, codes: dict[str, torch.Tensor]) -> dict[str, tuple[float, float]]:
    """For each set of codes: its mean ‖z‖ and the judge's mean confidence in their decodes."""
    with torch.no_grad():
        return {name: (z.norm(dim=1).mean().item(), judge(model.decode(z))[0].mean().item())
                for name, z in codes.items()}
