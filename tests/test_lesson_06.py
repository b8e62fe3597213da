"""Lesson 06's exercise: the learner writes slerp(a, b, t); the check accepts a right one and names
known mistakes. The cases and mistakes below are those of the lesson's checker cell (the last test
keeps the two in step); the reference is the package's own `plotting.slerp`. The notebook itself is
not executed here."""

import re
from pathlib import Path

import nbformat
import pytest
import torch

from vae_lessons.lesson import check_function
from vae_lessons.plotting import slerp

LESSON = Path(__file__).resolve().parent.parent / "notebooks" / "06_latent_sampling.ipynb"


def exercise_pair(k):
    """The lesson's test case k: two random codes with norms between 0.5 and 0.9, 7 steps of t."""
    g = torch.Generator().manual_seed(k)
    a, b = torch.randn(2, 20, generator=g)
    a = a / a.norm() * (0.5 + 0.4 * torch.rand(1, generator=g))
    b = b / b.norm() * (0.5 + 0.4 * torch.rand(1, generator=g))
    return a, b, torch.linspace(0, 1, 7).unsqueeze(1)


def _omega(a, b):
    return torch.arccos((torch.dot(a, b) / (a.norm() * b.norm())).clamp(-1, 1))


def straight_line(a, b, t):
    return (1 - t) * a + t * b


def unnormalised_angle(a, b, t):
    w = torch.arccos(torch.dot(a, b).clamp(-1, 1))
    return (torch.sin((1 - t) * w) * a + torch.sin(t * w) * b) / torch.sin(w)


def sines_swapped(a, b, t):
    w = _omega(a, b)
    return (torch.sin(t * w) * a + torch.sin((1 - t) * w) * b) / torch.sin(w)


def not_divided(a, b, t):
    w = _omega(a, b)
    return torch.sin((1 - t) * w) * a + torch.sin(t * w) * b


def unit_vectors(a, b, t):
    w = _omega(a, b)
    return (torch.sin((1 - t) * w) * a / a.norm() + torch.sin(t * w) * b / b.norm()) / torch.sin(w)


KNOWN_MISTAKES = {  # message (as in the lesson) -> the lesson's own wrong version
    "that is the straight line (1 − t)·a + t·b, the chord. Slerp weights a and b by sines of angles.":
        lambda a, b, t: (1 - t) * a + t * b,
    "the angle is off: cos Ω is the dot product of the unit vectors, a·b / (‖a‖·‖b‖), not a·b.":
        unnormalised_angle,
    "your path runs from b to a: the sin terms are swapped (a's weight must be 1 at t = 0).":
        lambda a, b, t: slerp(b, a, t),
    "your path does not start at a and end at b: divide both weights by sin Ω.":
        lambda a, b, t: slerp(a, b, t) * torch.sin(_omega(a, b)),
    "your path joins the unit vectors a/‖a‖ and b/‖b‖; slerp must join a and b themselves.":
        lambda a, b, t: slerp(a / a.norm(), b / b.norm(), t),
}


def check(fn):
    return check_function(fn, slerp, exercise_pair, mistakes=KNOWN_MISTAKES)


def lesson_solution():
    """The function in the lesson's folded Solution, as a learner would paste it."""
    nb = nbformat.read(LESSON, as_version=4)
    text = next(c.source for c in nb.cells if c.cell_type == "markdown" and "<summary>Solution</summary>" in c.source)
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace = {"torch": torch}
    exec(code, namespace)
    return namespace["my_slerp"]


def test_the_lessons_solution_passes():
    assert check(lesson_solution())


def test_a_right_answer_in_other_words_passes():
    def via_unit_vectors(a, b, t):  # slerp the directions, then scale back along the way
        u, v = a / a.norm(), b / b.norm()
        w = torch.arccos(torch.clamp(u @ v, -1, 1))
        return (torch.sin((1 - t) * w) * a + torch.sin(t * w) * b) / torch.sin(w)

    assert check(via_unit_vectors)


@pytest.mark.parametrize("wrong, message", [
    (straight_line, "straight line"),
    (unnormalised_angle, "unit vectors, a·b / (‖a‖·‖b‖), not a·b"),
    (sines_swapped, "runs from b to a"),
    (not_divided, "divide both weights by sin Ω"),
    (unit_vectors, "joins the unit vectors"),
])
def test_each_known_mistake_is_rejected_and_named(wrong, message, capsys):
    verdict = check(wrong)
    assert not verdict
    assert message in capsys.readouterr().out


def test_an_unknown_mistake_is_rejected_and_the_stub_is_not_answered(capsys):
    assert not check(lambda a, b, t: slerp(a, b, t) + 0.01)
    assert "on input #1" in capsys.readouterr().out

    def stub(a, b, t):
        ...  # your code here

    assert not check(stub)
    assert "Not answered yet" in capsys.readouterr().out


def test_the_lessons_checker_uses_these_cases_and_names_these_mistakes():
    nb = nbformat.read(LESSON, as_version=4)
    checker = next(c.source for c in nb.cells if c.cell_type == "code" and "check_function(my_slerp" in c.source)
    assert "check_function(my_slerp, slerp, exercise_pair, mistakes=known_mistakes)" in checker
    assert "from vae_lessons.plotting import slerp" in checker
    assert "(0.5 + 0.4 * torch.rand(1, generator=g))" in checker and "torch.linspace(0, 1, 7)" in checker
    for message in KNOWN_MISTAKES:
        assert message in checker, message


def test_the_lab_uses_the_measured_labels_and_has_a_static_picture_and_a_pad():
    """The lab's slider labels are the ones the traversal table measured (not typed in), the 2-D
    pad is there, and the cell that drives the lab from Python leaves a plain PNG for GitHub."""
    nb = nbformat.read(LESSON, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    lab = next(c.source for c in code if "LatentExplorer(" in c.source)
    assert "dimension_labels=dimension_labels" in lab
    assert any("dimension_labels[i] = (" in c.source and "keeps[r]" in c.source for c in code)
    assert any("LatentPad(" in c.source for c in code)
    strip = next(c for c in code if "lab.draw(" in c.source)
    assert "lab.back_button.click()" in strip.source and "lab.sliders[top].value" in strip.source
    assert any("image/png" in out.get("data", {}) for out in strip.outputs), "run scripts/run_notebooks.py 06"


def test_the_saved_lesson_stays_small():
    assert LESSON.stat().st_size < 700_000, "figures or widget state grew: see the lesson's size budget"
