"""The exercises of lesson 07_stable_diffusion (notebooks/07_stable_diffusion.ipynb): the two
formulas of each sampling step, `guided_eps` (classifier-free guidance) and `ddim_step`.

Each is checked on random latents shaped like the pipeline's (2, 4, 7, 7), made from a
generator seeded with k, so no dataset and no trained weights are needed; each known slip has
a message that says what is wrong (its Chinese is in translations/zh/07_stable_diffusion.json).
"""

from __future__ import annotations

import torch

from ..diffusion import alphas_bar, ddim_step, guided_eps
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


EXERCISES = [
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
