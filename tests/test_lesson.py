import numpy as np
import torch

from vae_lessons.lesson import check, fast_mode


def test_check_accepts_right_answers_and_hints_on_wrong_or_missing(capsys):
    check(torch.tensor([1.0, 2.0]), [1.0, 2.00001], hint="h")
    check(torch.tensor([1.0, 2.5]), [1.0, 2.0], hint="look at mu")
    check(torch.zeros(3), torch.zeros(2), hint="shape")
    check(None, 1.0, hint="start here")
    check("encoder", "encoder", hint="")
    check([1.0, 2.0], torch.tensor([1.0, 2.0]), hint="")  # a list is a fine answer
    check(np.array([0.5]), 0.5, hint="np")  # wrong shape: (1,) against ()
    check(np.float64(0.5), 0.5, hint="")
    out = capsys.readouterr().out.splitlines()
    assert out == ["Correct!", "Not quite. Hint: look at mu", "Not quite. Hint: shape",
                   "Not answered yet. Hint: start here", "Correct!", "Correct!",
                   "Not quite. Hint: np", "Correct!"]


def test_fast_mode_reads_the_environment(monkeypatch):
    monkeypatch.setenv("VAE_LESSONS_FAST", "1")
    assert fast_mode()
    monkeypatch.setenv("VAE_LESSONS_FAST", "0")
    assert not fast_mode()
    monkeypatch.delenv("VAE_LESSONS_FAST")
    assert not fast_mode()
