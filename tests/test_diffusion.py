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


def test_every_latent_channel_carries_information(pipe, mnist_test):
    """The conv VAE uses all 4 channels: at least 5 nats of KL per channel on test images
    (a switched-off channel is near 0; an earlier VAE had two at 0.15 and 0.19)."""
    kl = D.kl_per_channel(pipe.vae, mnist_test[0][:2000])
    assert kl.shape == (4,)
    assert kl.min() >= 5, kl.tolist()


def test_kl_floor_step_trains_and_reports_the_true_kl():
    from vae_lessons.models import ConvVAE
    torch.manual_seed(0)
    vae, x = ConvVAE(), torch.rand(16, 784)
    opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
    before = [p.clone() for p in vae.parameters()]
    bce, kl = D.kl_floor_step(10.0)(vae, opt, x, 0.1)
    assert bce.item() > 0 and kl.item() >= 0 and not bce.requires_grad
    assert kl.item() < 16 * 4 * 10  # a fresh VAE holds far less than the floor: KL as it is, not floored
    assert any(not torch.equal(a, b) for a, b in zip(before, vae.parameters()))


def test_diversity_is_one_for_real_digits_and_zero_for_copies(mnist_test):
    x, y = mnist_test
    real = torch.stack([x[y == d][:20] for d in range(10)])
    assert torch.allclose(D.diversity(real, x, y), torch.ones(10), atol=1e-6)
    copies = real[:, :1].repeat(1, 20, 1)
    assert torch.equal(D.diversity(copies, x, y), torch.zeros(10))
    assert D.mean_pairwise_distance(torch.stack([torch.zeros(784), torch.ones(784)])) == pytest.approx(28.0)
    with pytest.raises(ValueError, match="two images"):
        D.mean_pairwise_distance(torch.zeros(1, 784))


def test_samples_are_varied_and_follow_the_prompt(pipe, mnist_test):
    samples = D.sample_digits(pipe, per_digit=4, steps=8)
    assert samples.shape == (10, 4, 1, 28, 28)
    div = D.diversity(samples, *mnist_test)
    assert div.shape == (10,) and 0.3 < div.mean() < 1.5


def test_guidance_conventions_agree():
    e0, ec = torch.randn(3, 4), torch.randn(3, 4)
    for w in (0.0, 1.5, 6.5):
        assert torch.allclose(D.guided_eps(e0, ec, 1 + w), (1 + w) * ec - w * e0, atol=1e-5)
    assert torch.equal(D.guided_eps(e0, ec, 0.0), e0) and torch.allclose(D.guided_eps(e0, ec, 1.0), ec)


def test_ddim_step_inverts_the_noising_when_eps_is_the_true_noise():
    ab = D.alphas_bar()
    x0, eps = torch.randn(2, 4, 7, 7), torch.randn(2, 4, 7, 7)
    x_t = ab[600].sqrt() * x0 + (1 - ab[600]).sqrt() * eps
    assert torch.allclose(D.predict_x0(x_t, eps, ab[600]), x0, atol=1e-4)
    expected = ab[300].sqrt() * x0 + (1 - ab[300]).sqrt() * eps
    assert torch.allclose(D.ddim_step(x_t, eps, ab[600], ab[300]), expected, atol=1e-4)
    assert torch.allclose(D.ddim_step(x_t, eps, ab[600], torch.tensor(1.0)), x0, atol=1e-4)


def test_the_pipeline_takes_a_learners_guidance_and_step(pipe):
    bundled = pipe(["2", "9"], steps=4, seed=1)
    same = pipe(["2", "9"], steps=4, seed=1, guide_fn=D.guided_eps, step_fn=D.ddim_step)
    torch.testing.assert_close(same, bundled)
    only_empty = pipe(["2", "9"], steps=4, seed=1, guide_fn=lambda e0, ec, g: e0)
    assert torch.allclose(only_empty, pipe(["2", "9"], steps=4, seed=1, guidance=0.0), atol=1e-3)  # g = 0 runs one branch
    with pytest.raises(ValueError, match="step_fn must return"):
        pipe(["2"], steps=2, step_fn=lambda x, e, a, ap: x[0])


def test_the_package_is_short_modules_each_naming_the_lesson_that_teaches_it():
    import ast
    from pathlib import Path

    modules = sorted(Path(D.__file__).parent.glob("*.py"))
    assert {p.stem for p in modules} >= {"__init__", "text", "denoiser", "schedule", "sampler", "conv_vae", "pipeline"}
    for path in modules:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        assert "lesson 07" in (ast.get_docstring(tree) or "").lower(), path.name
        assert sum(1 for line in source.splitlines() if line.strip()) <= 300, path.name
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 50, f"{path.name}: {node.name}"


def test_every_public_name_is_reachable_from_the_package():
    import vae_lessons.diffusion as package

    assert len(set(package.__all__)) == len(package.__all__)
    for name in package.__all__:
        assert getattr(package, name) is not None, name
    # what the package's other modules and the classroom page's export read from it
    for name in ("T", "DEFAULT_GUIDANCE", "DEFAULT_STEPS", "DIGITS", "FILLER", "EMPTY", "prompt_to_id",
                 "alphas_bar", "ddim_timesteps", "timestep_frequencies", "Denoiser",
                 "time_training_step", "encode_latents", "kl_per_channel", "kl_floor_step", "latent_scale"):
        assert name in package.__all__, name


def test_the_pipeline_walks_with_the_samplers_loop(pipe):
    """pipe(...) is the sampler's loop between the text encoder and the decoder: the same start,
    the same walk, the same picture."""
    cond = pipe.text_encoder(["6", "one"])
    empty = pipe.text_encoder(["", ""])
    noise = torch.randn(2, 4, 7, 7, generator=torch.Generator().manual_seed(9))
    latent, kept = D.ddim_sample(pipe.denoiser, noise, cond, empty, guidance=3.0, steps=5, keep=[0, 2])
    assert sorted(kept) == [0, 2] and torch.equal(kept[0], noise)
    assert torch.allclose(pipe.decode(latent).clamp(0, 1), pipe(["6", "one"], guidance=3.0, steps=5, seed=9), atol=1e-6)

