"""The VAE side of latent diffusion (Stable Diffusion's AutoencoderKL, small): the conv VAE's
latents, the information each latent channel carries, the KL floor it was trained with, and
the scale that gives its latents unit variance. Lesson 07, Parts 1 and 3
(notebooks/07_stable_diffusion.ipynb).

`ConvVAE` itself stays in `vae_lessons.models`: the bundled checkpoint mnist-conv-vae.pt names
its class, and `load_pretrained("mnist-conv-vae")` looks classes up there.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import kl_divergence
from ..models import ConvVAE, flatten_images

__all__ = ["ConvVAE", "encode_latents", "kl_per_channel", "kl_floor_step", "latent_scale"]


@torch.no_grad()
def encode_latents(vae: ConvVAE, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Images -> the VAE's mean latents mu (N, 4, 7, 7), unscaled."""
    device = next(vae.parameters()).device
    x = flatten_images(images)
    return torch.cat([vae.encode(x[i:i + batch_size].to(device))[0] for i in range(0, len(x), batch_size)])


@torch.no_grad()
def kl_per_channel(vae: ConvVAE, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """(C,) the information each latent channel carries, in nats: KL(q(z|x) || N(0, I)) summed
    over the channel's 7x7 positions, averaged over the images. A channel near 0 is switched
    off: the encoder writes (almost) nothing into it and the decoder ignores it."""
    device = next(vae.parameters()).device
    x = flatten_images(images)
    total = 0
    for i in range(0, len(x), batch_size):
        mu, logvar = vae.encode(x[i:i + batch_size].to(device))
        total = total + kl_divergence(mu, logvar, reduction="none").sum((0, 2, 3))
    return total / len(x)


def kl_floor_step(free_nats: float = 10.0):
    """A `training.train` step for the conv VAE with a KL floor per channel ("free bits",
    Kingma et al. 2016): loss = BCE + beta * sum_c max(KL_c, free_nats), KL_c being channel c's
    KL per image, averaged over the batch. Below the floor a channel's information costs
    nothing, so no channel is switched off to save KL; above it, the usual small beta applies.
    Returns (BCE, KL) summed over the batch, the KL as it is (not floored), like `train_step`."""
    def step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, beta: float):
        optimizer.zero_grad(set_to_none=True)
        recon, mu, logvar = model(x)
        bce = F.binary_cross_entropy(recon, x.reshape(recon.shape), reduction="sum")
        kl_c = kl_divergence(mu, logvar, reduction="none").sum((2, 3)).mean(0)  # (C,) nats per image
        (bce + beta * len(x) * kl_c.clamp(min=free_nats).sum()).backward()
        optimizer.step()
        return bce.detach(), kl_c.sum().detach() * len(x)
    return step


def latent_scale(latents: torch.Tensor) -> float:
    """1 / std of the latents: multiply by it and the latents have unit variance, like the
    noise the diffusion starts from. Stable Diffusion 1.x/2.x's 0.18215 (SDXL's: 0.13025) is this
    number for its own VAE, measured on sampled latents; lesson 07 measures ours on the means mu."""
    return 1.0 / latents.float().std().item()
