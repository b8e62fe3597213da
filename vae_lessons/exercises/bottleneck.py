"""The exercise of lesson 01_bottleneck (notebooks/01_bottleneck.ipynb): `pca_repaint`, PCA's
pack and unpack. The learner's function is compared with the package's own `PCA.encode` then
`PCA.decode`, once for each capsule size of the lesson, and the mistakes learners make most are
named: the mean left out on one side or both, no clamp, the capsule returned unpacked."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from ..models import PCA
from . import Exercise

SIZES = (2, 5, 10, 20, 50)  # the lesson's capsule sizes: one trial each


def pca_repaint(x: torch.Tensor, mean: torch.Tensor, components: torch.Tensor) -> torch.Tensor:
    """The package's PCA.encode then PCA.decode, with this mean and these directions."""
    fitted = SimpleNamespace(mean=mean, components=components)
    return PCA.decode(fitted, PCA.encode(fitted, x))


def repaint_inputs(trial: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Trial `trial`: made-up inputs shaped like the lesson's, no dataset needed. 16 "digits"
    (784 pixels in [0, 1], mostly dark), an "average digit" (784 values in [0, 0.4], so some
    repaintings fall below 0 and the clamp matters), and SIZES[trial] directions of length 1 at
    right angles (the columns of a random orthonormal matrix), as a PCA fit gives them."""
    g = torch.Generator().manual_seed(trial)
    x = torch.rand(16, 784, generator=g) ** 3
    mean = 0.4 * torch.rand(784, generator=g)
    components, _ = torch.linalg.qr(torch.randn(784, SIZES[trial], generator=g))
    return x, mean, components


EXERCISES = [
    Exercise(
        name="pca_repaint",
        reference=pca_repaint,
        inputs=repaint_inputs,
        trials=len(SIZES),
        mistakes={
            "you forgot to subtract the mean before packing: the directions describe how a digit "
            "differs from the average digit, so pack (x - mean).":
                lambda x, m, c: ((x @ c) @ c.T + m).clamp(0, 1),
            "you forgot to add the mean back after unpacking: the capsule holds only how the digit "
            "differs from the average digit.":
                lambda x, m, c: (((x - m) @ c) @ c.T).clamp(0, 1),
            "there is no mean at all: subtract it before packing and add it back after unpacking.":
                lambda x, m, c: ((x @ c) @ c.T).clamp(0, 1),
            "the projection is right, but the result is not clamped to [0, 1]: a pixel cannot be "
            "darker than black or brighter than white.":
                lambda x, m, c: ((x - m) @ c) @ c.T + m,
            "you returned the capsule (k numbers per digit); unpack it back into 784 pixels.":
                lambda x, m, c: (x - m) @ c,
        },
    ),
]
