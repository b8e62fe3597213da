"""Lesson 05's exercise check: it accepts a right training step and names the usual mistakes.

The check is the notebook's own cell (id "exercise-check"), run here on its own with a learner's
`my_step`, so this test checks what ships; the notebook itself is not executed.
"""

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from vae_lessons.losses import vae_loss_parts
from vae_lessons.models import VAE
from vae_lessons.training import train_step

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_training.ipynb"


def check_cell_source() -> str:
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    (cell,) = [c for c in cells if c.get("id") == "exercise-check"]
    return "".join(cell["source"])


def run_check(my_step, images):
    """Run the notebook's check cell on `my_step`; return its verdict and the step it chose."""
    namespace = {"torch": torch, "VAE": VAE, "train_x": images, "my_step": my_step}
    exec(compile(check_cell_source(), "exercise-check", "exec"), namespace)
    return namespace["verdict"], namespace["step_fn"]


def right(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def right_by_hand(model, optimizer, x, beta=1.0):
    """Also right: the loss written out, floats returned, zero_grad(set_to_none=False)."""
    optimizer.zero_grad(set_to_none=False)
    recon, mu, logvar = model(x)
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    loss = bce + beta * kl
    loss.backward()
    optimizer.step()
    return bce.item(), kl.item()


def no_zero_grad(model, optimizer, x, beta=1.0):
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def no_step(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce + beta * kl).backward()
    return bce.detach(), kl.detach()


def zero_grad_too_late(model, optimizer, x, beta=1.0):
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce + beta * kl).backward()
    optimizer.zero_grad()
    optimizer.step()
    return bce.detach(), kl.detach()


def mean_per_image(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    bce, kl = bce / len(x), kl / len(x)
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def bce_default_mean(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce = F.binary_cross_entropy(recon, x)  # reduction="mean": over every pixel of every image
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def kl_subtracted(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce, kl = vae_loss_parts(recon, x, mu, logvar)
    (bce - beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def kl_missing_minus(model, optimizer, x, beta=1.0):
    optimizer.zero_grad()
    recon, mu, logvar = model(x)
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kl = 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    (bce + beta * kl).backward()
    optimizer.step()
    return bce.detach(), kl.detach()


def beta_ignored(model, optimizer, x, beta=1.0):
    return right(model, optimizer, x, 1.0)


def not_written(model, optimizer, x, beta=1.0):
    ...  # your code here


@pytest.fixture(scope="module")
def images(mnist_test):
    return mnist_test[0][:64]


@pytest.mark.parametrize("step", [right, right_by_hand, train_step])
def test_check_accepts_a_right_step_and_the_lesson_uses_it(step, images):
    verdict, step_fn = run_check(step, images)
    assert verdict, verdict.message
    assert step_fn is step


@pytest.mark.parametrize("step, named", [
    (no_zero_grad, "zero_grad() at the start"),
    (no_step, "weights did not move"),
    (zero_grad_too_late, "weights did not move"),
    (mean_per_image, "averages per image"),
    (bce_default_mean, "reduction='mean'"),
    (kl_subtracted, "KL term has the wrong sign"),
    (kl_missing_minus, "KL comes out negative"),
    (beta_ignored, "beta is ignored"),
    (not_written, "Not answered yet"),
])
def test_check_names_each_known_mistake_and_falls_back(step, named, images):
    verdict, step_fn = run_check(step, images)
    assert not verdict
    assert named in verdict.message, verdict.message
    assert step_fn is train_step
