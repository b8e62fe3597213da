import torch
import pytest
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence as torch_kl

from vae_lessons.losses import kl_divergence, vae_loss, vae_loss_parts


def test_closed_form_kl_matches_torch_distributions():
    mu, logvar = torch.randn(64, 20) * 2, torch.randn(64, 20)
    ours = kl_divergence(mu, logvar, reduction="none")
    reference = torch_kl(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0))
    assert torch.allclose(ours, reference, atol=1e-5)
    assert torch.allclose(kl_divergence(mu, logvar), reference.sum(), rtol=1e-5)


def test_closed_form_kl_matches_monte_carlo_estimate():
    mu, logvar = torch.tensor([0.7, -1.2, 0.0]), torch.tensor([-0.5, 0.8, 0.0])
    q, p = Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)
    z = q.sample((400_000,))
    mc = (q.log_prob(z) - p.log_prob(z)).mean(0)
    assert torch.allclose(kl_divergence(mu, logvar, reduction="none"), mc, atol=0.01)
    assert kl_divergence(mu, logvar, reduction="none")[2] == pytest.approx(0, abs=1e-7)  # N(0, 1) against itself


def test_vae_loss_is_the_classic_formula():
    recon = torch.rand(8, 784).clamp(0.01, 0.99)
    x, mu, logvar = torch.rand(8, 1, 28, 28), torch.randn(8, 20), torch.randn(8, 20)
    classic = (F.binary_cross_entropy(recon, x.view(-1, 784), reduction="sum")
               - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()))
    assert torch.allclose(vae_loss(recon, x, mu, logvar), classic)
    bce, kld = vae_loss_parts(recon, x, mu, logvar)
    assert torch.allclose(vae_loss(recon, x, mu, logvar, beta=4.0), bce + 4 * kld)


def test_mismatched_batches_are_refused():
    try:
        vae_loss(torch.rand(8, 784), torch.rand(4, 784), torch.zeros(8, 20), torch.zeros(8, 20))
    except ValueError as e:
        assert "same images" in str(e)
    else:
        raise AssertionError("a batch mismatch went through")
