"""Measurements behind lesson 07's figures (notebooks/07_stable_diffusion.ipynb), with no text
of their own: the judge's confidence, the schedules, the brightness of decoded latents, the VAE's
cost, the pixel-space noising, the playground's message. figures/stable_diffusion.py draws and
prints them (its text is in the lesson's catalog) and re-exports these names.
"""

from __future__ import annotations

import html
import re
import statistics
import time
from typing import Sequence

import torch
from torch import nn

from .. import diffusion
from ..i18n import display_width, table_row



def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Prints rows of already translated cells: labels first (left), numbers right-aligned, each
    column as wide as its widest cell in display columns (a Chinese character takes two)."""
    widths = [max(display_width(row[k]) for row in rows) for k in range(len(rows[0]))]
    for row in rows:
        print(table_row(row, widths, right=[False] + [True] * (len(row) - 1)).rstrip())


@torch.no_grad()
def confidence(judge: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The judge's probability for the digit it reads, per image (on the CPU)."""
    x = images.reshape(-1, 1, 28, 28).to(next(judge.parameters()).device)
    return torch.softmax(judge(x), dim=1).max(dim=1).values.cpu()


@torch.no_grad()
def repainting_diversity(vae: nn.Module, test_x: torch.Tensor, test_y: torch.Tensor, n: int) -> float:
    """The diversity of the VAE's repaintings of n real test digits per class: what a sampler
    as varied as real handwriting would score, once its pictures pass through the decoder."""
    reals = torch.stack([test_x[test_y.to(test_x.device) == d][:n] for d in range(10)])
    recon = vae.decode(vae.encode(reals.reshape(-1, 784))[0]).reshape(10, n, 1, 28, 28)
    return diffusion.diversity(recon, test_x, test_y).mean().item()


def widget_message(play) -> str:
    """The playground's message line as plain text (its HTML tags and escapes removed)."""
    return html.unescape(re.sub("<[^>]+>", "", play.message.value))


def _strip_axes(*axes) -> None:
    for ax in axes:
        ax.set_yticks([])
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)


def _walk_length(play) -> int:
    """How many pictures the playground's denoising walk shows."""
    from .. import widgets

    return getattr(play, "WALK", None) or widgets.WALK


def noised_pixels(image: torch.Tensor, ts: Sequence[int]) -> torch.Tensor:
    """For comparison only: one image noised in pixel space to each t of `ts`, with the same
    formula and schedule as the latents (what diffusion without a VAE would see)."""
    ab = diffusion.alphas_bar(image.device)
    pix = image.reshape(1, 1, 28, 28)
    eps = torch.randn(pix.shape, generator=torch.Generator().manual_seed(0)).to(pix.device)
    return torch.cat([ab[t].sqrt() * pix + (1 - ab[t]).sqrt() * eps for t in ts]).clamp(0, 1)


def sd_alphas_bar() -> torch.Tensor:
    """Stable Diffusion's schedule ("scaled linear": sqrt(beta) linear from sqrt(0.00085) to
    sqrt(0.012) over 1000 steps) as cumulative signal fractions, for comparison with ours."""
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, diffusion.T) ** 2
    return torch.cumprod(1 - betas, dim=0)


@torch.no_grad()
def fade_brightness(pipe, z0: torch.Tensor, ab: torch.Tensor, ts: Sequence[int], seed: int = 1) -> dict[str, list[float]]:
    """Mean brightness of the decoded latents of many clean scaled latents z0, at each t of `ts`:
    x_t itself, the noise alone added (no shrinking), the shrinking alone (no noise)."""
    eps = torch.randn(z0.shape, generator=torch.Generator().manual_seed(seed)).to(z0.device)
    kinds = {"x_t": lambda a: a.sqrt() * z0 + (1 - a).sqrt() * eps,
             "noise only": lambda a: z0 + (1 - a).sqrt() * eps,
             "shrink only": lambda a: a.sqrt() * z0}
    return {kind: [pipe.decode(make(ab[t])).clamp(0, 1).mean().item() for t in ts] for kind, make in kinds.items()}


@torch.no_grad()
def vae_cost(vae: nn.Module, denoiser: nn.Module, batch: int, device: torch.device, steps: int) -> dict[str, float]:
    """Milliseconds per image, one thread: the VAE's encoder and decoder once each, against one
    sampling run of the latent denoiser (`steps` DDIM steps, two guesses each for guidance)."""
    x = torch.rand(batch, 784, device=device)
    z = torch.randn(2 * batch, 4, 7, 7, device=device)
    t = torch.full((2 * batch,), 500, device=device)
    c = denoiser.text_encoder(torch.zeros(2 * batch, dtype=torch.long, device=device))
    jobs = {"encode": lambda: vae.encode(x), "decode": lambda: vae.decode(z[:batch]),
            "denoise": lambda: denoiser(z, t, c)}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ms = {}
        for name, job in jobs.items():
            job()  # warm up
            times = []
            for _ in range(3):
                start = time.perf_counter()
                job()
                times.append(time.perf_counter() - start)
            ms[name] = 1000 * statistics.median(times) / batch
    finally:
        torch.set_num_threads(threads)
    ms["denoise"] *= steps
    return ms
