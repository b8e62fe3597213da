"""Sampling: classifier-free guidance, one DDIM step, and the loop from noise to a clean latent.
Lesson 07, Part 6 (notebooks/07_stable_diffusion.ipynb): the learner writes `guided_eps` and
`ddim_step` (vae_lessons/exercises/stable_diffusion.py checks them), and a cell writes the
whole guided sampler out in one function; a test keeps it drawing what `ddim_sample` draws.
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch import nn

from .schedule import alphas_bar, ddim_timesteps

DEFAULT_GUIDANCE = 2.5   # classifier-free guidance weight g (1 = plain conditional model, 0 = unconditional)
DEFAULT_STEPS = 25       # DDIM steps at sampling time (training used all T)


def guided_eps(eps_empty: torch.Tensor, eps_cond: torch.Tensor, g: float) -> torch.Tensor:
    """Classifier-free guidance, this package's convention: start at the empty prompt's noise
    guess and walk g times the difference the prompt makes, eps_empty + g * (eps_cond - eps_empty).
    g = 0: unconditional; g = 1: the conditional model alone; g > 1: pushed harder to the prompt.
    (Many papers write (1 + w) * eps_cond - w * eps_empty instead: the same thing with g = 1 + w.)"""
    return eps_empty + g * (eps_cond - eps_empty)


def predict_x0(x_t: torch.Tensor, eps: torch.Tensor, alpha_bar_t) -> torch.Tensor:
    """The clean latent the noise guess implies: solve x_t = sqrt(ab) x0 + sqrt(1 - ab) eps for x0."""
    return (x_t - (1 - alpha_bar_t) ** 0.5 * eps) / alpha_bar_t ** 0.5


def ddim_step(x_t: torch.Tensor, eps: torch.Tensor, alpha_bar_t, alpha_bar_prev) -> torch.Tensor:
    """One deterministic DDIM step (eta = 0): guess the clean latent x0 from the noise guess eps,
    then noise it again to the level of the next (lower) timestep, with the same eps.

        x0     = (x_t - sqrt(1 - ab_t) * eps) / sqrt(ab_t)
        x_prev = sqrt(ab_prev) * x0 + sqrt(1 - ab_prev) * eps

    alpha_bar_t and alpha_bar_prev may be numbers or 0-d tensors."""
    x0 = predict_x0(x_t, eps, alpha_bar_t)
    return alpha_bar_prev ** 0.5 * x0 + (1 - alpha_bar_prev) ** 0.5 * eps


@torch.no_grad()
def noise_guess(denoiser: nn.Module, x: torch.Tensor, t: int, cond: torch.Tensor, empty: torch.Tensor,
                guidance: float, guide_fn: Callable = guided_eps) -> torch.Tensor:
    """Both noise guesses (with the prompt, with the empty prompt) in one batch, combined by
    classifier-free guidance (`guide_fn`). With the package's own guided_eps and g = 0 or 1,
    only the one guess needed is run."""
    if guide_fn is guided_eps and guidance in (0.0, 1.0):
        return denoiser(x, torch.full((len(x),), t, device=x.device), empty if guidance == 0.0 else cond)
    tt = torch.full((2 * len(x),), t, device=x.device)
    eps_cond, eps_empty = denoiser(torch.cat([x, x]), tt, torch.cat([cond, empty])).chunk(2)
    return guide_fn(eps_empty, eps_cond, guidance)


@torch.no_grad()
def ddim_sample(denoiser: nn.Module, x: torch.Tensor, cond: torch.Tensor, empty: torch.Tensor, *,
                guidance: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS, keep: Iterable[int] = (),
                keep_x0: bool = False, guide_fn: Callable = guided_eps, step_fn: Callable = ddim_step):
    """Walk the noise x to a clean latent in `steps` DDIM steps, guided towards `cond`; return
    (latent, {step: latent kept}). `keep` names steps (0 = the start, `steps` = the end); with
    `keep_x0`, what is kept is the denoiser's guess of the clean latent at that step instead."""
    ab, ts, keep = alphas_bar(x.device), ddim_timesteps(steps), set(keep)
    kept = {0: torch.zeros_like(x) if keep_x0 else x.clone()} if 0 in keep else {}
    for i, t in enumerate(ts):
        eps = noise_guess(denoiser, x, t, cond, empty, guidance, guide_fn)
        ab_prev = ab[ts[i + 1]] if i + 1 < steps else torch.tensor(1.0, device=x.device)  # 1 after the last step
        x0 = predict_x0(x, eps, ab[t]) if keep_x0 and i + 1 in keep else None  # the clean latent the net sees now
        x_next = step_fn(x, eps, ab[t], ab_prev)                                 # DDIM, eta = 0: no fresh noise
        if not (torch.is_tensor(x_next) and x_next.shape == x.shape):
            raise ValueError(f"step_fn must return a tensor shaped like x_t {tuple(x.shape)}, got "
                             f"{tuple(x_next.shape) if torch.is_tensor(x_next) else type(x_next).__name__}")
        x = x_next
        if i + 1 in keep:
            kept[i + 1] = (x0 if keep_x0 else x).clone()
    return x, kept
