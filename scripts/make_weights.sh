#!/usr/bin/env bash
# Re-create the bundled VAE weights in vae_lessons/weights/ with the project's own CLI,
# on the full MNIST training set. Needs the data (VAE_LESSONS_DATA or a download).
# About 9 minutes on a 2-core CPU (80 + 30 epochs); seconds per epoch on a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
# The lessons' main model: the classic 784-256-20 VAE, trained longer than the classic 10 epochs.
$PY -m vae_lessons train --epochs 80 --latent-dim 20 --out vae_lessons/weights/mnist-vae-20.pt
# A 2-number latent space, small enough to draw (lesson 06's manifold); float16 keeps it small.
$PY -m vae_lessons train --epochs 30 --latent-dim 2 --half --out vae_lessons/weights/mnist-vae-2.pt
