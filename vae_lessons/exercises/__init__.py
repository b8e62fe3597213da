"""Every exercise of the lessons in one home: the reference, the test inputs, the named mistakes.

A lesson's checker cell is one line,

    pca_repaint = check_exercise("pca_repaint", pca_repaint)

which tests the learner's function on the exercise's inputs against the package's own, names
a known mistake when the answers match one, and returns the function the lesson uses from there
on: the learner's once it passes, the package's until then (and says which). One module per
lesson, named after it; tests/test_exercises.py checks every exercise and every mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..i18n import tr
from ..lesson import Verdict, check_function


@dataclass(frozen=True)
class Exercise:
    """One function a learner writes. `inputs` is a list of argument tuples or inputs(k) for
    k = 0..trials-1; `mistakes` maps an English message to a known wrong version; `also` is a
    further test of the learner's function (say, that gradients flow), returning what is
    wrong or None; `seeded` reseeds torch before each call, for functions that draw noise.
    What `also` returns is shown through the catalog: return a key of `mistakes`, or a literal
    written as `tr("...")` in the module, so the drift check sees its Chinese."""

    name: str
    reference: Callable
    inputs: Sequence[Sequence] | Callable[[int], Sequence]
    mistakes: dict[str, Callable] = field(default_factory=dict)
    also: Callable[[Callable], str | None] | None = None
    trials: int = 5
    seeded: bool = False
    atol: float = 1e-4
    rtol: float = 1e-4


def exercises() -> dict[str, Exercise]:
    """Every exercise by name."""
    from . import (bottleneck, encoder_decoder, kl_divergence, latent_sampling,
                   reparameterization, stable_diffusion, training)

    modules = (bottleneck, encoder_decoder, reparameterization, kl_divergence, training,
               latent_sampling, stable_diffusion)
    return {ex.name: ex for module in modules for ex in module.EXERCISES}


def verdict(name: str, fn: Callable) -> Verdict:
    """Check the learner's `fn` against exercise `name`; print and return the verdict."""
    ex = exercises()[name]
    return check_function(fn, ex.reference, ex.inputs, mistakes=ex.mistakes, also=ex.also,
                          trials=ex.trials, seeded=ex.seeded, atol=ex.atol, rtol=ex.rtol)


def check_exercise(name: str, fn: Callable) -> Callable:
    """Check `fn`, say which function the lesson uses from here on, and return it: the
    learner's once it passes, the package's reference until then."""
    if verdict(name, fn):
        print(tr("The lesson uses your {name} from here on.", name=name))
        return fn
    reference = exercises()[name].reference
    print(tr("The lesson uses the package's {reference} until your {name} passes.",
             reference=reference.__name__, name=name))
    return reference
