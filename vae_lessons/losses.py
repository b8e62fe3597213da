"""The VAE loss: how badly the painter repainted the picture, plus how far each memory
strayed from the shared prior N(0, I) (lesson 04 teaches the KL term, lesson 05 trains with both)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor, reduction: str = "sum") -> torch.Tensor:
    """KL( N(mu, sigma^2) || N(0, 1) ) in closed form, per latent dimension:

        0.5 * (mu^2 + sigma^2 - 1 - log sigma^2)

    zero exactly when mu = 0 and sigma = 1. reduction="none" keeps the (N, D) terms, which is
    how the lessons find the latent dimensions the model switched off (their KL is near 0).
    """
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())
    if reduction == "none":
        return kl
    if reduction == "sum":
        return kl.sum()
    raise ValueError(f"reduction must be 'sum' or 'none', got {reduction!r}")


def typical_radius(dim: int, coverage: float = 0.99, samples: int = 200_000) -> tuple[float, float]:
    """The range of ||z|| that holds `coverage` of the prior N(0, I) in `dim` dimensions.

    In 20-D almost no prior sample lies near the origin: the norm concentrates near sqrt(20) ~ 4.5
    (a thin shell). Measured once by sampling, with a fixed seed, so the lab's meter and the
    classroom page's agree."""
    g = torch.Generator().manual_seed(0)
    norms = torch.randn(samples, dim, generator=g).norm(dim=1)
    tail = (1 - coverage) / 2
    return torch.quantile(norms, tail).item(), torch.quantile(norms, 1 - tail).item()


def vae_loss_parts(recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor,
                   logvar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(BCE, KL), each summed over the batch: the two parts, kept apart for plots."""
    if recon_x.shape[0] != x.shape[0] or recon_x[0].numel() != x[0].numel():
        raise ValueError(f"recon_x {tuple(recon_x.shape)} and x {tuple(x.shape)} "
                         "must hold the same images")
    bce = F.binary_cross_entropy(recon_x, x.reshape(recon_x.shape), reduction="sum")
    return bce, kl_divergence(mu, logvar)


def vae_loss(recon_x: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
             beta: float = 1.0) -> torch.Tensor:
    """The classic loss: summed binary cross-entropy + beta * KL (beta = 1 is the classic VAE)."""
    bce, kld = vae_loss_parts(recon_x, x, mu, logvar)
    return bce + beta * kld
