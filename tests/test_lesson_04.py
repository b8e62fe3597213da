"""Lesson 04's exercise: the learner writes kl_per_dim(mu, logvar), the KL of N(mu, exp(logvar))
to N(0, 1) entry by entry, and check_function compares it with the package's
kl_divergence(..., reduction="none"), naming the usual mistakes. Also: the two extra models
the lesson compares (beta = 0 and beta = 8) ship with the package and are what their names say.

The notebook is not executed here; its checker's mistakes are repeated below (keep in sync with
the hidden "common mistakes" cell of notebooks/04_kl_divergence.ipynb).
"""

import json
import re
from pathlib import Path

import pytest
import torch

from vae_lessons.lesson import check_function
from vae_lessons.losses import kl_divergence
from vae_lessons.models import VAE
from vae_lessons.pretrained import load_pretrained

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_kl_divergence.ipynb"


def reference(mu, logvar):
    return kl_divergence(mu, logvar, reduction="none")


def random_codes(k):
    g = torch.Generator().manual_seed(k)
    return 1.5 * torch.randn(8, 20, generator=g), 2.0 * torch.randn(8, 20, generator=g)


MISTAKES = {
    "the sign is flipped": lambda mu, lv: -reference(mu, lv),
    "the ½ is missing": lambda mu, lv: 2 * reference(mu, lv),
    "σ² is exp(logvar), not logvar**2": lambda mu, lv: reference(mu, lv) + 0.5 * (lv**2 - lv.exp()),
    "σ² and log σ² cancel out": lambda mu, lv: reference(mu, lv) + 0.5 * (lv - lv.exp()),
    "σ² and log σ² are swapped": lambda mu, lv: reference(mu, lv) + (lv - lv.exp()),
    "you treated logvar as σ": lambda mu, lv: reference(mu, lv) + 0.5 * (lv**2 - lv.exp() - torch.log(lv**2) + lv),
    "exp(0.5 * logvar) is σ": lambda mu, lv: reference(mu, lv) + 0.5 * (lv.mul(0.5).exp() - lv.exp()),
    "the − log σ² term is missing": lambda mu, lv: reference(mu, lv) + 0.5 * lv,
    "the − 1 is missing": lambda mu, lv: reference(mu, lv) + 0.5,
    "μ must be squared": lambda mu, lv: reference(mu, lv) + 0.5 * (mu - mu**2),
    "you summed over the latent dimensions": lambda mu, lv: reference(mu, lv).sum(-1),
    "you summed everything": lambda mu, lv: reference(mu, lv).sum(),
}


def verdict_line(fn, capsys):
    ok = check_function(fn, reference, random_codes, mistakes=MISTAKES)
    return bool(ok), capsys.readouterr().out.strip().splitlines()[-1]


@pytest.mark.parametrize("right", [
    lambda mu, logvar: 0.5 * (mu**2 + logvar.exp() - 1 - logvar),
    lambda mu, logvar: -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()),
    lambda mu, logvar: 0.5 * mu**2 + 0.5 * (torch.exp(logvar) - 1 - logvar),
    lambda mu, logvar: torch.distributions.kl_divergence(
        torch.distributions.Normal(mu, logvar.mul(0.5).exp()), torch.distributions.Normal(0.0, 1.0)),
])
def test_right_answers_pass(right, capsys):
    ok, line = verdict_line(right, capsys)
    assert ok and line.startswith("Correct!")


@pytest.mark.parametrize("wrong, message", [
    (lambda mu, lv: -0.5 * (mu**2 + lv.exp() - 1 - lv), "the sign is flipped"),
    (lambda mu, lv: mu**2 + lv.exp() - 1 - lv, "the ½ is missing"),
    (lambda mu, lv: 0.5 * (mu**2 + lv**2 - 1 - lv), "σ² is exp(logvar), not logvar**2"),
    (lambda mu, lv: 0.5 * (mu**2 + lv - 1 - lv), "σ² and log σ² cancel out"),
    (lambda mu, lv: 0.5 * (mu**2 + lv.exp() - 1 - lv.exp()), "σ² and log σ² cancel out"),
    (lambda mu, lv: 0.5 * (mu**2 + lv - 1 - lv.exp()), "σ² and log σ² are swapped"),
    (lambda mu, lv: 0.5 * (mu**2 + lv**2 - 1 - torch.log(lv**2)), "you treated logvar as σ"),
    (lambda mu, lv: 0.5 * (mu**2 + torch.exp(0.5 * lv) - 1 - lv), "exp(0.5 * logvar) is σ"),
    (lambda mu, lv: 0.5 * (mu**2 + lv.exp() - 1), "the − log σ² term is missing"),
    (lambda mu, lv: 0.5 * (mu**2 + lv.exp() - lv), "the − 1 is missing"),
    (lambda mu, lv: 0.5 * (mu + lv.exp() - 1 - lv), "μ must be squared"),
    (lambda mu, lv: 0.5 * (mu**2 + lv.exp() - 1 - lv).sum(1), "you summed over the latent dimensions"),
    (lambda mu, lv: kl_divergence(mu, lv), "you summed everything"),
])
def test_known_mistakes_are_rejected_by_name(wrong, message, capsys):
    ok, line = verdict_line(wrong, capsys)
    assert not ok and line == f"Not quite: {message}"


