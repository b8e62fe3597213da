"""The helpers every lesson notebook calls: `setup()` first, `claim()` for what the prose says
a result shows, and `check()` / `check_function()` for exercises.

Why `claim`: a lesson that contradicts its own figure is the worst bug a teaching series can
ship. Every sentence about a result is either printed from the values or stated through
`claim(condition, sentence)`: in full mode (the committed run) a false claim stops the run; in
fast mode (small data, few epochs) it is only reported.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Sequence

import torch

from .i18n import set_language, tr
from .plotting import use_lesson_style
from .training import pick_device, seed_everything

FAST_ENV = "VAE_LESSONS_FAST"


def fast_mode() -> bool:
    """True when VAE_LESSONS_FAST=1: lessons shrink their data and epochs to run in about a
    minute on a 2-core CPU (CI uses it). Off by default: learners get the full lesson."""
    return os.environ.get(FAST_ENV, "0").strip().lower() in ("1", "true", "yes")


def setup(seed: int = 0, lang: str | None = None) -> tuple[torch.device, bool]:
    """Pick the device, seed everything, set the figure style and language; say what was chosen."""
    if lang is not None:
        set_language(lang)
    device, fast = pick_device(), fast_mode()
    seed_everything(seed)
    use_lesson_style()
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else device.type
    on_off = tr("on") if fast else tr("off")
    print(tr("device: {name} | fast mode: {on_off} ({env})", name=name, on_off=on_off, env=FAST_ENV))
    return device, fast


# ---------------------------------------------------------------- claims

class ClaimError(AssertionError):
    """A sentence of the lesson that this run's numbers do not support (full mode only)."""


def claim(condition: Any, text: str, /, **values: Any) -> None:
    """State what the run shows, checked: print "✓ text" when `condition` holds.

    `text` is English, with {fields} filled from `values` (as `tr`; Chinese from the catalog).
    A false claim raises ClaimError in full mode, so `scripts/run_notebooks.py` fails and no
    lesson is committed that contradicts its outputs; in fast mode it prints a ✗ line instead.
    """
    sentence = tr(text, **values)
    if bool(condition):
        print(f"✓ {sentence}")
    elif fast_mode():
        print(tr("✗ not shown by this fast-mode run (small data, few epochs): {sentence}", sentence=sentence))
    else:
        raise ClaimError(f"the lesson says {sentence!r}, but this run does not show it")


# ---------------------------------------------------------------- exercise checks

class Verdict:
    """The result of a check: true when the answer is right. It prints itself once, when
    made, so a cell ending with check(...) shows the verdict and no stray repr."""

    def __init__(self, ok: bool, message: str):
        self.ok, self.message = ok, message
        print(message)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"Verdict(ok={self.ok})"

    def _ipython_display_(self) -> None:  # already printed: show nothing more
        pass


def _as_tensor(x: Any) -> torch.Tensor:
    return torch.as_tensor(x).detach().cpu().double()


def _compare(answer: Any, expected: Any, atol: float, rtol: float) -> str | None:
    """None when `answer` equals `expected`; else what is wrong, as precisely as we can tell.

    Shapes that differ only by size-1 dimensions ((1,) for a scalar) count as the same. An
    integer `expected` (a count, such as a number of parameters) must be matched exactly.
    """
    if isinstance(expected, (str, bool)) or isinstance(answer, (str, bool)):
        return None if answer == expected else tr("that is not the expected answer")
    try:
        a, e = _as_tensor(answer), _as_tensor(expected)
    except (TypeError, ValueError, RuntimeError):
        return tr("expected numbers, got {kind}", kind=type(answer).__name__)
    if a.squeeze().shape != e.squeeze().shape:
        return tr("wrong shape: yours is {yours}, expected {expected}", yours=tuple(a.shape), expected=tuple(e.shape))
    a, e = a.reshape(e.shape), e
    if torch.isnan(a).any() and not torch.isnan(e).any():
        return tr("your answer contains NaN")

    exact = isinstance(expected, int) or (torch.is_tensor(expected) and not expected.is_floating_point())

    def close(x: torch.Tensor) -> bool:  # counts (integers) must be exact; measurements need a tolerance
        return torch.equal(x, e) if exact else torch.allclose(x, e, atol=atol, rtol=rtol, equal_nan=True)

    if close(a):
        return None
    if e.abs().max() > atol and close(-a):
        return tr("right size, wrong sign")
    if e.abs().max() > atol and (close(a / 2) or close(2 * a)):
        return tr("off by a factor of 2")
    worst = (a - e).abs().max().item()
    return tr("the values differ (largest difference {worst:.3g})", worst=worst)


