"""Lesson 03 (reparameterization): its gradient demonstration and its exercise check.

The notebook is not executed here. These tests rebuild the lesson's small computations with the
package's own VAE and check that they say what the lesson says: the reconstruction loss reaches
the encoder's mu and logvar heads through z = mu + sigma * eps and not through `.sample()`, and
the exercise's checker accepts a right `reparameterize` and names each known mistake.
"""

import json
from pathlib import Path
from unittest import mock

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal

from vae_lessons.lesson import check_function
from vae_lessons.losses import vae_loss
from vae_lessons.models import VAE

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_reparameterization.ipynb"
LAYERS = ("fc2_mean", "fc2_logvar", "fc4")  # the mu head, the logvar head, the decoder's last layer


def reconstruction_grads(model, x, draw_z):
    """The lesson's section-7 test: backpropagate the reconstruction loss alone (no KL term)."""
    model.zero_grad(set_to_none=True)
    mu, logvar = model.encode(x)
    F.binary_cross_entropy(model.decode(draw_z(mu, logvar)), x, reduction="sum").backward()
    return {name: getattr(model, name).weight.grad for name in LAYERS}


def reached(g):
    return g is not None and g.abs().sum().item() > 0


def with_sample(mu, logvar):  # the obvious way, which the lesson shows is a dead end
    return Normal(mu, torch.exp(0.5 * logvar)).sample()


def with_rsample(mu, logvar):
    return Normal(mu, torch.exp(0.5 * logvar)).rsample()


@pytest.fixture
def model_and_batch():
    torch.manual_seed(0)
    return VAE(), torch.rand(16, 784)


def test_reparameterize_lets_the_reconstruction_gradient_reach_both_encoder_heads(model_and_batch):
    model, x = model_and_batch
    for draw_z in (model.reparameterize, with_rsample):
        grads = reconstruction_grads(model, x, draw_z)
        assert all(reached(grads[name]) for name in LAYERS), draw_z


def test_the_demonstration_reports_no_gradient_when_sample_replaces_the_trick(model_and_batch):
    model, x = model_and_batch
    grads = reconstruction_grads(model, x, with_sample)
    assert grads["fc2_mean"] is None and grads["fc2_logvar"] is None  # the encoder learns nothing
    assert reached(grads["fc4"])  # ... while the decoder still does


def test_the_whole_loss_could_not_tell_the_two_apart(model_and_batch):
    """Why the lesson uses BCE alone: with the KL term, both heads get a gradient even with
    .sample(), so the old "both heads get a gradient" check passed without the trick."""
    model, x = model_and_batch
    model.zero_grad(set_to_none=True)
    mu, logvar = model.encode(x)
    vae_loss(model.decode(with_sample(mu, logvar)), x, mu, logvar).backward()
    assert reached(model.fc2_mean.weight.grad) and reached(model.fc2_logvar.weight.grad)


# ---------------------------------------------------------------- the exercise

REFERENCE = VAE().reparameterize


def random_mu_logvar(k):  # the lesson's inputs: 4 codes of 20 numbers
    g = torch.Generator().manual_seed(k)
    return torch.randn(4, 20, generator=g) * 2, torch.randn(4, 20, generator=g) * 2


def package_eps(mu):
    return REFERENCE(torch.zeros_like(mu), torch.zeros_like(mu))


def uniform_eps(mu, logvar):
    """The package's z with its ε drawn by torch.rand_like: the uniform-noise mistake, written
    without putting a one-letter-off solution on display in the checker cell."""
    with mock.patch("torch.randn_like", torch.rand_like):
        return REFERENCE(mu, logvar)


# The lesson's mistakes, message -> the wrong version it recognises (as in the notebook).
MISTAKES = {
    "σ = logvar: logvar is log σ², not σ. Undo the log and the square first.":
        lambda mu, logvar: mu + logvar * package_eps(mu),
    "σ = exp(logvar): that is the variance σ², not σ. Take its square root.":
        lambda mu, logvar: REFERENCE(mu, 2 * logvar),
    "your z is μ itself: the noise σ·ε is missing, so every draw is the same point.":
        lambda mu, logvar: mu,
    "ε comes from torch.rand (uniform on [0, 1)), not from the standard normal N(0, 1).":
        uniform_eps,
    "μ is missing: your z is a cloud around 0, not around μ.":
        lambda mu, logvar: REFERENCE(torch.zeros_like(mu), logvar),
}

