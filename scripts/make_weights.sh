#!/usr/bin/env bash
# Re-create the bundled VAE weights in vae_lessons/weights/ with the project's own CLI,
# on the full MNIST training set. Needs the data (VAE_LESSONS_DATA or a download).
# mnist-vae-20 took 31 minutes on a shared, busy 2-core CPU (about 12 s per epoch there; a quiet
# 2-core CPU does an epoch in about 1.5 s); seconds per epoch on a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
# The lessons' main model: the classic 784-256-20 VAE (Adam from 1e-3, batch 128, seed 0),
# trained for 150 epochs while the learning rate falls along a cosine from 1e-3 towards 0.
$PY -m vae_lessons train --epochs 150 --lr-schedule cosine --latent-dim 20 --out vae_lessons/weights/mnist-vae-20.pt
# A 2-number latent space, small enough to draw (lesson 06's manifold); float16 keeps it small.
$PY -m vae_lessons train --epochs 30 --latent-dim 2 --half --out vae_lessons/weights/mnist-vae-2.pt
# Lesson 04's beta sweep beside the beta = 1 model: the KL term weighted 0 and 8, with
# mnist-vae-20's recipe (150 epochs, cosine learning rate, seed 0), so beta is the one difference;
# float16 keeps them small.
for BETA in 0 8; do
  $PY -m vae_lessons train --epochs 150 --lr-schedule cosine --latent-dim 20 --beta $BETA --half --seed 0 \
    --out vae_lessons/weights/mnist-vae-20-beta$BETA.pt
done
