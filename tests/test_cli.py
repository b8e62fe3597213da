import subprocess
import sys

from vae_lessons.checkpoints import load_checkpoint


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "vae_lessons", *args], capture_output=True, text=True)


def test_cli_trains_on_a_subset_and_writes_a_checkpoint(tmp_path):
    out = tmp_path / "cli.pt"
    result = run_cli("train", "--epochs", "2", "--batch-size", "64", "--subset", "512",
                     "--latent-dim", "3", "--hidden-dim", "32", "--out", str(out))
    assert result.returncode == 0, result.stderr
    epoch_lines = [l for l in result.stdout.splitlines() if l.startswith("epoch")]
    assert len(epoch_lines) == 2 and all("test loss" in l for l in epoch_lines)
    model = load_checkpoint(out)
    assert model.config == {"hidden_dim": 32, "latent_dim": 3}
    assert model.meta["train_images"] == 512 and model.meta["epochs"] == 2


def test_cli_rejects_bad_arguments(tmp_path):
    for args in (["--epochs", "0"], ["--lr", "-1"], ["--dataset", "cifar"], []):
        result = run_cli("train", *args, *([] if not args else ["--out", str(tmp_path / "x.pt")]))
        assert result.returncode == 2 and "error:" in result.stderr
    assert not (tmp_path / "x.pt").exists()