def test_the_old_exercise_input_alone_could_not_tell_these_apart():
    """Why the exercise tests random logvar: with logvar = 0 (the old exercise) the KL is only
    ½μ², and mistakes in the σ terms give the same number. The random inputs separate them."""
    mu, zero = torch.tensor([1.0]), torch.tensor([0.0])
    assert MISTAKES["the − log σ² term is missing"](mu, zero) == reference(mu, zero)
    mu, lv = random_codes(0)
    for name, wrong in MISTAKES.items():
        out = wrong(mu, lv)
        assert out.shape != reference(mu, lv).shape or not torch.allclose(out, reference(mu, lv)), name


def test_a_stub_is_not_answered_and_errors_do_not_raise(capsys):
    def stub(mu, logvar):
        ...

    def broken(mu, logvar):
        return mu @ logvar

    assert not verdict_line(stub, capsys)[0]
    ok, line = verdict_line(broken, capsys)
    assert not ok and "raised RuntimeError" in line


def test_the_notebooks_solution_passes_and_its_checker_lists_the_same_mistakes(capsys):
    """The folded solution in the notebook's markdown is right, and the hidden checker cell
    names (at least) the mistakes tested here. Reads the notebook's text; runs none of its cells."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells)
    solution = re.search(r"<summary>Solution</summary>\s*```python\n(.*?)```", text, re.S).group(1)
    namespace = {"torch": torch}
    exec(solution, namespace)
    ok, line = verdict_line(namespace["kl_per_dim"], capsys)
    assert ok, line
    checker = next("".join(c["source"]) for c in cells if "KL_MISTAKES = {" in "".join(c["source"]))
    for message in MISTAKES:
        assert message in checker, message
    assert 'check_function(kl_per_dim, _ref, random_codes, mistakes=KL_MISTAKES)' in text


@pytest.mark.parametrize("beta", [0, 8])
def test_the_beta_models_ship_and_are_what_their_names_say(beta):
    model = load_pretrained(f"mnist-vae-20-beta{beta}")
    assert isinstance(model, VAE) and model.latent_dim == 20 and not model.training
    assert model.meta["beta"] == beta and model.meta["train_images"] == 60000
    assert all(p.dtype == torch.float32 for p in model.parameters())  # float16 on disk, float32 here


def _code_cells():
    return [c for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


def test_the_checker_cell_is_folded_in_jupyterlab_and_colab():
    """Its mistake messages spell out the hints: it starts folded, right above the stub."""
    checker = next(c for c in _code_cells() if "KL_MISTAKES = {" in "".join(c["source"]))
    assert checker["metadata"].get("jupyter", {}).get("source_hidden") is True
    assert checker["metadata"].get("cellView") == "form"
    assert "".join(checker["source"]).startswith("#@title")


def test_every_claim_carries_chinese_text():
    """claim(condition, English, 中文): the Chinese edition shares these code cells."""
    import ast

    calls = 0
    for cell in _code_cells():
        source = "\n".join(line.replace(line.lstrip(), "pass") if line.lstrip().startswith(("%", "!")) else line
                           for line in "".join(cell["source"]).splitlines())
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "claim":
                calls += 1
                assert len(node.args) == 3, ast.unparse(node)[:120]
                zh = ast.unparse(node.args[2])
                assert re.search(r"[\u4e00-\u9fff]", zh), zh[:120]
    assert calls >= 15


def test_the_blur_measure_is_not_fooled_by_an_empty_picture():
    """Why the lesson measures blur as the grey share of the inked pixels, not summed pixel
    entropy: a nearly black picture of faint grey smudge has less total entropy than a crisp
    digit, yet it is all grey."""
    crisp = torch.zeros(784)
    crisp[:120] = 0.95                      # white strokes on black
    faint = torch.zeros(784)
    faint[:30] = 0.3                        # a little grey smudge

    def entropy(x):
        return (torch.special.entr(x) + torch.special.entr(1 - x)).sum()

    def grey_share(x):
        inked = x > 0.2
        return ((x < 0.8) & inked).sum() / inked.sum()

    assert entropy(faint) < entropy(crisp)          # summed entropy calls the smudge "crisper"
    assert grey_share(faint) > 0.9 > 0.1 > grey_share(crisp)
