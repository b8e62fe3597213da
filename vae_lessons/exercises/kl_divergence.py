"""The exercise of lesson 04_kl_divergence (notebooks/04_kl_divergence.ipynb).

The learner writes kl_per_dim(mu, logvar): the KL of N(mu, exp(logvar)) to N(0, 1) for every
entry, no sum. Each known mistake below is the right answer changed the way a learner changes
it; the test inputs spread mu and logvar widely, because with logvar = 0 the KL is only ½mu²
and most mistakes in the σ terms would give the right number.
"""

from __future__ import annotations

import torch

from ..losses import kl_divergence
from . import Exercise


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """The package's answer: ½(mu² + σ² − 1 − log σ²) entry by entry, σ² = exp(logvar)."""
    return kl_divergence(mu, logvar, reduction="none")


def random_codes(k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The k-th test input: mu and logvar for 8 codes of 20 dimensions, both spread widely."""
    g = torch.Generator().manual_seed(k)
    return 1.5 * torch.randn(8, 20, generator=g), 2.0 * torch.randn(8, 20, generator=g)


EXERCISES = [
    Exercise(
        name="kl_per_dim",
        reference=kl_per_dim,
        inputs=random_codes,
        mistakes={
            "the sign is flipped. A KL is never negative: check the order of the terms":
                lambda mu, lv: -kl_per_dim(mu, lv),
            "the ½ is missing: the whole bracket is halved":
                lambda mu, lv: 2 * kl_per_dim(mu, lv),
            "σ² is exp(logvar), not logvar**2: logvar is log σ², not σ":
                lambda mu, lv: kl_per_dim(mu, lv) + 0.5 * (lv**2 - lv.exp()),
            "σ² and log σ² cancel out in your answer: σ² is exp(logvar), and log σ² is logvar itself":
                lambda mu, lv: kl_per_dim(mu, lv) + 0.5 * (lv - lv.exp()),
            "σ² and log σ² are swapped: σ² is exp(logvar), log σ² is logvar":
                lambda mu, lv: kl_per_dim(mu, lv) + (lv - lv.exp()),
            "you treated logvar as σ: it is log σ², so σ² = exp(logvar) and log σ² = logvar":
                lambda mu, lv: kl_per_dim(mu, lv) + 0.5 * (lv**2 - lv.exp() - torch.log(lv**2) + lv),
            "exp(0.5 * logvar) is σ, not σ²: σ² = exp(logvar)":
                lambda mu, lv: kl_per_dim(mu, lv) + 0.5 * (lv.mul(0.5).exp() - lv.exp()),
            "the − log σ² term is missing (log σ² is just logvar)":
                lambda mu, lv: kl_per_dim(mu, lv) + 0.5 * lv,
            "the − 1 is missing: the KL must be 0 when μ = 0 and σ = 1":
                lambda mu, lv: kl_per_dim(mu, lv) + 0.5,
            "μ must be squared (drift costs ½μ²)":
                lambda mu, lv: kl_per_dim(mu, lv) + 0.5 * (mu - mu**2),
            "keep one KL per entry: you summed over the latent dimensions":
                lambda mu, lv: kl_per_dim(mu, lv).sum(-1),
            "keep one KL per entry: you summed everything":
                lambda mu, lv: kl_per_dim(mu, lv).sum(),
        },
    ),
]
