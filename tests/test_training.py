import pytest
import torch

from vae_lessons.models import VAE, Autoencoder
from vae_lessons.training import evaluate, train


def test_a_small_run_lowers_the_loss_and_keeps_history(mnist_test):
    x = mnist_test[0]
    model, seen = VAE(), []
    before = evaluate(model, x[500:1000])
    history = train(model, x[:500], x[500:1000], epochs=3, batch_size=50, progress=False,
                    callback=lambda epoch, m, h: seen.append((epoch, h["test_loss"][-1])))
    assert history["epoch"] == [1, 2, 3] and [e for e, _ in seen] == [1, 2, 3]
    assert history["test_loss"][-1] < 0.8 * before
    assert history["train_loss"][-1] < history["train_loss"][0]
    for bce, kl, total in zip(history["train_bce"], history["train_kl"], history["train_loss"]):
        assert kl > 0 and total == pytest.approx(bce + kl)


def test_same_seed_same_model(mnist_test):
    x = mnist_test[0][:300]
    a, b = VAE(hidden_dim=32, latent_dim=4), VAE(hidden_dim=32, latent_dim=4)
    b.load_state_dict(a.state_dict())
    train(a, x, epochs=1, seed=3, progress=False)
    train(b, x, epochs=1, seed=3, progress=False)
    assert torch.equal(a.fc4.weight, b.fc4.weight)


def test_autoencoder_trains_with_no_kl_term(mnist_test):
    history = train(Autoencoder(latent_dim=5), mnist_test[0][:300], epochs=2, progress=False)
    assert history["train_kl"] == [0.0, 0.0] and history["train_loss"][1] < history["train_loss"][0]


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        train(VAE(), torch.rand(10, 784), epochs=0)


def test_one_train_step_lowers_the_loss_on_a_fixed_batch(mnist_test):
    from vae_lessons.training import train_step
    x = mnist_test[0][:128]
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    bce0, kl0 = train_step(model, optimizer, x)
    assert bce0.shape == () and kl0.shape == () and not bce0.requires_grad and not kl0.requires_grad
    for _ in range(20):
        bce, kl = train_step(model, optimizer, x)
    assert bce + kl < 0.8 * (bce0 + kl0)


def test_train_runs_a_learners_own_step_function_once_per_batch(mnist_test):
    from vae_lessons.training import train_step
    calls = []

    def my_step(model, optimizer, x, beta=1.0):
        calls.append((len(x), beta))
        return train_step(model, optimizer, x, beta)

    history = train(VAE(hidden_dim=32, latent_dim=4), mnist_test[0][:300], epochs=2, batch_size=128,
                    beta=0.5, progress=False, step_fn=my_step)
    assert calls == [(128, 0.5), (128, 0.5), (44, 0.5)] * 2
    assert len(history["train_loss"]) == 2 and history["train_loss"][1] < history["train_loss"][0]
