"""Lesson 02's exercise: the learner writes decode(z, fc3, fc4), the classic VAE's painter, from
the layers' weights and biases (x @ W.T + b), and check_function compares it with the package's
own VAE.decode, naming the usual mistakes.

The notebook is not executed here; its checker's inputs and mistakes are repeated below (keep
them in sync with the exercise's check cell in notebooks/02_encoder_decoder.ipynb: the last test
compares the mistake messages with the notebook's English ones).
"""

import ast
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from vae_lessons.lesson import check_function
from vae_lessons.models import VAE

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02_encoder_decoder.ipynb"


def package_decode(z, fc3, fc4):
    """The package's own VAE.decode, run with these two layers (as in the notebook)."""
    return VAE.decode(SimpleNamespace(fc3=fc3, fc4=fc4), z)


def random_painter(k):
    """As in the notebook: 16 random codes and a freshly initialised fc3 and fc4."""
    torch.manual_seed(k)
    layers = VAE(hidden_dim=256, latent_dim=20)
    return 3 * torch.randn(16, 20), layers.fc3, layers.fc4


MISTAKES = {
    "the ReLU after fc3 is missing: without it the two layers collapse into one straight-line "
    "(linear) map, and the painter can paint far less.":
        lambda z, fc3, fc4: torch.sigmoid(fc4(fc3(z))),
    "the sigmoid at the end is missing: fc4 gives any number, but a pixel intensity lies between 0 and 1.":
        lambda z, fc3, fc4: fc4(F.relu(fc3(z))),
    "the end has a ReLU instead of a sigmoid: a ReLU lets numbers above 1 through, and a pixel stays in (0, 1).":
        lambda z, fc3, fc4: F.relu(fc4(F.relu(fc3(z)))),
    "ReLU and sigmoid are swapped: the ReLU goes between the layers, the sigmoid at the very end.":
        lambda z, fc3, fc4: F.relu(fc4(torch.sigmoid(fc3(z)))),
    "there is an extra ReLU after fc4, before the sigmoid: it makes every pixel 0.5 or brighter.":
        lambda z, fc3, fc4: torch.sigmoid(F.relu(fc4(F.relu(fc3(z))))),
    "the biases are missing: a layer computes x @ W.T + b, and without the b's every painting is "
    "made from the weights alone.":
        lambda z, fc3, fc4: torch.sigmoid(F.relu(z @ fc3.weight.T) @ fc4.weight.T),
    "fc3's bias is missing: the hidden layer is z @ fc3.weight.T + fc3.bias, then the ReLU.":
        lambda z, fc3, fc4: torch.sigmoid(F.relu(z @ fc3.weight.T) @ fc4.weight.T + fc4.bias),
    "fc4's bias is missing: the last layer is h @ fc4.weight.T + fc4.bias, then the sigmoid.":
        lambda z, fc3, fc4: torch.sigmoid(F.relu(z @ fc3.weight.T + fc3.bias) @ fc4.weight.T),
    "fc3's bias comes after the ReLU: add the bias first, then take the ReLU.":
        lambda z, fc3, fc4: torch.sigmoid((F.relu(z @ fc3.weight.T) + fc3.bias) @ fc4.weight.T + fc4.bias),
}


def check(fn):
    with torch.no_grad():
        return check_function(fn, package_decode, random_painter, mistakes=MISTAKES)


def test_a_right_decoder_passes(capsys):
    def right(z, fc3, fc4):  # written differently from the package: explicit matrices
        h = torch.clamp(z @ fc3.weight.T + fc3.bias, min=0)
        return 1 / (1 + torch.exp(-(h @ fc4.weight.T + fc4.bias)))

    assert check(right)
    assert capsys.readouterr().out.startswith("Correct!")


def test_the_unfilled_stub_is_not_answered(capsys):
    def decode(z, fc3, fc4):
        ...  # your code here

    assert not check(decode)
    assert "Not answered yet" in capsys.readouterr().out


@pytest.mark.parametrize("message", list(MISTAKES))
def test_each_known_mistake_is_rejected_and_named(message, capsys):
    assert not check(MISTAKES[message])
    assert message in capsys.readouterr().out


def test_layers_in_the_wrong_order_are_rejected_with_the_shapes_named(capsys):
    def wrong_order(z, fc3, fc4):
        h = F.relu(z @ fc4.weight.T + fc4.bias)
        return torch.sigmoid(h @ fc3.weight.T + fc3.bias)

    assert not check(wrong_order)
    out = capsys.readouterr().out
    assert "raised" in out and "16x20 and 256x784" in out  # the message Hint 1 of the notebook quotes


def test_a_missing_transpose_is_rejected_with_the_shapes_named(capsys):
    def no_transpose(z, fc3, fc4):
        h = F.relu(z @ fc3.weight + fc3.bias)
        return torch.sigmoid(h @ fc4.weight + fc4.bias)

    assert not check(no_transpose)
    out = capsys.readouterr().out
    assert "raised" in out and "16x20 and 256x20" in out  # the message Hint 1 of the notebook quotes


def test_calling_the_layers_passes_too(capsys):
    """The notebook asks for matrices, but says the check cannot tell: calling the layers passes."""
    assert check(lambda z, fc3, fc4: torch.sigmoid(fc4(F.relu(fc3(z)))))


def test_the_mistakes_are_told_apart_on_these_inputs():
    """Each mistake differs from the right answer and from every other mistake on the inputs,
    so the verdict can name it."""
    outputs = {m: torch.cat([f(*random_painter(k)) for k in range(5)]) for m, f in MISTAKES.items()}
    outputs["right"] = torch.cat([package_decode(*random_painter(k)) for k in range(5)])
    names = list(outputs)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not torch.allclose(outputs[a], outputs[b], atol=1e-4), (a, b)


def test_the_notebook_names_the_same_mistakes():
    nb = json.loads(NOTEBOOK.read_text())
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    cell = next(src for src in sources if "MISTAKES = {" in src)
    assignment = next(node for node in ast.walk(ast.parse(cell)) if isinstance(node, ast.Assign)
                      and getattr(node.targets[0], "id", None) == "MISTAKES")
    # each message is tr("English", "中文"): the English one must match, and a Chinese one be given
    keys = assignment.value.keys
    assert all(isinstance(key, ast.Call) and getattr(key.func, "id", None) == "tr" and len(key.args) == 2
               for key in keys)
    assert [ast.literal_eval(key.args[0]) for key in keys] == list(MISTAKES)
    assert all(ast.literal_eval(key.args[1]).strip() for key in keys)
