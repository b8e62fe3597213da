"""The exercises of lesson 06_latent_sampling (notebooks/06_latent_sampling.ipynb): slerp.

The learner writes `my_slerp(a, b, t)`, the walk from code a to code b along the arc; the
reference is the package's own `plotting.slerp`, which the lesson's morphs use until the
learner's passes. The check runs five random pairs and one parallel pair, a = b: there the
angle Ω is 0 and sin Ω is 0, the formula divides 0 by 0, and the arc is simply the line.
"""

from __future__ import annotations

from typing import Callable

import torch

from ..plotting import slerp
from . import Exercise

RANDOM_PAIRS = 5  # cases 0-4; case 5 is the parallel pair
STEPS = torch.linspace(0, 1, 7).unsqueeze(1)  # t: 7 steps, shape (7, 1)


def slerp_case(k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Test case k of slerp. Cases 0-4: two random 20-number codes with norms between 0.5 and
    0.9 (below 1, so one known mistake, the angle taken without the norms, stays free of NaN).
    Case 5: a = b, with entries 1/4 and 0 (norm 1/2), exact in binary: cos Ω computes to exactly
    1 and Ω to exactly 0, so a slerp without a guard for Ω = 0 returns NaN there."""
    if k >= RANDOM_PAIRS:
        a = torch.zeros(20)
        a[::5] = 0.25
        return a, a.clone(), STEPS.clone()
    g = torch.Generator().manual_seed(k)
    a, b = torch.randn(2, 20, generator=g)
    a = a / a.norm() * (0.5 + 0.4 * torch.rand(1, generator=g))
    b = b / b.norm() * (0.5 + 0.4 * torch.rand(1, generator=g))
    return a, b, STEPS.clone()


def _omega(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The angle Ω between a and b."""
    return torch.arccos((torch.dot(a, b) / (a.norm() * b.norm())).clamp(-1, 1))


def _as_learners_write(formula: Callable, angle: Callable = _omega) -> Callable:
    """A known mistake as a learner who follows the exercise writes it: the line where their
    angle is (almost) 0 (the parallel pair), their mistaken `formula` everywhere else. Without
    that guard the parallel pair gives NaN, which matches no mistake: the check then names the
    first input that differs."""
    def mistaken_slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return (1 - t) * a + t * b if angle(a, b) < 1e-4 else formula(a, b, t)
    return mistaken_slerp


def _weights(w: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """sin((1 − t)·w) and sin(t·w): slerp's two weights before the division by sin w."""
    return torch.sin((1 - t) * w), torch.sin(t * w)


def _dot_angle(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The angle taken without the norms: arccos(a·b)."""
    return torch.arccos(torch.dot(a, b).clamp(-1, 1))


def _angle_without_norms(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    wa, wb = _weights(_dot_angle(a, b), t)
    return (wa * a + wb * b) / torch.sin(_dot_angle(a, b))


def _sines_swapped(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    wa, wb = _weights(_omega(a, b), t)
    return (wb * a + wa * b) / torch.sin(_omega(a, b))


def _not_divided(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    wa, wb = _weights(_omega(a, b), t)
    return wa * a + wb * b


def _unit_vectors(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    wa, wb = _weights(_omega(a, b), t)
    return (wa * a / a.norm() + wb * b / b.norm()) / torch.sin(_omega(a, b))


EXERCISES = [
    Exercise(
        name="slerp",
        reference=slerp,
        inputs=slerp_case,
        trials=RANDOM_PAIRS + 1,
        mistakes={
            "that is the straight line (1 − t)·a + t·b, the chord. Slerp weights a and b by sines of angles.":
                lambda a, b, t: (1 - t) * a + t * b,
            "the angle is off: cos Ω is the dot product of the unit vectors, a·b / (‖a‖·‖b‖), not a·b.":
                _as_learners_write(_angle_without_norms, angle=_dot_angle),
            "your path runs from b to a: the sin terms are swapped (a's weight must be 1 at t = 0).":
                _as_learners_write(_sines_swapped),
            "your path does not start at a and end at b: divide both weights by sin Ω.":
                _as_learners_write(_not_divided),
            "your path joins the unit vectors a/‖a‖ and b/‖b‖; slerp must join a and b themselves.":
                _as_learners_write(_unit_vectors),
        },
    ),
]
