import pytest
import torch

from vae_lessons.models import VAE, Autoencoder
from vae_lessons.training import evaluate, train, train_step


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
    x = mnist_test[0][:128]
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    bce0, kl0 = train_step(model, optimizer, x)
    assert bce0.shape == () and kl0.shape == () and not bce0.requires_grad and not kl0.requires_grad
    for _ in range(20):
        bce, kl = train_step(model, optimizer, x)
    assert bce + kl < 0.8 * (bce0 + kl0)


def test_train_runs_a_learners_own_step_function_once_per_batch(mnist_test):
    calls = []

    def my_step(model, optimizer, x, beta=1.0):
        calls.append((len(x), beta))
        return train_step(model, optimizer, x, beta)

    history = train(VAE(hidden_dim=32, latent_dim=4), mnist_test[0][:300], epochs=2, batch_size=128,
                    beta=0.5, progress=False, step_fn=my_step)
    assert calls == [(128, 0.5), (128, 0.5), (44, 0.5)] * 2
    assert len(history["train_loss"]) == 2 and history["train_loss"][1] < history["train_loss"][0]


def test_the_fast_bce_is_pytorchs_bce_in_value_and_gradient():
    import torch.nn.functional as F
    from vae_lessons.training import summed_bce
    logits = torch.randn(64, 784) * 12
    logits[0, :4] = torch.tensor([200.0, -200.0, 17.0, -104.0])  # p exactly 1 or 0 in float32
    x = torch.rand(64, 784)
    x[0, :4] = torch.tensor([0.0, 1.0, 0.3, 0.5])
    results = []
    for bce in (lambda p: F.binary_cross_entropy(p, x, reduction="sum"), lambda p: summed_bce(p, x)):
        leaf = logits.clone().requires_grad_()
        loss = bce(torch.sigmoid(leaf))
        loss.backward()
        results.append((loss.detach(), leaf.grad))
    (loss_ref, grad_ref), (loss, grad) = results
    assert torch.isfinite(loss) and torch.isfinite(grad).all()
    assert loss.item() == pytest.approx(loss_ref.item(), rel=1e-6)
    assert torch.allclose(grad, grad_ref, atol=1e-6)


def test_cosine_schedule_lowers_the_learning_rate_epoch_by_epoch(mnist_test):
    seen = []

    def step_noting_lr(model, optimizer, x, beta):
        seen.append(optimizer.param_groups[0]["lr"])
        return train_step(model, optimizer, x, beta)

    train(VAE(hidden_dim=16, latent_dim=2), mnist_test[0][:256], epochs=4, lr=1e-3,
          lr_schedule="cosine", progress=False, step_fn=step_noting_lr)
    per_epoch = seen[::2]  # 256 images, batches of 128: two steps per epoch
    assert per_epoch == pytest.approx([1e-3, 1e-3 * (1 + 0.5 ** 0.5) / 2, 5e-4, 1e-3 * (1 - 0.5 ** 0.5) / 2])
    with pytest.raises(ValueError, match="lr_schedule"):
        train(VAE(), torch.rand(10, 784), lr_schedule="linear")


# ---------------------------------------------------------------- which device (CUDA and MPS simulated)

@pytest.fixture
def machine(monkeypatch):
    """Pretend this machine has the given accelerators: machine(cuda=2, mps=True)."""
    def pretend(cuda: int = 0, mps: bool = False) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda > 0)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    return pretend


@pytest.mark.parametrize("cuda, mps, expected", [(1, True, "cuda"), (0, True, "mps"), (0, False, "cpu")])
def test_the_best_device_is_chosen(machine, cuda, mps, expected):
    from vae_lessons.training import pick_device

    machine(cuda=cuda, mps=mps)
    assert pick_device().type == expected


def test_a_device_the_machine_lacks_is_one_clear_error(machine):
    from vae_lessons.training import pick_device

    machine(cuda=0, mps=False)
    for asked, words in (("cuda", "no CUDA GPU"), ("mps", "Metal"), ("tpu7", "not a device name")):
        with pytest.raises(ValueError, match=words) as err:
            pick_device(asked)
        assert "\n" not in str(err.value) and "cpu" in str(err.value)
    machine(cuda=2)
    assert pick_device("cuda:1") == torch.device("cuda:1")
    with pytest.raises(ValueError, match="only 2 CUDA"):
        pick_device("cuda:2")


def test_setup_names_the_gpu_a_colab_learner_gets(machine, monkeypatch, capsys):
    from vae_lessons import lesson

    machine(cuda=1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Tesla T4")
    monkeypatch.setattr(torch.cuda, "manual_seed_all", lambda seed: None)
    device, _ = lesson.setup()
    assert device.type == "cuda" and "device: Tesla T4" in capsys.readouterr().out