def check(answer: Any, expected: Any, hint: str = "", *, atol: float = 1e-4,
          rtol: float = 1e-4) -> Verdict:
    """Compare an exercise answer with the expected one and print a verdict (never raises).

    `answer` None (or ...) means "not answered yet". Tensors, numbers, lists and NumPy arrays
    are compared as numbers, with tolerance; the verdict says what is wrong when it can tell
    (shape, sign, a factor of 2).
    """
    hint = tr(hint)
    if answer is None or answer is ...:
        return Verdict(False, tr("Not answered yet. Hint: {hint}", hint=hint))
    problem = _compare(answer, expected, atol, rtol)
    if problem is None:
        return Verdict(True, tr("Correct!"))
    return Verdict(False, tr("Not quite: {problem}. Hint: {hint}", problem=problem, hint=hint))


def check_function(fn: Callable, reference: Callable, inputs: Iterable[Sequence] | Callable[[int], Sequence],
                   *, mistakes: dict[str, Callable] | None = None,
                   also: Callable[[Callable], str | None] | None = None, trials: int = 5,
                   seeded: bool = False, atol: float = 1e-4, rtol: float = 1e-4) -> Verdict:
    """Test a function the learner wrote against the package's own, on several inputs.

    `inputs` is a list of argument tuples, or `inputs(k)` makes the k-th one (k = 0..trials-1).
    `seeded=True` reseeds torch before each call, so functions that draw random numbers (such as
    reparameterize) can be compared draw for draw. `mistakes` maps a message to a known wrong
    implementation: when the learner's results match one, that message is the verdict.
    `also(fn)` is a further test, run once the values agree (say, that gradients flow): it
    returns what is wrong, or None. One verdict is printed, after every test.
    """
    cases = [inputs(k) for k in range(trials)] if callable(inputs) else [tuple(c) for c in inputs]

    def run(f: Callable, args: Sequence, k: int):
        with torch.random.fork_rng(devices=[]):  # the lesson's own random numbers stay as they were
            if seeded:
                torch.manual_seed(1000 + k)
            return f(*[a.clone() if torch.is_tensor(a) else a for a in args])

    answers = []
    for k, args in enumerate(cases):
        try:
            answer = run(fn, args, k)
        except NotImplementedError:
            answer = None
        except Exception as e:  # the learner's code: report, never crash the lesson
            return Verdict(False, tr("Not quite: your function raised {kind}: {error}",
                                     kind=type(e).__name__, error=e))
        if answer is None:
            return Verdict(False, tr("Not answered yet: the function returns nothing. Fill in its body."))
        answers.append(answer)
    problems = [_compare(a, run(reference, args, k), atol, rtol) for k, (a, args) in enumerate(zip(answers, cases))]
    if all(p is None for p in problems):
        problem = _further_test(also, fn)
        if problem is not None:
            return Verdict(False, tr("Not quite: {problem}", problem=tr(problem)))
        return Verdict(True, tr("Correct! (checked on {n} inputs)", n=len(cases)))
    for message, wrong in (mistakes or {}).items():
        try:
            if all(_compare(a, run(wrong, args, k), atol, rtol) is None
                   for k, (a, args) in enumerate(zip(answers, cases))):
                return Verdict(False, tr("Not quite: {problem}", problem=tr(message)))
        except Exception:  # a broken "mistake" must not hide the real verdict
            continue
    k, problem = next((k, p) for k, p in enumerate(problems) if p is not None)
    return Verdict(False, tr("Not quite: on input #{k}, {problem}.", k=k + 1, problem=problem))


def _further_test(also: Callable[[Callable], str | None] | None, fn: Callable) -> str | None:
    """What `also(fn)` finds wrong, or None; the learner's exception is a finding, not a crash."""
    if also is None:
        return None
    try:
        return also(fn)
    except Exception as e:
        return tr("your function raised {kind}: {error}", kind=type(e).__name__, error=e)
