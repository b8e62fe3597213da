"""The exercises of lesson 07_stable_diffusion (notebooks/07_stable_diffusion.ipynb): the
training objective `ddpm_loss`, and the two formulas of each sampling step, `guided_eps`
(classifier-free guidance) and `ddim_step`.

Each is checked on random latents shaped like the pipeline's, made from a generator seeded
with k, so no dataset and no trained weights are needed (ddpm_loss uses a small untrained
denoiser, and replays the package's random numbers: t, then eps, then the prompts to drop);
each known slip has a message that says what is wrong (its Chinese is in
translations/zh/07_stable_diffusion.json).
"""

from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn

from ..diffusion import EMPTY, T, Denoiser, alphas_bar, ddim_step, ddpm_loss, guided_eps
from ..i18n import tr
from . import Exercise


def guidance_inputs(k: int) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The k-th test case for a learner's guided_eps: (eps_empty, eps_cond, g)."""
    gen = torch.Generator().manual_seed(k)
    return (torch.randn(2, 4, 7, 7, generator=gen), torch.randn(2, 4, 7, 7, generator=gen),
            (3.0, 1.5, 7.0, 2.0, 4.5)[k % 5])


def ddim_inputs(k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The k-th test case for a learner's ddim_step: (x_t, eps, alpha_bar_t, alpha_bar_prev),
    the two alpha-bars as 0-d tensors, as the pipeline passes them (the last case is a final
    step, to alpha_bar_prev = 1: no noise left)."""
    gen = torch.Generator().manual_seed(k)
    ab = torch.cat([alphas_bar(), torch.ones(1)])  # ab[-1] = 1: "after the last step"
    t, t_prev = ((500, 460), (300, 260), (200, 160), (600, 500), (40, -1))[k % 5]
    return (torch.randn(2, 4, 7, 7, generator=gen), torch.randn(2, 4, 7, 7, generator=gen), ab[t], ab[t_prev])


# ---------------------------------------------------------------- ddpm_loss, the training objective

class ProbeNet(nn.Module):
    """A small untrained denoiser whose guess also swings with t itself (sin 0.9 t), so that a
    loss computed at t + 1 instead of t shows; it has the denoiser's `text_encoder`."""

    def __init__(self):
        super().__init__()
        self.net = Denoiser(width=16, blocks=1)
        self.text_encoder = self.net.text_encoder

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        return self.net(x_t, t, text) + torch.sin(0.9 * t.float())[:, None, None, None]


@lru_cache(maxsize=None)
def _small_net(k: int) -> ProbeNet:
    """The probe net number k, the same at every call (the lesson's random numbers left as they were)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(k)
        return ProbeNet()


def loss_inputs(k: int) -> tuple:
    """The k-th test case for a learner's ddpm_loss: (net, x0, ids, p_uncond), 32 latents."""
    gen = torch.Generator().manual_seed(k)
    return (_small_net(k % 2), torch.randn(32, 4, 7, 7, generator=gen), torch.randint(0, 10, (32,), generator=gen),
            (0.1, 0.5, 0.1, 0.3, 0.2)[k % 5])


def slipped_loss(net, x0, ids, p_uncond=0.1, *, t_range=(0, T), same_t=False, order="t eps drop", noise="fresh",
                 signal="sqrt", mix="sqrt", target="eps", net_input="x_t", drop="below", empty=EMPTY):
    """ddpm_loss with one thing done differently (the named mistakes below): the defaults are
    the package's own loss."""
    ab = alphas_bar(x0.device)
    draws = {}
    for name in order.split():
        if name == "t":
            draws["t"] = torch.randint(*t_range, (1 if same_t else len(x0),), device=x0.device).expand(len(x0))
        elif name == "eps":
            draws["eps"] = {"fresh": lambda: torch.randn_like(x0),
                            "shared": lambda: torch.randn_like(x0[:1]).expand_as(x0),
                            "fixed": lambda: torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))}[noise]()
        elif name == "drop":
            u = torch.rand(len(ids), device=ids.device)
            draws["drop"] = u < p_uncond if drop == "below" else u > p_uncond
    t, eps = draws["t"], draws["eps"]
    a = ab[t][:, None, None, None]
    x_t = (a.sqrt() if signal == "sqrt" else a) * x0 + ((1 - a).sqrt() if mix == "sqrt" else 1 - a) * eps
    kept = ids if drop == "never" else torch.where(draws["drop"], torch.full_like(ids, empty), ids)
    guess = net(x_t if net_input == "x_t" else x0, t, net.text_encoder(kept))
    return F.mse_loss(guess, eps if target == "eps" else x0)


