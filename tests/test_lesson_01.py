"""Lesson 01's exercise: the learner writes pca_repaint(x, mean, components), PCA's pack and
unpack. Its check must accept a right answer and name the known mistakes (the notebook is not
executed here; the reference is the package's own PCA.encode and PCA.decode)."""

from types import SimpleNamespace

import pytest
import torch

from vae_lessons.lesson import check_function
from vae_lessons.models import PCA

SIZES = [2, 5, 10, 20, 50]


def package_repaint(x, mean, components):
    """The package's PCA.encode then PCA.decode, with this mean and these directions."""
    pca = SimpleNamespace(mean=mean, components=components)
    return PCA.decode(pca, PCA.encode(pca, x))


# The notebook's exercise cell names the same mistakes with the same messages.
MISTAKES = {
    "you forgot to subtract the mean before packing: the directions describe how a digit "
    "differs from the average digit, so pack (x - mean).":
        lambda x, m, c: ((x @ c) @ c.T + m).clamp(0, 1),
    "you forgot to add the mean back after unpacking: the capsule holds only how the digit "
    "differs from the average digit.":
        lambda x, m, c: (((x - m) @ c) @ c.T).clamp(0, 1),
    "there is no mean at all: subtract it before packing and add it back after unpacking.":
        lambda x, m, c: ((x @ c) @ c.T).clamp(0, 1),
    "the projection is right, but the result is not clamped to [0, 1]: a pixel cannot be "
    "darker than black or brighter than white.":
        lambda x, m, c: ((x - m) @ c) @ c.T + m,
    "you returned the capsule (k numbers per digit); unpack it back into 784 pixels.":
        lambda x, m, c: (x - m) @ c,
}


@pytest.fixture(scope="module")
def fitted(mnist_test):
    images, _ = mnist_test
    return images, PCA(images[:2000], max(SIZES))


@pytest.fixture
def inputs(fitted):
    images, pca = fitted

    def make(t):  # as in the notebook: 16 random digits, the first SIZES[t] directions
        g = torch.Generator().manual_seed(t)
        idx = torch.randint(len(images), (16,), generator=g)
        return images[idx], pca.mean, pca.components[:, :SIZES[t]]
    return make


def right(x, mean, components):  # a right answer, written differently from the package
    code = torch.matmul(x - mean.unsqueeze(0), components)
    return torch.clamp(mean + code @ components.t(), min=0.0, max=1.0)


def test_a_right_answer_is_accepted(inputs, capsys):
    assert check_function(right, package_repaint, inputs, mistakes=MISTAKES)
    assert capsys.readouterr().out.startswith("Correct!")


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_known_mistake_is_rejected_and_named(inputs, capsys, name):
    verdict = check_function(MISTAKES[name], package_repaint, inputs, mistakes=MISTAKES)
    assert not verdict
    assert capsys.readouterr().out.strip() == f"Not quite: {name}"


def test_components_where_the_transpose_belongs_is_rejected(inputs, capsys):
    def untransposed(x, mean, components):
        return (((x - mean) @ components) @ components + mean).clamp(0, 1)
    assert not check_function(untransposed, package_repaint, inputs, mistakes=MISTAKES)
    assert "cannot be multiplied" in capsys.readouterr().out


def test_the_mistakes_really_differ_from_the_reference(inputs):
    """Each named mistake must be wrong on these inputs, or the check could not tell."""
    for name, wrong in MISTAKES.items():
        assert any(wrong(*inputs(t)).shape != package_repaint(*inputs(t)).shape
                   or not torch.allclose(wrong(*inputs(t)), package_repaint(*inputs(t)), atol=1e-4)
                   for t in range(5)), name


# The notebook builds each mistake from the package's own function (so its checker cell does not
# spell out the answer); each must equal the formula above with the same message.
NOTEBOOK_MISTAKES = [
    lambda x, m, c: package_repaint(x + m, m, c),
    lambda x, m, c: package_repaint(x - m, 0 * m, c),
    lambda x, m, c: package_repaint(x, 0 * m, c),
    lambda x, m, c: 10 * (package_repaint(x / 10 + 0.5, m / 10 + 0.5, c) - 0.5),
    lambda x, m, c: PCA.encode(SimpleNamespace(mean=m, components=c), x),
]


@pytest.mark.parametrize("index", range(len(MISTAKES)))
def test_the_notebooks_mistakes_equal_the_formulas(inputs, index):
    formula = list(MISTAKES.values())[index]
    for t in range(5):
        assert torch.allclose(NOTEBOOK_MISTAKES[index](*inputs(t)), formula(*inputs(t)), atol=1e-5)
