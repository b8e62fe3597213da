import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vae_lessons.models import PCA, VAE, Autoencoder


def test_reparameterize_lets_gradients_reach_mu_and_logvar():
    mu = torch.randn(5, 20, requires_grad=True)
    logvar = torch.randn(5, 20, requires_grad=True)
    VAE().reparameterize(mu, logvar).pow(2).sum().backward()
    assert mu.grad is not None and mu.grad.abs().sum() > 0
    assert logvar.grad is not None and logvar.grad.abs().sum() > 0


@pytest.mark.parametrize("model_cls", [VAE, Autoencoder])
def test_both_input_layouts_give_the_same_result(model_cls):
    model, x = model_cls().eval(), torch.rand(3, 784)
    a, b = model.encode(x), model.encode(x.view(3, 1, 28, 28))
    for u, v in zip(a if isinstance(a, tuple) else [a], b if isinstance(b, tuple) else [b]):
        torch.testing.assert_close(u, v)


@pytest.mark.parametrize("shape", [(784,), (3, 28, 28), (3, 3, 28, 28), (3, 783)])
def test_a_bad_shape_gets_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"\(N, 784\) or \(N, 1, 28, 28\)"):
        VAE()(torch.rand(*shape))


def test_forward_shapes_and_sizes_are_configurable():
    recon, mu, logvar = VAE(hidden_dim=64, latent_dim=3)(torch.rand(4, 784))
    assert recon.shape == (4, 784) and mu.shape == logvar.shape == (4, 3)
    assert 0 <= recon.min() and recon.max() <= 1


class ClassicVAE(nn.Module):
    """The classic 30-line MNIST VAE, as published (hidden 256, latent 20)."""

    def __init__(self, input_dim=784, hidden_dim=256, latent_dim=20):
        super(ClassicVAE, self).__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc2_mean = nn.Linear(hidden_dim, latent_dim)
        self.fc2_logvar = nn.Linear(hidden_dim, latent_dim)
        self.fc3 = nn.Linear(latent_dim, hidden_dim)
        self.fc4 = nn.Linear(hidden_dim, input_dim)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2_mean(h), self.fc2_logvar(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def test_the_classic_class_loads_the_bundled_weights_strictly(pretrained, mnist_test):
    classic = ClassicVAE()
    classic.load_state_dict(pretrained.state_dict(), strict=True)
    x = mnist_test[0][:16]
    assert torch.allclose(classic.encode(x)[0], pretrained.encode(x)[0], atol=1e-6)


def test_pca_error_shrinks_as_the_bottleneck_grows(mnist_test):
    x = mnist_test[0][:2000]
    errors = [F.mse_loss(p.decode(p.encode(x)), x).item() for p in (PCA(x, k) for k in (2, 10, 50))]
    assert errors[0] > errors[1] > errors[2]
