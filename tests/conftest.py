import pytest
import torch

from vae_lessons.pretrained import load_pretrained
from vae_lessons.data import load_dataset


@pytest.fixture(scope="session")
def mnist_test():
    """The 10,000 MNIST test images and labels, read from VAE_LESSONS_DATA (see README)."""
    return load_dataset("mnist", train=False)


@pytest.fixture(scope="session")
def pretrained():
    return load_pretrained("mnist-vae-20")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """Every test starts in English and leaves the language setting, and no figure, behind."""
    import matplotlib.pyplot as plt
    from vae_lessons import i18n

    monkeypatch.setattr(i18n, "_language", "en")
    yield
    plt.close("all")
