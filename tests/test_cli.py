import subprocess
import sys

from vae_lessons.checkpoints import load_checkpoint


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "vae_lessons", *args], capture_output=True, text=True)


def test_cli_trains_on_a_subset_and_writes_a_checkpoint(tmp_path):
    out = tmp_path / "cli.pt"
    result = run_cli("train", "--epochs", "2", "--batch-size", "64", "--subset", "512",
                     "--latent-dim", "3", "--hidden-dim", "32", "--lr-schedule", "cosine",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    epoch_lines = [l for l in result.stdout.splitlines() if l.startswith("epoch")]
    assert len(epoch_lines) == 2 and all("test loss" in l for l in epoch_lines)
    model = load_checkpoint(out)
    assert model.config == {"hidden_dim": 32, "latent_dim": 3}
    assert model.meta["train_images"] == 512 and model.meta["epochs"] == 2
    assert model.meta["lr_schedule"] == "cosine"


def test_cli_rejects_bad_arguments(tmp_path):
    for args in (["--epochs", "0"], ["--lr", "-1"], ["--dataset", "cifar"], ["--lr-schedule", "step"], []):
        result = run_cli("train", *args, *([] if not args else ["--out", str(tmp_path / "x.pt")]))
        assert result.returncode == 2 and "error:" in result.stderr
    assert not (tmp_path / "x.pt").exists()


def assert_one_clear_line(result, *words):
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and result.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr and all(w in lines[0] for w in words), lines[0]


def test_cli_names_the_devices_it_has_when_asked_for_a_missing_gpu(tmp_path):
    import torch
    from vae_lessons.training import available_devices

    if torch.cuda.is_available():
        missing, words = f"cuda:{torch.cuda.device_count()}", ["only"]
    else:
        missing, words = "cuda", ["no CUDA GPU"]
    result = run_cli("train", "--epochs", "1", "--subset", "64", "--device", missing,
                     "--out", str(tmp_path / "x.pt"))
    assert_one_clear_line(result, "--device", *words, ", ".join(available_devices()))
    assert_one_clear_line(run_cli("train", "--device", "gpu", "--out", str(tmp_path / "x.pt")),
                          "not a device name", "cpu")
    assert not (tmp_path / "x.pt").exists()


def test_cli_refuses_an_out_path_it_cannot_write_before_training(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file, not a folder")
    # root may write into read-only folders, so use a path whose parent is a file
    for out in (a_file / "vae.pt", a_file / "deeper" / "vae.pt"):
        result = run_cli("train", "--epochs", "1", "--subset", "64", "--out", str(out))
        assert_one_clear_line(result, "--out", str(a_file), "is a file, not a folder")
    assert_one_clear_line(run_cli("train", "--epochs", "1", "--out", str(tmp_path)), "is a folder")
    assert a_file.read_text() == "a file, not a folder" and sorted(tmp_path.iterdir()) == [a_file]


def test_cli_reports_a_failed_save_in_one_line(tmp_path, monkeypatch, capsys):
    from vae_lessons import __main__ as cli

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli, "save_checkpoint", full_disk)
    code = cli.main(["train", "--epochs", "1", "--subset", "64", "--hidden-dim", "8",
                     "--latent-dim", "2", "--out", str(tmp_path / "x.pt")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err == [f"error: could not save the checkpoint to {tmp_path / 'x.pt'}: "
                                 "No space left on device"]
