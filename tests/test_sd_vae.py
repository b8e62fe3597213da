"""vae_lessons.sd_vae, lesson 07's real Stable Diffusion VAE, without downloading anything: the
code path on randomly initialised models of the same layers, the figure, and the one line the
lesson prints when the weights cannot be had (in English and Chinese)."""

import socket
import string
import subprocess
import sys
import time

import matplotlib.pyplot as plt
import pytest
import torch
from huggingface_hub import constants

from vae_lessons import i18n, sd_vae

# The Chinese of sd_vae's package strings (for package.json; the lead adds them there). Merged
# over the real catalog below, so the test passes before and after they land.
ZH = {
    "Not shown: Stable Diffusion's VAE ({repo}) squeezing a photo to 4×64×64 and painting it "
    "back, because {reason}. To see it, connect to the internet, or set HF_ENDPOINT to a "
    "mirror (e.g. https://hf-mirror.com), or download it once with `hf download {repo} config.json "
    "diffusion_pytorch_model.safetensors`; the lesson goes on without it.":
        "此处未显示：Stable Diffusion 的 VAE（{repo}）把一张照片压缩成 4×64×64、再画回来的过程，"
        "因为{reason}。想看的话，请联网，或把 HF_ENDPOINT 设为镜像站（例如 https://hf-mirror.com），"
        "或先用 `hf download {repo} config.json diffusion_pytorch_model.safetensors` 下载一次；没有它，课程照常往下进行。",
    "the `diffusers` library is not installed (pip install diffusers)":
        "没有安装 `diffusers` 库（pip install diffusers）",
    "the download failed ({error})": "下载失败（{error}）",
    "HF_HUB_OFFLINE is set and the weights are not in the cache": "设置了 HF_HUB_OFFLINE，而缓存里没有这些权重",
    "{endpoint} cannot be reached from here": "这里连不上 {endpoint}",
    "{endpoint} answered HTTP {code} for {repo}": "{endpoint} 对 {repo} 的回应是 HTTP {code}",
    # the figure's text (label)
    "the photo ({sizes})": "照片（{sizes}）",
    "decoded ({sizes})": "解码结果（{sizes}）",
    "channel {c}": "通道 {c}",
    "latent value (red +, blue −)": "潜向量的值（红为正，蓝为负）",
    "{big} = {n_big:,} numbers → latent {small} = {n_small:,}: {k:g}× fewer":
        "{big} = {n_big:,} 个数 → 潜向量 {small} = {n_small:,} 个数，只有原来的 1/{k:g}",
}

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused at once


@pytest.fixture(scope="module")
def tiny_run():
    vae = sd_vae.random_model()
    image = sd_vae.photo(512)
    return (image, *sd_vae.round_trip(vae, image))


def test_the_import_is_lazy():
    """Importing the package, this module included, must not import diffusers (seconds)."""
    code = "import sys, vae_lessons, vae_lessons.sd_vae; print('diffusers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_photo_ships_with_matplotlib():
    image = sd_vae.photo()
    assert image.shape == (1, 3, 512, 512) and image.dtype == torch.float32
    assert -1 <= image.min() < -0.8 and 0.8 < image.max() <= 1  # a real photo spans the range
    assert sd_vae.photo(64).shape == (1, 3, 64, 64)


def test_tiny_vae_squeezes_512_to_4x64x64_and_back(tiny_run):
    image, z, back = tiny_run
    assert z.shape == (1, 4, 64, 64) and back.shape == (1, 3, 512, 512)
    assert image.numel() / z.numel() == 48
    assert sd_vae.is_tiny(sd_vae.random_model())


def test_full_vae_has_sd_layers_and_the_0_18215_path():
    """AutoencoderKL of sd-vae-ft-mse's configuration: 8x smaller on each side, 4 channels. A
    64×64 picture here (512×512 takes minutes on a 2-core CPU with random weights)."""
    vae = sd_vae.random_model(full=True)
    assert not sd_vae.is_tiny(vae) and vae.config.scaling_factor == sd_vae.SCALE == 0.18215
    assert 83e6 < sum(p.numel() for p in vae.parameters()) < 84e6  # SD's VAE: about 84 M weights
    torch.manual_seed(0)
    z, back = sd_vae.round_trip(vae, sd_vae.photo(64))
    assert z.shape == (1, 4, 8, 8) and back.shape == (1, 3, 64, 64)


def test_the_figure_shows_photo_channels_and_decoded(tiny_run):
    fig = sd_vae.show_round_trip(*tiny_run)
    try:
        titles = [ax.get_title() for ax in fig.axes]
        assert titles[:2] == ["the photo (3×512×512)", "decoded (3×512×512)"]
        assert titles[2:6] == [f"channel {c}" for c in range(4)]
        assert len(fig.axes) == 7  # 2 pictures, 4 channel maps, one colour bar
        assert "786,432" in fig._suptitle.get_text() and "16,384" in fig._suptitle.get_text()
        assert "48× fewer" in fig._suptitle.get_text()
    finally:
        plt.close(fig)


@pytest.fixture
def offline(monkeypatch):
    """No cache and no Hub: the endpoint refuses connections, as with no network."""
    monkeypatch.setattr(sd_vae, "_in_cache", lambda repo: False)
    monkeypatch.setattr(constants, "ENDPOINT", NOWHERE)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("VAE_LESSONS_FAST", "1")


def one_line(capsys) -> str:
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n"), out
    return out.strip()


@pytest.mark.parametrize("full", [False, True])
def test_offline_it_prints_one_line_and_goes_on(offline, capsys, full):
    start = time.perf_counter()
    assert sd_vae.load(full=full) is None
    assert time.perf_counter() - start < 3  # the probe, not huggingface_hub's ~20 s of retries
    line = one_line(capsys)
    assert (sd_vae.FULL if full else sd_vae.TINY) in line and NOWHERE in line
    assert "HF_ENDPOINT" in line and "hf download" in line and "Traceback" not in line


def test_a_silent_network_costs_about_a_second_in_fast_mode(offline, monkeypatch, capsys):
    """A server that takes the connection and never answers (as a firewall that drops packets):
    the probe gives up after PROBE_TIMEOUT_S[0] = 1 s in fast mode."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:%d" % server.getsockname()[1])
        start = time.perf_counter()
        assert sd_vae.load() is None
        assert 0.9 < time.perf_counter() - start < 3
    assert "cannot be reached" in one_line(capsys)


def test_hf_hub_offline_is_honoured(offline, monkeypatch, capsys):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert sd_vae.load() is None
    assert "HF_HUB_OFFLINE" in one_line(capsys)


def test_without_diffusers_it_says_so(monkeypatch, capsys):
    monkeypatch.setattr(sd_vae.importlib.util, "find_spec", lambda name: None)
    assert sd_vae.load() is None
    assert "pip install diffusers" in one_line(capsys)


def test_the_line_in_chinese(offline, monkeypatch, capsys):
    merged = {**i18n.catalog(), **ZH}
    monkeypatch.setattr(i18n, "catalog", lambda: merged)
    monkeypatch.setattr(i18n, "_language", "zh")
    assert sd_vae.load() is None
    line = one_line(capsys)
    assert line.startswith("此处未显示") and f"这里连不上 {NOWHERE}" in line and "HF_ENDPOINT" in line
    for english, chinese in ZH.items():  # the same {fields}, or tr() would fail in Chinese
        assert fields(english) == fields(chinese), english


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
