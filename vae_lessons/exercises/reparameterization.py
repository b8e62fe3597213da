"""The exercises of lesson 03_reparameterization (notebooks/03_reparameterization.ipynb).

`reparameterize(mu, logvar)`: z = μ + σ·ε with σ = exp(½·logvar) and ε ~ N(0, 1). The checker
reseeds torch before each call, so the learner's ε and the package's are the same draws and the
answers can be compared number for number. Right numbers are not enough here: `.sample()`,
`torch.normal(mu, std)` and `.detach()` give exactly the package's numbers and block the
gradient, which is the whole point of the lesson. So the exercise's `also` test backpropagates
the reconstruction loss through the learner's z (the lesson's section-7 test) and, when nothing
reaches mu or logvar, names the cause; the learner gets one verdict, after that test.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch.distributions import Normal
from torch.overrides import TorchFunctionMode

from ..i18n import tr
from ..models import VAE
from . import Exercise


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """The package's `VAE.reparameterize`, which uses no weights, as a plain function."""
    return VAE.reparameterize(None, mu, logvar)  # type: ignore[arg-type]


def random_mu_logvar(k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The k-th test input: 4 codes of 20 numbers, μ and log σ² spread over about ±4."""
    g = torch.Generator().manual_seed(k)
    return torch.randn(4, 20, generator=g) * 2, torch.randn(4, 20, generator=g) * 2


def sampled(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """The right numbers, drawn with autograd switched off (section 1's dead end)."""
    return Normal(mu, torch.exp(0.5 * logvar)).sample()


def torch_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """The right numbers, from a function whose gradient with respect to mu and std is zero."""
    return torch.normal(mu, torch.exp(0.5 * logvar))


def detached(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """The right numbers, cut off from the graph."""
    return reparameterize(mu, logvar).detach()


class _Calls(TorchFunctionMode):
    """Records the name of every torch function called, and whether autograd was on."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, bool]] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls.append((getattr(func, "__name__", ""), torch.is_grad_enabled()))
        return func(*args, **(kwargs or {}))


def _message(wrong: Callable) -> str:
    """The message this exercise gives for one of its known wrong versions."""
    return next(message for message, fn in EXERCISES[0].mistakes.items() if fn is wrong)


def gradient_problem(fn: Callable) -> str | None:
    """Section 7's test on the learner's function: backpropagate the reconstruction loss alone
    through its z, made from a small VAE's mu and logvar. None when both get a gradient; else
    what blocks it, naming .sample() / torch.no_grad(), .detach() or torch.normal when used."""
    with torch.random.fork_rng(devices=[]):  # the lesson's random numbers stay as they were
        torch.manual_seed(0)
        model, x = VAE(), torch.rand(16, 784)
        mu, logvar = model.encode(x)
        mu.retain_grad(), logvar.retain_grad()
        try:
            with _Calls() as recorder:
                z = fn(mu, logvar)
            F.binary_cross_entropy(model.decode(z), x, reduction="sum").backward()
        except Exception as e:  # e.g. z made with NumPy, which refuses tensors that need a gradient
            return tr("your function fails when mu and logvar carry gradients, as they do in a VAE "
                      "({kind}: {error}). Make z from mu and logvar with torch operations only: "
                      "no NumPy, no .detach().", kind=type(e).__name__, error=e)
    missing = [name for name, t in (("mu", mu), ("logvar", logvar))
               if t.grad is None or t.grad.abs().sum().item() == 0]
    if not missing:
        return None
    names = {name for name, _ in recorder.calls}
    if any(not on for name, on in recorder.calls if name != "_set_grad_enabled"):
        return _message(sampled)
    if names & {"detach", "detach_"}:
        return _message(detached)
    if "normal" in names:
        return _message(torch_normal)
    if len(missing) == 2:
        return tr("the numbers are right, but no gradient reaches mu or logvar through your z. "
                  "Build it as μ + σ·ε, from mu and logvar themselves.")
    return tr("the numbers are right, but no gradient reaches {name} through your z. "
              "Build it as μ + σ·ε, from mu and logvar themselves.", name=missing[0])


EXERCISES = [
    Exercise(
        name="reparameterize",
        reference=reparameterize,
        inputs=random_mu_logvar,
        seeded=True,
        also=gradient_problem,
        mistakes={
            "σ = logvar: logvar is log σ², not σ. Undo the log and the square first.":
                lambda mu, logvar: mu + logvar * torch.randn_like(mu),
            "σ = exp(logvar): that is the variance σ², not σ. Take its square root.":
                lambda mu, logvar: reparameterize(mu, 2 * logvar),
            "your z is μ itself: the noise σ·ε is missing, so every draw is the same point.":
                lambda mu, logvar: mu,
            "ε comes from torch.rand (uniform on [0, 1)), not from the standard normal N(0, 1).":
                lambda mu, logvar: mu + torch.exp(0.5 * logvar) * torch.rand_like(mu),
            "μ is missing: your z is a cloud around 0, not around μ.":
                lambda mu, logvar: reparameterize(torch.zeros_like(mu), logvar),
            "z = μ − σ·ε is a valid reparameterization too (ε ~ N(0, 1) is symmetric, so −ε is "
            "N(0, 1) as well), but this lesson's convention is μ + σ·ε, and the checker compares "
            "your draws with the package's one for one. Use +.":
                lambda mu, logvar: mu - torch.exp(0.5 * logvar) * torch.randn_like(mu),
            "your z is drawn with autograd switched off, by Normal(mu, std).sample() or inside "
            "torch.no_grad() (section 1): the numbers are right, but nothing records how μ and σ "
            "made z, so no gradient reaches mu or logvar. Use .rsample(), or build z as μ + σ·ε.":
                sampled,
            "torch.normal(mu, std) draws the right numbers, but autograd gives it a zero gradient "
            "with respect to mu and std, so nothing reaches mu or logvar. Draw ε on its own "
            "(torch.randn_like) and build z as μ + σ·ε.":
                torch_normal,
            ".detach() cuts your z off from μ and σ: the numbers are right, but no gradient reaches "
            "mu or logvar through the detached part. Build z as μ + σ·ε without .detach().":
                detached,
        },
    ),
]
