import urllib.error

import pytest
import torch
from torchvision import datasets

from vae_lessons.data import DataNotFoundError, candidate_roots, load_dataset


@pytest.mark.parametrize("name", ["mnist", "fashion"])
def test_datasets_load_as_flat_tensors_in_unit_range(name):
    x, y = load_dataset(name, train=False)
    assert x.shape == (10_000, 784) and x.dtype == torch.float32
    assert x.min() == 0 and x.max() == 1
    assert y.shape == (10_000,) and set(y.unique().tolist()) == set(range(10))


@pytest.mark.parametrize("name, cls", [("mnist", datasets.MNIST), ("fashion", datasets.FashionMNIST)])
@pytest.mark.parametrize("train", [True, False])
def test_the_files_read_as_torchvision_reads_them(name, cls, train):
    x, y = load_dataset(name, train=train)
    reference = cls(str(candidate_roots()[0]), train=train, download=False)
    torch.testing.assert_close(x, reference.data.reshape(len(x), 784).float() / 255)  # computed: a tolerance
    assert torch.equal(y, reference.targets)


def test_a_damaged_file_is_named_in_one_clear_error(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    source = candidate_roots()[0] / "MNIST" / "raw"
    (raw / "t10k-labels-idx1-ubyte").write_bytes((source / "t10k-labels-idx1-ubyte").read_bytes())
    (raw / "t10k-images-idx3-ubyte").write_bytes((source / "t10k-images-idx3-ubyte").read_bytes()[:5000])
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte is not an MNIST-format file"):
        load_dataset("mnist", train=False, root=tmp_path, download=False)


def test_lookup_order_is_argument_then_environment_then_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_LESSONS_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert candidate_roots(tmp_path / "arg") == [tmp_path / "arg", tmp_path / "env",
                                                 tmp_path / "cache" / "vae_lessons"]


def test_offline_with_no_data_names_every_folder_tried(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_LESSONS_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def offline(self):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(datasets.MNIST, "download", offline)
    with pytest.raises(DataNotFoundError) as err:
        load_dataset("mnist", root=tmp_path / "arg")
    message = str(err.value)
    for folder in ("arg", "env", "cache/vae_lessons"):
        assert str(tmp_path / folder / "MNIST" / "raw") in message
    assert "download failed" in message and "VAE_LESSONS_DATA" in message


def test_download_false_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_LESSONS_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(datasets.FashionMNIST, "download", lambda self: pytest.fail("downloaded"))
    with pytest.raises(DataNotFoundError, match="Downloading was off"):
        load_dataset("fashion", download=False)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="fashion"):
        load_dataset("cifar")
