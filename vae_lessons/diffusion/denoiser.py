"""The denoiser (Stable Diffusion's U-Net, small): the network that generates. Lesson 07, Part 5
(notebooks/07_stable_diffusion.ipynb) writes out its forward pass in a cell; a test keeps the
cell's code and this one computing the same thing.

It predicts the noise eps in a noisy latent x_t, given the timestep t and the prompt's vector.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .text import TextEncoder


def timestep_frequencies(dim: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """The dim // 2 frequencies of `timestep_embedding`, from 1 down to about 1/10000."""
    return torch.exp(-math.log(10000) * torch.arange(dim // 2, device=device) / (dim // 2))


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoids of t at many frequencies, as in the Transformer and DDPM: the net can tell
    t=10 (almost clean) from t=900 (almost pure noise)."""
    angles = t.float()[:, None] * timestep_frequencies(dim, t.device)[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResBlock(nn.Module):
    """Two 3x3 convs with a skip; the condition (time + prompt) scales and shifts the features
    (FiLM; Stable Diffusion's U-Net reads the prompt through cross-attention instead)."""

    def __init__(self, width: int, cond_dim: int):
        super().__init__()
        self.norm1, self.norm2 = nn.GroupNorm(8, width), nn.GroupNorm(8, width)
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.film = nn.Linear(cond_dim, 2 * width)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(c)[:, :, None, None].chunk(2, dim=1)
        y = self.norm2(self.conv1(F.silu(self.norm1(h)))) * (1 + scale) + shift
        return h + self.conv2(F.silu(y))


class Denoiser(nn.Module):
    """Predicts the noise eps in a noisy latent x_t, given t and the prompt's vector.

    Fully convolutional, so the same family runs on 4x7x7 latents or on 1x28x28 pixels (the
    cost comparison). It owns the text encoder, because the two are trained together.
    """

    def __init__(self, in_channels: int = 4, width: int = 48, blocks: int = 3, cond_dim: int = 64):
        super().__init__()
        self.config = {"in_channels": in_channels, "width": width, "blocks": blocks, "cond_dim": cond_dim}
        self.text_encoder = TextEncoder(cond_dim)
        self.time_mlp = nn.Sequential(nn.Linear(cond_dim, cond_dim), nn.SiLU(), nn.Linear(cond_dim, cond_dim))
        self.conv_in = nn.Conv2d(in_channels, width, 3, padding=1)
        self.blocks = nn.ModuleList(ResBlock(width, cond_dim) for _ in range(blocks))
        self.norm_out = nn.GroupNorm(8, width)
        self.conv_out = nn.Conv2d(width, in_channels, 3, padding=1)

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        c = F.silu(self.time_mlp(timestep_embedding(t, self.config["cond_dim"])) + text)  # the condition
        h = self.conv_in(x_t)
        for block in self.blocks:
            h = block(h, c)
        return self.conv_out(F.silu(self.norm_out(h)))
