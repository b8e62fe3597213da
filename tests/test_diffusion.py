"""Lesson 07's mini latent diffusion: the bundled pipeline, its text encoder and its latent scale."""

import pytest
import torch

from vae_lessons import diffusion as D
from vae_lessons.pretrained import load_pretrained


@pytest.fixture(scope="module")
def pipe():
    return load_pretrained("mnist-latent-diffusion")


def test_pipeline_returns_images_in_the_unit_range(pipe):
    images = pipe(["seven", "0", "二"], steps=5)
    assert images.shape == (3, 1, 28, 28)
    assert images.dtype == torch.float32
    assert 0 <= images.min() and images.max() <= 1
    assert images.std() > 0.1  # a picture, not a blank page


def test_same_seed_same_images_other_seed_other_images(pipe):
    a = pipe(["3", "3"], steps=5, seed=7)
    b = pipe(["3", "3"], steps=5, seed=7)
    c = pipe(["3", "3"], steps=5, seed=8)
    assert torch.equal(a, b)
    assert not torch.allclose(a, c, atol=1e-3)
    assert not torch.allclose(a[0], a[1], atol=1e-3)  # one seed, still two different samples


def test_an_unknown_word_gets_an_error_that_lists_what_is_understood(pipe):
    with pytest.raises(ValueError, match=r"unknown word.*'cat'.*seven"):
        pipe(["a cat"], steps=2)
    with pytest.raises(ValueError, match="different digits"):
        D.prompt_to_id("seven 8")


def test_three_spellings_give_the_same_vector(pipe):
    v = pipe.text_encoder(["seven", "7", "a handwritten seven", "七", "eight", ""])
    assert torch.equal(v[0], v[1]) and torch.equal(v[0], v[2]) and torch.equal(v[0], v[3])
    assert not torch.allclose(v[0], v[4])  # another digit is another vector
    assert D.prompt_to_id("") == D.EMPTY and not torch.allclose(v[0], v[5])


def test_scaled_latents_of_test_digits_have_unit_variance(pipe, mnist_test):
    latents = D.encode_latents(pipe.vae, mnist_test[0][:2000]) * pipe.scale
    assert latents.shape == (2000, 4, 7, 7)
    assert abs(latents.std().item() - 1) < 0.1
    assert pipe.scale == pytest.approx(D.latent_scale(D.encode_latents(pipe.vae, mnist_test[0])), rel=0.1)


def test_the_walk_keeps_the_latents_asked_for(pipe):
    images, kept = pipe(["4"], steps=6, keep=[0, 3, 6])
    assert sorted(kept) == [0, 3, 6]
    assert all(z.shape == (1, 4, 7, 7) for z in kept.values())
    noise = torch.randn(1, 4, 7, 7, generator=torch.Generator().manual_seed(0))
    assert torch.equal(kept[0], noise)  # step 0 is the seeded starting noise
    assert torch.allclose(pipe.decode(kept[6]).clamp(0, 1), images)  # the last kept latent is the image
    _, guesses = pipe(["4"], steps=6, keep=[3, 6], keep_x0=True)
    assert torch.allclose(guesses[6], kept[6], atol=1e-5)  # at the end, the guess is the result
    assert not torch.allclose(guesses[3], kept[3], atol=1e-2)  # midway, x0's guess is not x_t


def test_generated_digits_are_the_prompted_ones(pipe):
    judge = load_pretrained("mnist-classifier")
    adherence = D.prompt_adherence(pipe, judge, per_digit=3, steps=10)
    assert adherence.shape == (10,)
    assert adherence.mean() >= 0.8


def test_ddim_steps_must_be_sensible(pipe):
    with pytest.raises(ValueError, match="steps"):
        pipe(["1"], steps=0)


def test_bad_pipeline_input_gets_one_clear_message(pipe):
    with pytest.raises(TypeError, match="list of prompts"):
        pipe("seven")
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite"):
            pipe(["7"], guidance=bad)
