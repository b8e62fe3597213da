"""Side by side: `python -m vae_lessons train` against the classic DataLoader script, as whole processes.

Both train the same 784-256-20 VAE (Adam 1e-3, batch 128, summed BCE + KL) for the same epochs,
each as a whole process: interpreter start, imports and data loading count. They run in pairs,
one of each, back to back (which goes first alternates), so that whatever else the machine is
doing hits both sides of a pair alike; each pair gives one ratio, and the median ratio over the
pairs is the result. Prints wall time and seconds per epoch of every run, the per-pair ratios,
and both sides' final test loss (which should agree: the speed must not cost accuracy).

    python benchmarks/train_speed.py [--epochs 5] [--pairs 3]

Both sides run with the same environment. On a machine shared with busy programs, set
OMP_WAIT_POLICY=PASSIVE (or OMP_NUM_THREADS=1) for both: spinning OpenMP threads slow each
side by a different, unpredictable factor there. On a quiet machine leave it unset: PASSIVE
costs about 1.8 s per epoch here.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EPOCH_LINE = re.compile(r"epoch\s+(\d+).*test loss\s+([\d.]+)\s+\(([\d.]+) s\)")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run a command; return (wall seconds, seconds per epoch, last test loss)."""
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr}")
    epochs = [(int(e), float(loss), float(t)) for e, loss, t in EPOCH_LINE.findall(result.stdout)]
    (n, loss, t_last), t_first = epochs[-1], epochs[0][2]
    per_epoch = (t_last - t_first) / (n - 1) if n > 1 else t_last  # steady state, after epoch 1
    return wall, per_epoch, loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=3, help="pairs of runs (at least 1)")
    args = parser.parse_args()
    env = dict(os.environ)
    policy = env.get("OMP_WAIT_POLICY") or "unset (libgomp spins)"
    with tempfile.TemporaryDirectory() as tmp:
        ours = ([sys.executable, "-m", "vae_lessons", "train", "--epochs", str(args.epochs),
                 "--batch-size", "128", "--out", str(Path(tmp) / "bench.pt")], env)
        classic = ([sys.executable, str(HERE / "classic_vae.py"), "--epochs", str(args.epochs)], env)
        print(f"{args.epochs} epochs, batch 128, 784-256-20 VAE, {args.pairs} pair(s), whole "
              f"processes; OMP_WAIT_POLICY: {policy}", flush=True)
        print(f"{'pair':>4s} {'classic s':>10s} {'ours s':>8s} {'ratio':>6s}   "
              f"{'s/epoch classic':>15s} {'ours':>6s}   {'test loss classic':>17s} {'ours':>7s}",
              flush=True)
        pairs = []
        for i in range(max(1, args.pairs)):
            order = (classic, ours) if i % 2 == 0 else (ours, classic)
            results = {id(cmd): timed(*cmd) for cmd in order}
            c, o = results[id(classic)], results[id(ours)]
            pairs.append((c, o))
            print(f"{i + 1:4d} {c[0]:10.1f} {o[0]:8.1f} {c[0] / o[0]:6.2f}   {c[1]:15.2f} {o[1]:6.2f}"
                  f"   {c[2]:17.2f} {o[2]:7.2f}", flush=True)
    ratios = [c[0] / o[0] for c, o in pairs]
    epoch_ratios = [c[1] / o[1] for c, o in pairs]
    print(f"median wall: classic {statistics.median(c[0] for c, _ in pairs):.1f} s, "
          f"vae_lessons {statistics.median(o[0] for _, o in pairs):.1f} s")
    print(f"speed-up (classic time / ours): median {statistics.median(ratios):.2f}x whole process "
          f"(pairs: {', '.join(f'{r:.2f}' for r in ratios)}), "
          f"median {statistics.median(epoch_ratios):.2f}x per epoch")
    print(f"test loss: classic {statistics.median(c[2] for c, _ in pairs):.2f}, "
          f"vae_lessons {statistics.median(o[2] for _, o in pairs):.2f} (medians)")


if __name__ == "__main__":
    main()
