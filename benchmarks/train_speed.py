"""Side by side, in one run: `python -m vae_lessons train` against the classic DataLoader script.

Both train the same 784-256-20 VAE for the same epochs at batch 128, each as a whole process
(interpreter start, imports and data loading included), alternating so that machine noise hits
both. Prints wall time, seconds per epoch, the ratio, and both test losses.

    python benchmarks/train_speed.py [--epochs 5] [--repeats 1]
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EPOCH_LINE = re.compile(r"epoch\s+(\d+).*test loss\s+([\d.]+)\s+\(([\d.]+) s\)")


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Run a command; return (wall seconds, seconds per epoch, last test loss)."""
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - start
    epochs = [(int(e), float(loss), float(t)) for e, loss, t in EPOCH_LINE.findall(out)]
    (n, loss, t_last), t_first = epochs[-1], epochs[0][2]
    per_epoch = (t_last - t_first) / (n - 1) if n > 1 else t_last  # steady state, after epoch 1
    return wall, per_epoch, loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours_cmd = [sys.executable, "-m", "vae_lessons", "train", "--epochs", str(args.epochs),
                    "--batch-size", "128", "--out", str(Path(tmp) / "bench.pt")]
        classic_cmd = [sys.executable, str(HERE / "classic_vae.py"), "--epochs", str(args.epochs)]
        runs = {"classic DataLoader": [], "vae_lessons": []}
        for _ in range(args.repeats):
            runs["classic DataLoader"].append(timed(classic_cmd))
            runs["vae_lessons"].append(timed(ours_cmd))
    print(f"{args.epochs} epochs, batch 128, 784-256-20 VAE, median of {args.repeats} run(s) each")
    print(f"{'':20s} {'wall s':>8s} {'s/epoch':>8s} {'test loss':>10s}")
    med = {}
    for name, results in runs.items():
        med[name] = [statistics.median(col) for col in zip(*results)]
        print(f"{name:20s} {med[name][0]:8.1f} {med[name][1]:8.2f} {med[name][2]:10.2f}")
    wall_ratio = med["vae_lessons"][0] / med["classic DataLoader"][0]
    epoch_ratio = med["vae_lessons"][1] / med["classic DataLoader"][1]
    print(f"ratio vae_lessons / classic: wall {wall_ratio:.2f}, per epoch {epoch_ratio:.2f}")


if __name__ == "__main__":
    main()