# What learners actually write for each mistake.
WRONG = {
    "σ = logvar": lambda mu, logvar: mu + torch.randn_like(mu) * logvar,
    "σ = exp(logvar)": lambda mu, logvar: mu + torch.randn_like(logvar) * torch.exp(logvar),
    "your z is μ itself": lambda mu, logvar: mu.clone(),
    "ε comes from torch.rand": lambda mu, logvar: mu + torch.rand_like(mu) * torch.exp(0.5 * logvar),
    "μ is missing": lambda mu, logvar: torch.randn(mu.shape) * (0.5 * logvar).exp(),
}


def solution(mu, logvar):
    std = torch.exp(0.5 * logvar)
    eps = torch.randn_like(std)
    return mu + std * eps


def check(fn):
    return check_function(fn, REFERENCE, random_mu_logvar, seeded=True, mistakes=MISTAKES)


@pytest.mark.parametrize("right", [solution, with_rsample,
                                   lambda mu, logvar: mu + logvar.exp().sqrt() * torch.randn(mu.shape)])
def test_the_check_accepts_right_versions(right):
    assert check(right)


@pytest.mark.parametrize("start", list(WRONG))
def test_the_check_rejects_each_known_mistake_and_names_it(start, capsys):
    assert not check(WRONG[start])
    verdict = capsys.readouterr().out.strip().splitlines()[-1]
    assert verdict.startswith(f"Not quite: {start}"), verdict


def test_a_stub_is_not_answered_yet(capsys):
    def stub(mu, logvar):
        ...  # your code here

    assert not check(stub)
    assert "Not answered yet" in capsys.readouterr().out


def test_sample_passes_on_values_so_the_lesson_also_checks_the_gradient(model_and_batch):
    """`.sample()` draws the very same numbers as the package, so a value check alone would pass
    it: the lesson runs the gradient demonstration on the learner's function as well."""
    assert check(with_sample)
    model, x = model_and_batch
    grads = reconstruction_grads(model, x, with_sample)
    assert not reached(grads["fc2_mean"]) and not reached(grads["fc2_logvar"])
    grads = reconstruction_grads(model, x, solution)
    assert reached(grads["fc2_mean"]) and reached(grads["fc2_logvar"])


def test_uniform_eps_is_the_uniform_noise_mistake():
    """uniform_eps relies on the package drawing ε with torch.randn_like; if it ever stops, the
    patch would do nothing and this mistake would silently equal the right answer."""
    mu, logvar = random_mu_logvar(0)
    torch.manual_seed(7)
    patched = uniform_eps(mu, logvar)
    torch.manual_seed(7)
    assert torch.allclose(patched, mu + torch.exp(0.5 * logvar) * torch.rand_like(mu))
    torch.manual_seed(7)
    assert not torch.allclose(patched, REFERENCE(mu, logvar))


def test_torch_normal_passes_on_values_but_blocks_the_gradient(model_and_batch):
    """torch.normal(mu, std) draws the package's numbers but its gradient is zero: the notebook's
    gradient message and Hint 3 name it."""
    def with_normal(mu, logvar):
        return torch.normal(mu, torch.exp(0.5 * logvar))

    assert check(with_normal)
    model, x = model_and_batch
    grads = reconstruction_grads(model, x, with_normal)
    assert not reached(grads["fc2_mean"]) and not reached(grads["fc2_logvar"])


def test_the_notebook_keeps_this_exercise_and_its_folded_hints():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert any("def reparameterize(mu, logvar):" in c and "# your code here" in c for c in code)
    checker = next(c for c in code if "check_function(reparameterize, model.reparameterize" in c)
    assert "seeded=True" in checker and "reconstruction_grads(model, batch, reparameterize)" in checker
    for message in MISTAKES:  # the notebook names the same mistakes as this test
        assert message in checker, message
    for summary in ("Hint 1", "Hint 2", "Solution"):
        assert f"<details><summary>{summary}</summary>" in markdown
    assert not any("torch.randn_like(std)" in c for c in code)  # the solution stays folded
    assert not any("* torch.rand_like(" in c for c in code)  # nor one letter away from it
    assert 'mock.patch("torch.randn_like", torch.rand_like)' in checker
    assert "torch.normal" in checker and "torch.normal(mu, std)" in markdown
    assert "reparameterize_used" in code[-1] and "(04_kl_divergence.ipynb)" in markdown