def loss_gradient_problem(fn) -> str | None:
    """The loss must carry a gradient to the net's weights, or training cannot use it."""
    with torch.random.fork_rng(devices=[]):
        loss = fn(*loss_inputs(0))
    if not (torch.is_tensor(loss) and loss.requires_grad):
        return tr("your loss carries no gradient (a float from .item(), or computed under torch.no_grad()): "
                  "training needs the tensor itself, to call loss.backward() on it")
    return None


EXERCISES = [
    Exercise(
        name="ddpm_loss", reference=ddpm_loss, inputs=loss_inputs, seeded=True, also=loss_gradient_problem,
        mistakes={
            "the net is asked for x0: its target is the noise eps that was mixed in (the epsilon-parameterisation)":
                lambda *a: slipped_loss(*a, target="x0"),
            "alpha_bar is used where its square root belongs: x_t = sqrt(alpha_bar_t) * x0 + sqrt(1 - alpha_bar_t) "
            "* eps (the variances add up to 1, not the factors)":
                lambda *a: slipped_loss(*a, signal="plain", mix="plain"),
            "the noise is scaled by (1 - alpha_bar_t): its factor is sqrt(1 - alpha_bar_t)":
                lambda *a: slipped_loss(*a, mix="plain"),
            "the clean part is scaled by alpha_bar_t: its factor is sqrt(alpha_bar_t)":
                lambda *a: slipped_loss(*a, signal="plain"),
            "the prompt is never dropped: without a share p_uncond of empty prompts the net never learns the "
            "unconditional guess eps_empty that guidance needs":
                lambda net, x0, ids, p=0.1: slipped_loss(net, x0, ids, p, drop="never"),
            "the prompt is dropped with probability 1 - p_uncond: keep it when the draw is above p_uncond, "
            "drop it (torch.rand(...) < p_uncond) when below":
                lambda *a: slipped_loss(*a, drop="above"),
            "dropped prompts become 0, the digit zero: the empty prompt's id is diffusion.EMPTY":
                lambda *a: slipped_loss(*a, empty=0),
            "one timestep for the whole batch: draw one t per latent, torch.randint(0, T, (len(x0),))":
                lambda *a: slipped_loss(*a, same_t=True),
            "t is drawn from 1 ... T (the DDPM paper counts from 1): here the timesteps are 0 ... T - 1, "
            "alpha_bar[0] is the first step, so use torch.randint(0, T, ...)":
                lambda *a: slipped_loss(*a, t_range=(1, T + 1)),
            "the net sees the clean x0: give it the noisy x_t, whose noise it must find":
                lambda *a: slipped_loss(*a, net_input="x0"),
            "the noise is the same for every latent of the batch: draw fresh noise shaped like x0 "
            "(torch.randn_like(x0))":
                lambda *a: slipped_loss(*a, noise="shared"),
            "the noise is the same at every call (a generator with a fixed seed): training needs fresh noise "
            "each time, torch.randn_like(x0)":
                lambda *a: slipped_loss(*a, noise="fixed"),
            "your loss looks right, but eps was drawn before t: the checker replays the package's random numbers, "
            "so draw them in its order: t, then eps, then the prompts to drop":
                lambda *a: slipped_loss(*a, order="eps t drop"),
            "your loss looks right, but the prompts to drop were drawn first: the checker replays the package's "
            "random numbers, so draw them in its order: t, then eps, then the prompts to drop":
                lambda *a: slipped_loss(*a, order="drop t eps"),
        }),
    Exercise(
        name="guided_eps", reference=guided_eps, inputs=guidance_inputs,
        mistakes={
            "the sign of the difference is flipped: walk from eps_empty towards the prompt, g * "
            "(eps_cond - eps_empty), not away from it":
                lambda e0, ec, g: e0 + g * (e0 - ec),
            "g multiplies only eps_cond: put the difference in parentheses, g * (eps_cond - eps_empty)":
                lambda e0, ec, g: g * ec,
            "g is applied to the wrong term: it multiplies the difference (eps_cond - eps_empty), "
            "not eps_empty":
                lambda e0, ec, g: g * e0 + (ec - e0),
            "you started from eps_cond: eps_cond + g * (eps_cond - eps_empty) = (1 + g) eps_cond - "
            "g eps_empty is the other convention, with w = g. Ours starts from eps_empty":
                lambda e0, ec, g: ec + g * (ec - e0),
            "eps_empty and eps_cond are swapped: the first argument is the EMPTY prompt's guess":
                lambda e0, ec, g: ec + g * (e0 - ec),
        }),
    Exercise(
        name="ddim_step", reference=ddim_step, inputs=ddim_inputs,
        mistakes={
            "the sqrt is missing on alpha_bar: divide by sqrt(alpha_bar_t), and scale x0 by "
            "sqrt(alpha_bar_prev)":
                lambda x, e, a, ap: ap * ((x - (1 - a) ** 0.5 * e) / a) + (1 - ap) ** 0.5 * e,
            "the sqrt is missing on alpha_bar_t: x0 = (x_t - sqrt(1 - alpha_bar_t) * eps) / "
            "sqrt(alpha_bar_t)":
                lambda x, e, a, ap: ap ** 0.5 * ((x - (1 - a) ** 0.5 * e) / a) + (1 - ap) ** 0.5 * e,
            "the sqrt is missing on alpha_bar_prev: the clean part of the next latent is "
            "sqrt(alpha_bar_prev) * x0":
                lambda x, e, a, ap: ap * ((x - (1 - a) ** 0.5 * e) / a ** 0.5) + (1 - ap) ** 0.5 * e,
            "the x0 formula uses (1 - alpha_bar_t) where it needs sqrt(1 - alpha_bar_t): the noise "
            "in x_t is sqrt(1 - alpha_bar_t) * eps":
                lambda x, e, a, ap: ap ** 0.5 * ((x - (1 - a) * e) / a ** 0.5) + (1 - ap) ** 0.5 * e,
            "the noise you put back uses (1 - alpha_bar_prev) where it needs sqrt(1 - alpha_bar_prev)":
                lambda x, e, a, ap: ap ** 0.5 * ((x - (1 - a) ** 0.5 * e) / a ** 0.5) + (1 - ap) * e,
            "you returned the clean guess x0: a DDIM step noises it again, to the level of the next step":
                lambda x, e, a, ap: (x - (1 - a) ** 0.5 * e) / a ** 0.5,
            "the noise is added instead of removed in the x0 formula: x0 = (x_t - sqrt(1 - "
            "alpha_bar_t) * eps) / ...":
                lambda x, e, a, ap: ap ** 0.5 * ((x + (1 - a) ** 0.5 * e) / a ** 0.5) + (1 - ap) ** 0.5 * e,
            "alpha_bar_t and alpha_bar_prev are swapped: x0 comes from x_t's level (alpha_bar_t), "
            "the result goes to the next level (alpha_bar_prev)":
                lambda x, e, a, ap: a ** 0.5 * ((x - (1 - ap) ** 0.5 * e) / ap ** 0.5) + (1 - a) ** 0.5 * e,
        }),
]
