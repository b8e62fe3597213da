"""The pipeline, text -> latent -> picture (Stable Diffusion's StableDiffusionPipeline, small),
and how lesson 07 measures it: prompt adherence (does a judge read the digit asked for?) and
diversity (how different are the samples of one prompt?). Lesson 07, Parts 2 and 6
(notebooks/07_stable_diffusion.ipynb).
"""

from __future__ import annotations

import math
from typing import Callable, Iterable

import torch
from torch import nn

from ..models import Classifier, ConvVAE, flatten_images
from .denoiser import Denoiser
from .sampler import DEFAULT_GUIDANCE, DEFAULT_STEPS, ddim_sample, ddim_step, guided_eps, noise_guess
from .schedule import T
from .text import EMPTY


class LatentDiffusionPipeline:
    """`pipe(["seven", "七"], guidance=4, steps=25, seed=0)` -> images (N, 1, 28, 28) in [0, 1].

    Each call: encode the prompts, start from seeded Gaussian noise in the scaled latent space,
    run `steps` deterministic DDIM steps with classifier-free guidance, unscale, VAE-decode.
    """

    def __init__(self, vae: ConvVAE, denoiser: Denoiser, scale: float):
        self.vae, self.denoiser, self.scale = vae.eval(), denoiser.eval(), scale
        self.text_encoder = denoiser.text_encoder
        self.device = next(denoiser.parameters()).device

    @torch.no_grad()
    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Scaled latents -> pixels: undo the scale, then the VAE decoder paints."""
        return self.vae.decode(latents.to(self.device) / self.scale)

    def eps(self, x: torch.Tensor, t: int, cond: torch.Tensor, empty: torch.Tensor, guidance: float,
            guide_fn: Callable = guided_eps) -> torch.Tensor:
        """The guided noise guess at timestep t (see `sampler.noise_guess`)."""
        return noise_guess(self.denoiser, x, t, cond, empty, guidance, guide_fn)

    @torch.no_grad()
    def __call__(self, prompts: list[str], *, guidance: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS,
                 seed: int = 0, keep: Iterable[int] | None = None, keep_x0: bool = False,
                 guide_fn: Callable = guided_eps, step_fn: Callable = ddim_step):
        """Text -> images. With `keep` (step numbers, 0 = the starting noise, `steps` = the end),
        return (images, {step: scaled latent}) for drawing the denoising walk; with `keep_x0`,
        the latents kept are the denoiser's guess of the clean result at that step instead.

        `guide_fn(eps_empty, eps_cond, g)` and `step_fn(x_t, eps, alpha_bar_t, alpha_bar_prev)`
        are the two formulas of each step (default: `guided_eps`, `ddim_step`); pass your own
        to see them draw."""
        if isinstance(prompts, str):
            raise TypeError(f"pass a list of prompts, e.g. pipe([{prompts!r}]), not a single string")
        if not 1 <= steps <= T:
            raise ValueError(f"steps must be between 1 and {T}, got {steps}")
        if not math.isfinite(guidance):
            raise ValueError(f"guidance must be a finite number, got {guidance}")
        cond = self.text_encoder(list(prompts))
        empty = self.text_encoder(torch.full((len(cond),), EMPTY, device=self.device))
        g = torch.Generator().manual_seed(seed)  # CPU noise: the same seed gives the same start anywhere
        x = torch.randn(len(cond), self.vae.latent_channels, 7, 7, generator=g).to(self.device)
        x, kept = ddim_sample(self.denoiser, x, cond, empty, guidance=guidance, steps=steps, keep=keep or (),
                              keep_x0=keep_x0, guide_fn=guide_fn, step_fn=step_fn)
        images = self.decode(x).clamp(0, 1)
        return (images, kept) if keep else images




@torch.no_grad()
def sample_digits(pipe: LatentDiffusionPipeline, per_digit: int = 100, batch: int = 500, **kwargs) -> torch.Tensor:
    """(10, per_digit, 1, 28, 28): `per_digit` generated images for each prompt "0" ... "9",
    in batches of `batch` prompts, batch number i seeded with seed i; `kwargs` go to the pipeline."""
    digits = torch.arange(10).repeat_interleave(per_digit)
    images = [pipe([str(d) for d in digits[i:i + batch].tolist()], seed=i, **kwargs).cpu()
              for i in range(0, len(digits), batch)]
    return torch.cat(images).reshape(10, per_digit, 1, 28, 28)


@torch.no_grad()
def digit_adherence(samples: torch.Tensor, judge: Classifier, min_confidence: float = 0.0,
                    digit_like: torch.Tensor | None = None) -> torch.Tensor:
    """(10,) for samples shaped (10, n, ...) as `sample_digits` makes them: the fraction of row d
    that the judge reads as the digit d, at least `min_confidence` sure (its softmax probability),
    and, when `digit_like` (a boolean mask, one entry per sample) is given, that passes a
    digit-likeness test too. With the defaults, the judge's top answer alone counts: a
    classifier names a digit for anything, blobs and noise included."""
    n = samples.shape[1]
    x = samples.reshape(10 * n, 784).to(next(judge.parameters()).device)
    conf, preds = torch.softmax(judge(x.reshape(-1, 1, 28, 28)), dim=1).max(dim=1)
    ok = (preds.cpu().reshape(10, n) == torch.arange(10)[:, None]) & (conf.cpu().reshape(10, n) >= min_confidence)
    if digit_like is not None:
        ok &= digit_like.cpu().reshape(10, n)
    return ok.float().mean(1)


@torch.no_grad()
def repaint_error(images: torch.Tensor, vae: nn.Module) -> torch.Tensor:
    """(N,) a digit-likeness test: the relative error |repainting - image|^2 / |image|^2 when a
    VAE trained on digits alone (lesson 06's classic VAE, 20 numbers) repaints each image from
    its mean code. Real digits come back close; blobs and noise do not, because the bottleneck
    only has room for what digits have in common."""
    x = flatten_images(images).to(next(vae.parameters()).device)
    back = vae.decode(vae.encode(x)[0]).reshape(x.shape)
    return (back - x).pow(2).sum(1) / x.pow(2).sum(1).clamp(min=1e-6)


@torch.no_grad()
def prompt_adherence(pipe: LatentDiffusionPipeline, judge: Classifier, per_digit: int = 100,
                     batch: int = 500, **kwargs) -> torch.Tensor:
    """For each digit 0-9: the fraction of `per_digit` generated images the judge calls that digit."""
    return digit_adherence(sample_digits(pipe, per_digit, batch, **kwargs), judge)


def mean_pairwise_distance(images: torch.Tensor) -> float:
    """The mean Euclidean distance between two different images of the set (784 pixel values
    in [0, 1] each): how different the images are from one another, on average."""
    x = flatten_images(images.detach().cpu()).double()
    n = len(x)
    if n < 2:
        raise ValueError("need at least two images to measure how different they are")
    return (torch.cdist(x, x).sum() / (n * (n - 1))).item()


def diversity(samples: torch.Tensor, real_x: torch.Tensor, real_y: torch.Tensor) -> torch.Tensor:
    """(10,) sample diversity per digit, relative to real handwriting: for samples shaped
    (10, n, ...) (row d = images of the digit d, e.g. from `sample_digits`), the mean pairwise
    distance of row d divided by that of the first n real images of d in (real_x, real_y).

    1 = as varied as real digits of that kind; well below 1 = the samples look alike (as strong
    guidance makes them). The VAE's own reconstructions of the real images stay a little below
    1, because decoding smooths away some of the variety: a sampler that drew digits as varied
    as real ones would score about that. (Above it is not better: unguided scribbles score > 1.)"""
    n = samples.shape[1]
    real_x, real_y = real_x.detach().cpu(), real_y.detach().cpu()
    ratios = []
    for d in range(10):
        real = real_x[real_y == d][:n]
        if len(real) < n:
            raise ValueError(f"only {len(real)} real images of the digit {d}; need {n}")
        ratios.append(mean_pairwise_distance(samples[d]) / mean_pairwise_distance(real))
    return torch.tensor(ratios)
