"""The exercises of lesson 02_encoder_decoder (notebooks/02_encoder_decoder.ipynb).

`decode(z, fc3, fc4)`: the learner writes the classic VAE's painter from its two layers' weights
and biases (x @ W.T + b, a ReLU between, a sigmoid at the end) and the check compares it with
the package's own `VAE.decode`, naming the usual mistakes.
"""

from __future__ import annotations

from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn

from ..models import VAE
from . import Exercise


def package_decode(z: torch.Tensor, fc3: nn.Linear, fc4: nn.Linear) -> torch.Tensor:
    """The package's own VAE.decode, run with these two layers."""
    return VAE.decode(SimpleNamespace(fc3=fc3, fc4=fc4), z)


package_decode.__name__ = package_decode.__qualname__ = "VAE.decode"   # the name the lesson prints


def random_painter(k: int) -> tuple[torch.Tensor, nn.Linear, nn.Linear]:
    """The k-th test: 16 random codes (spread 3) and a freshly initialised, untrained fc3
    (20 -> 256) and fc4 (256 -> 784), drawn as PyTorch draws them (uniform within
    ±1/sqrt(n_in)) from a generator seeded with k: the lesson's own random numbers stay as
    they were, and each test is the same every time."""
    g = torch.Generator().manual_seed(k)
    fc3, fc4 = nn.utils.skip_init(nn.Linear, 20, 256), nn.utils.skip_init(nn.Linear, 256, 784)
    with torch.no_grad():
        for layer in (fc3, fc4):
            bound = layer.in_features ** -0.5
            layer.weight.uniform_(-bound, bound, generator=g)
            layer.bias.uniform_(-bound, bound, generator=g)
    return 3 * torch.randn(16, 20, generator=g), fc3, fc4


EXERCISES = [
    Exercise(
        name="decode",
        reference=package_decode,
        inputs=random_painter,
        mistakes={
            "the ReLU after fc3 is missing: without it the two layers collapse into one straight-line "
            "(linear) map, and the painter can paint far less.":
                lambda z, fc3, fc4: torch.sigmoid(fc4(fc3(z))),
            "the sigmoid at the end is missing: fc4 gives any number, but a pixel intensity lies "
            "between 0 and 1.":
                lambda z, fc3, fc4: fc4(F.relu(fc3(z))),
            "the end has a ReLU instead of a sigmoid: a ReLU lets numbers above 1 through, and a "
            "pixel stays in (0, 1).":
                lambda z, fc3, fc4: F.relu(fc4(F.relu(fc3(z)))),
            "ReLU and sigmoid are swapped: the ReLU goes between the layers, the sigmoid at the very end.":
                lambda z, fc3, fc4: F.relu(fc4(torch.sigmoid(fc3(z)))),
            "there is an extra ReLU after fc4, before the sigmoid: it makes every pixel 0.5 or brighter.":
                lambda z, fc3, fc4: torch.sigmoid(F.relu(fc4(F.relu(fc3(z))))),
            "the biases are missing: a layer computes x @ W.T + b, and without the b's every painting "
            "is made from the weights alone.":
                lambda z, fc3, fc4: torch.sigmoid(F.relu(z @ fc3.weight.T) @ fc4.weight.T),
            "fc3's bias is missing: the hidden layer is z @ fc3.weight.T + fc3.bias, then the ReLU.":
                lambda z, fc3, fc4: torch.sigmoid(F.relu(z @ fc3.weight.T) @ fc4.weight.T + fc4.bias),
            "fc4's bias is missing: the last layer is h @ fc4.weight.T + fc4.bias, then the sigmoid.":
                lambda z, fc3, fc4: torch.sigmoid(F.relu(z @ fc3.weight.T + fc3.bias) @ fc4.weight.T),
            "fc3's bias comes after the ReLU: add the bias first, then take the ReLU.":
                lambda z, fc3, fc4: torch.sigmoid((F.relu(z @ fc3.weight.T) + fc3.bias) @ fc4.weight.T
                                                  + fc4.bias),
        },
    ),
]
