"""The noise schedule and the one training objective (DDPM), with the loop that minimises it.
Lesson 07, Part 5 (notebooks/07_stable_diffusion.ipynb): the learner writes `ddpm_loss`
(vae_lessons/exercises/stable_diffusion.py checks it) and trains a small denoiser with it.

    x_t = sqrt(ab[t]) * x_0 + sqrt(1 - ab[t]) * eps,   loss = MSE(denoiser(x_t, t, prompt), eps)
"""

from __future__ import annotations

import math
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..training import pick_device, seed_everything
from .text import EMPTY

T = 1000  # diffusion timesteps, as in DDPM and Stable Diffusion


def alphas_bar(device: str | torch.device = "cpu") -> torch.Tensor:
    """DDPM's linear beta schedule (1e-4 .. 0.02 over T steps) as cumulative signal fractions:
    x_t = sqrt(ab[t]) * x_0 + sqrt(1 - ab[t]) * eps."""
    return torch.cumprod(1 - torch.linspace(1e-4, 0.02, T, device=device), dim=0)


def ddim_timesteps(steps: int) -> list[int]:
    """The `steps` timesteps DDIM visits, evenly spaced from T - 1 down to 0."""
    return torch.linspace(T - 1, 0, steps).round().long().tolist()


def ddpm_loss(denoiser: nn.Module, x0: torch.Tensor, ids: torch.Tensor, p_uncond: float = 0.1) -> torch.Tensor:
    """The standard objective: noise x0 to a random t, ask for the noise back (MSE). A random
    10% of prompts become the empty prompt, so one net learns both the conditional and the
    unconditional model that classifier-free guidance needs."""
    ab = alphas_bar(x0.device)
    t = torch.randint(0, T, (len(x0),), device=x0.device)
    eps = torch.randn_like(x0)
    a = ab[t][:, None, None, None]
    x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps
    dropped = torch.rand(len(ids), device=ids.device) < p_uncond
    ids = torch.where(dropped, torch.full_like(ids, EMPTY), ids)
    return F.mse_loss(denoiser(x_t, t, denoiser.text_encoder(ids)), eps)


def train_denoiser(denoiser: nn.Module, latents: torch.Tensor, labels: torch.Tensor, *, steps: int = 6000,
                   batch_size: int = 128, lr: float = 2e-3, ema_decay: float = 0.995, p_uncond: float = 0.1,
                   seed: int = 0, device: str | torch.device | None = None,
                   callback: Callable[[int, float], None] | None = None,
                   loss_fn: Callable[..., torch.Tensor] | None = None, threads: int | None = None) -> list[float]:
    """Train on (scaled latents, digit labels) for `steps` batches; return the loss per step.

    `p_uncond` is how often the prompt is dropped (0 = no classifier-free guidance possible).
    The learning rate decays to zero on a cosine, and the weights kept at the end are an
    exponential moving average (EMA) of the trained ones: both give cleaner samples from a
    short run. `callback(step, mean loss)` runs every 500 steps. `loss_fn(denoiser, x0, ids,
    p_uncond)` is the objective (default: `ddpm_loss`; lesson 07 passes the learner's own).
    `threads` sets torch's CPU threads for the run (restored after): one is faster for a small
    net on a busy CPU.
    """
    loss_fn = loss_fn or ddpm_loss
    saved_threads = torch.get_num_threads()
    torch.set_num_threads(threads or saved_threads)
    try:
        return _train(denoiser, latents, labels, steps, batch_size, lr, ema_decay, p_uncond, seed, device, callback,
                      loss_fn)
    finally:
        torch.set_num_threads(saved_threads)


def _train(denoiser, latents, labels, steps, batch_size, lr, ema_decay, p_uncond, seed, device, callback,
           loss_fn) -> list[float]:
    """`train_denoiser`'s loop (see there)."""
    seed_everything(seed)
    device = pick_device(device)
    denoiser.to(device).train()
    latents, labels = latents.to(device), labels.to(device)
    ema = {k: v.detach().clone() for k, v in denoiser.state_dict().items()}
    opt = torch.optim.AdamW(denoiser.parameters(), lr=lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    losses = []
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(latents), (batch_size,), device=device)
        loss = loss_fn(denoiser, latents[idx], labels[idx], p_uncond)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            for k, v in denoiser.state_dict().items():
                ema[k].lerp_(v, 1 - ema_decay)  # every entry is a float tensor (no BatchNorm counters)
        losses.append(loss.item())
        if callback is not None and step % 500 == 0:
            callback(step, sum(losses[-500:]) / 500)
    denoiser.load_state_dict(ema)
    return losses


def time_training_step(denoiser: nn.Module, x0: torch.Tensor, repeats: int = 10) -> float:
    """Median seconds per DDPM training step (forward + backward + Adam) on the batch x0: what
    lesson 07's Part 7 and benchmarks/diffusion_cost.py compare in pixel and latent space."""
    opt = torch.optim.Adam(denoiser.parameters(), lr=1e-4)
    ids = torch.randint(0, 10, (len(x0),), device=x0.device)
    times = []
    for _ in range(repeats + 2):  # the first two warm up
        start = time.perf_counter()
        loss = ddpm_loss(denoiser, x0, ids)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if x0.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times[2:])[len(times[2:]) // 2]
