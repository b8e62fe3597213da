"""The exercise of lesson 05_training (notebooks/05_training.ipynb): `my_step`, one
optimisation step, the function that drives the lesson's training loop.

A step's own return value, the (BCE, KL) it scored before moving the weights, cannot show
whether it moved them well: a step that forgets `optimizer.step()` reports the right numbers.
So the check has two parts. First one step on a small VAE whose optimizer cannot move
(SGD at learning rate 0), so the learner's step and the package's `train_step` score the same
weights: that catches wrong numbers (means instead of sums, a KL with the wrong sign). Then
`three_steps_agree` runs three real Adam steps from identical copies of the small VAE and
compares what each step reports and where it leaves the weights: that catches a missing
`step()` or `zero_grad()`, a KL pushed the wrong way, a beta ignored. Inputs are random
images made from seeded generators (no dataset); the trials' models are made, and their
three steps run, without touching the global random state.

The trials' VAE draws its noise ε once, when it is made, and reuses it at every forward pass
(`FixedNoiseVAE`). So the verdict does not depend on how many random numbers a step draws: a
right step that runs one more forward pass (to log something, say) or draws random numbers for
anything else scores exactly what `train_step` scores, and is accepted. (A step that samples z
by hand with its own ε, instead of calling `model(x)`, is not recognised: the lesson's step
calls `model(x)`.)
Each known slip has a message; its Chinese is in translations/zh/05_training.json.
"""

from __future__ import annotations

from typing import Callable

import torch

from ..i18n import tr
from ..losses import vae_loss_parts
from ..models import VAE
from ..training import train_step
from . import Exercise

Step = Callable  # step(model, optimizer, x, beta) -> (bce, kl), each summed over the batch
BETAS = (1.0, 0.5, 2.0)  # trial k trains with BETAS[k]: a step that ignores beta shows


class FixedNoiseVAE(VAE):
    """The check's small VAE: z = μ + σ·ε with one ε per image, drawn when the model is made and
    reused at every forward pass, so a step is scored the same however many passes it runs."""

    def __init__(self, noise: torch.Tensor):
        super().__init__(hidden_dim=32, latent_dim=noise.shape[1])
        self.register_buffer("noise", noise)  # a buffer: saved with the model, never trained

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return mu + self.noise[:len(mu)] * torch.exp(0.5 * logvar)


def small_vae(k: int) -> tuple[VAE, torch.Tensor]:
    """Trial k's small VAE (same weights and noise every time it is made) and its 16 random
    images, without touching the global random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(k)
        net = FixedNoiseVAE(torch.randn(16, 4))
    images = torch.rand(16, 784, generator=torch.Generator().manual_seed(100 + k))
    return net, images


def step_inputs(k: int) -> tuple[VAE, torch.optim.Optimizer, torch.Tensor, float]:
    """Trial k for one step: (model, optimizer, x, beta). The optimizer is SGD at learning rate
    0, so the step cannot change the weights and every function checked scores the same ones."""
    net, images = small_vae(k)
    return net, torch.optim.SGD(net.parameters(), lr=0.0), images, BETAS[k]


def three_steps(step: Step, k: int) -> torch.Tensor | None:
    """Run `step` three times with Adam (lr 1e-3) on trial k's VAE and images; return the six
    numbers it reported, then the (BCE, KL) of the weights it left behind, scored from μ (no
    sampling noise). The model's ε is fixed, and the global seed is set inside (for a step that
    draws its own noise), so two runs agree. None if `step` returns None."""
    net, x = small_vae(k)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    reported = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1000 + k)
        for _ in range(3):
            out = step(net, optimizer, x.clone(), BETAS[k])
            if out is None:
                return None
            reported += [torch.as_tensor(v).detach().double().reshape(()) for v in out]
    with torch.no_grad():
        mu, logvar = net.encode(x)
        reported += [v.double() for v in vae_loss_parts(net.decode(mu), x, mu, logvar)]
    return torch.stack(reported)


def _same(a: torch.Tensor | None, b: torch.Tensor | None) -> bool:
    """Two runs of `three_steps` agree (both ran, same numbers within the check's tolerance)."""
    return a is not None and b is not None and torch.allclose(a, b, rtol=1e-4, atol=1e-4)


def three_steps_agree(step: Step) -> str | None:
    """None when three steps of `step` report the numbers `train_step` reports and leave the
    weights where it leaves them; else the known slip it matches, or what is wrong."""
    trials = range(len(BETAS))
    try:
        runs = [three_steps(step, k) for k in trials]
    except Exception:  # the learner's code: a step that fails on a later call is simply not right
        runs = [None for _ in trials]
    if all(_same(run, three_steps(train_step, k)) for k, run in zip(trials, runs)):
        return None
    for message, wrong in EXERCISES[0].mistakes.items():
        if all(_same(run, three_steps(wrong, k)) for k, run in zip(trials, runs)):
            return message
    return tr("one step reports the right numbers, but three steps do not end where train_step's end. "
              "Check the order: zero_grad(), the loss, backward(), step().")


def _step(model, optimizer, x, beta, *, forget: bool = True, move: bool = True,
          loss: Callable = lambda bce, kl, beta: bce + beta * kl,
          report: Callable = lambda bce, kl, x: (bce, kl)) -> tuple[torch.Tensor, ...]:
    """A training step with one slip in it: no zero_grad() (forget=False), no step()
    (move=False), another loss, or other numbers reported."""
    if forget:
        optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    loss(bce, kl, beta).backward()
    if move:
        optimizer.step()
    return tuple(v.detach() for v in report(bce, kl, x))


EXERCISES = [
    Exercise(
        name="my_step", reference=train_step, inputs=step_inputs, also=three_steps_agree,
        trials=len(BETAS), seeded=True,
        mistakes={
            "the weights did not move. A step needs loss.backward() and then optimizer.step() "
            "(optimizer.zero_grad() goes before backward(), or it wipes the fresh gradients).":
                lambda m, o, x, b: _step(m, o, x, b, move=False),
            "the first step is right, the later ones are not: the gradients pile up. Call "
            "optimizer.zero_grad() at the start of every step (backward() adds to .grad).":
                lambda m, o, x, b: _step(m, o, x, b, forget=False),
            "your losses are averages per image; return (and train on) the sums over the batch.":
                lambda m, o, x, b: _step(m, o, x, b, loss=lambda bce, kl, b: (bce + b * kl) / len(x),
                                         report=lambda bce, kl, x: (bce / len(x), kl / len(x))),
            "your BCE is averaged over every pixel (binary_cross_entropy's default, reduction='mean') "
            "while the KL is summed, so the KL outweighs the picture; use reduction='sum'.":
                lambda m, o, x, b: _step(m, o, x, b, loss=lambda bce, kl, b: bce / x.numel() + b * kl,
                                         report=lambda bce, kl, x: (bce / x.numel(), kl)),
            "the KL term has the wrong sign: the loss is bce + beta * kl, and a KL is never negative.":
                lambda m, o, x, b: _step(m, o, x, b, loss=lambda bce, kl, b: bce - b * kl),
            "the KL comes out negative: it is -0.5 * sum(1 + logvar - mu² - exp(logvar)), with the minus "
            "in front (or use vae_loss_parts).":
                lambda m, o, x, b: _step(m, o, x, b, loss=lambda bce, kl, b: bce - b * kl,
                                         report=lambda bce, kl, x: (bce, -kl)),
            "beta is ignored: the loss is bce + beta * kl.":
                lambda m, o, x, b: _step(m, o, x, 1.0),
        }),
]
