import numpy as np
import torch

import pytest

from vae_lessons.i18n import set_language
from vae_lessons.lesson import ClaimError, check, check_function, claim, fast_mode


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
    assert out == ["Correct!", "Not quite: the values differ (largest difference 0.5). Hint: look at mu",
                   "Not quite: wrong shape: yours is (3,), expected (2,). Hint: shape",
                   "Not answered yet. Hint: start here", "Correct!", "Correct!",
                   "Correct!", "Correct!"]  # shape (1,) is a fine answer for a scalar


def test_fast_mode_reads_the_environment(monkeypatch):
    monkeypatch.setenv("VAE_LESSONS_FAST", "1")
    assert fast_mode()
    monkeypatch.setenv("VAE_LESSONS_FAST", "0")
    assert not fast_mode()
    monkeypatch.delenv("VAE_LESSONS_FAST")
    assert not fast_mode()


def test_check_says_what_is_wrong(capsys):
    assert not check(-2.0, 2.0, hint="")
    assert not check(torch.tensor([2.0, 4.0]), [1.0, 2.0], hint="")
    assert check(torch.tensor([[0.5]]), 0.5, hint="")
    out = capsys.readouterr().out
    assert "wrong sign" in out and "factor of 2" in out and out.endswith("Correct!\n")


def reference_reparameterize(mu, logvar):
    return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)


def random_gaussians(k):
    g = torch.Generator().manual_seed(k)
    return torch.randn(8, 20, generator=g), torch.randn(8, 20, generator=g)


def test_check_function_accepts_a_right_answer_and_names_a_known_mistake(capsys):
    def sigma_as_logvar(mu, logvar):
        return mu + torch.randn_like(mu) * logvar

    def right_in_other_words(mu, logvar):
        return torch.randn_like(logvar) * logvar.exp().sqrt() + mu

    assert check_function(right_in_other_words, reference_reparameterize, random_gaussians, seeded=True)
    verdict = check_function(sigma_as_logvar, reference_reparameterize, random_gaussians, seeded=True,
                             mistakes={"log σ² used as σ": sigma_as_logvar})
    assert not verdict
    assert capsys.readouterr().out.splitlines()[-1] == "Not quite: log σ² used as σ"


def test_check_function_reports_stubs_and_errors_without_raising(capsys):
    def stub(mu, logvar):
        ...

    def broken(mu, logvar):
        return mu @ logvar  # shapes (8, 20) @ (8, 20) do not multiply

    assert not check_function(stub, reference_reparameterize, random_gaussians)
    assert not check_function(broken, reference_reparameterize, random_gaussians)
    out = capsys.readouterr().out
    assert "Not answered yet" in out and "raised RuntimeError" in out


def test_a_false_claim_fails_a_full_run_and_is_only_reported_in_fast_mode(monkeypatch, capsys):
    monkeypatch.setenv("VAE_LESSONS_FAST", "0")
    claim(2 > 1, "two is more than one")
    with pytest.raises(ClaimError, match="one is more than two"):
        claim(1 > 2, "one is more than two")
    monkeypatch.setenv("VAE_LESSONS_FAST", "1")
    claim(1 > 2, "one is more than two")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "✓ two is more than one"
    assert out[1].startswith("✗") and out[1].endswith("one is more than two")


def test_messages_follow_the_language_setting(capsys):
    set_language("zh")
    try:
        check(1.0, 1.0)
        claim(True, "Correct! (checked on {n} inputs)", n=3)  # any catalogued sentence
    finally:
        set_language("en")
    check(1.0, 1.0)
    assert capsys.readouterr().out.splitlines() == ["正确！", "✓ 正确！（用 3 组输入检查过）", "Correct!"]


def test_a_further_test_gives_one_verdict_after_the_values(capsys):
    """check_function's `also`: values right but the further test fails -> one 'Not quite'."""
    double = lambda x: 2 * x  # noqa: E731
    assert not check_function(double, double, [(torch.ones(2),)], also=lambda fn: "no gradient reaches x")
    assert check_function(double, double, [(torch.ones(2),)], also=lambda fn: None)
    out = capsys.readouterr().out.splitlines()
    assert out == ["Not quite: no gradient reaches x", "Correct! (checked on 1 inputs)"]


def test_a_count_is_checked_exactly(capsys):
    """330,052 parameters: 330,020 or 330,060 is wrong, whatever the relative tolerance."""
    assert check(330_052, 330_052) and check(torch.tensor(330_052.0), 330_052)
    assert not check(330_020, 330_052) and not check(330_060, 330_052)
    assert check(1.00001, 1.0)  # a measurement keeps its tolerance
    assert "largest difference 32" in capsys.readouterr().out
