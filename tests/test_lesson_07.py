"""Lesson 07 without running the notebook: the learner's three functions (`ddpm_loss`,
`guided_eps`, `ddim_step`, checked through vae_lessons/exercises/stable_diffusion.py) accept right
answers written in other words and name typical slips; the pipeline draws with whatever the
learner wrote; the code the lesson teaches in its cells (the denoiser's forward pass, the loss's
folded solution, the guided DDIM sampler) computes what the package computes; the judge's guards,
the playground and the figures behave as the lesson says.
(tests/test_exercises.py checks every listed mistake, in both languages.)"""

import ast
import math
from pathlib import Path

import matplotlib
import nbformat
import pytest
import torch
import torch.nn.functional as F

from vae_lessons import diffusion as D
from vae_lessons.exercises import verdict
from vae_lessons.pretrained import load_pretrained

matplotlib.use("Agg")
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_stable_diffusion.ipynb"


@pytest.fixture(scope="module")
def pipe():
    return load_pretrained("mnist-latent-diffusion")


# ---------------------------------------------------------------- guided_eps

def right_guidance(eps_empty, eps_cond, g):
    return (1 - g) * eps_empty + g * eps_cond  # the same, multiplied out


def right_guidance_other_convention(eps_empty, eps_cond, g):
    w = g - 1  # (1 + w) eps_cond - w eps_empty with g = 1 + w
    return (1 + w) * eps_cond - w * eps_empty


def sign_flipped(eps_empty, eps_cond, g):
    return eps_empty + g * (eps_empty - eps_cond)


def g_on_the_wrong_term(eps_empty, eps_cond, g):
    return g * eps_empty + (eps_cond - eps_empty)


def started_from_cond(eps_empty, eps_cond, g):
    return eps_cond + g * (eps_cond - eps_empty)


def test_a_right_guidance_is_accepted_in_either_convention(capsys):
    assert verdict("guided_eps", right_guidance)
    assert verdict("guided_eps", right_guidance_other_convention)
    assert capsys.readouterr().out.count("Correct!") == 2


@pytest.mark.parametrize("wrong, words", [(sign_flipped, "sign of the difference is flipped"),
                                          (g_on_the_wrong_term, "wrong term"),
                                          (started_from_cond, "other convention")])
def test_typical_guidance_slips_are_named(wrong, words):
    result = verdict("guided_eps", wrong)
    assert not result and words in result.message


def test_an_empty_stub_is_not_answered_yet():
    def guided_eps(eps_empty, eps_cond, g):
        ...  # your code here
    result = verdict("guided_eps", guided_eps)
    assert not result and "Not answered yet" in result.message


# ---------------------------------------------------------------- ddim_step

def right_ddim(x_t, eps, alpha_bar_t, alpha_bar_prev):
    x0 = (x_t - torch.sqrt(1 - alpha_bar_t) * eps) / torch.sqrt(alpha_bar_t)
    return torch.sqrt(alpha_bar_prev) * x0 + torch.sqrt(1 - alpha_bar_prev) * eps


def right_ddim_with_math(x_t, eps, alpha_bar_t, alpha_bar_prev):
    a, a_prev = float(alpha_bar_t), float(alpha_bar_prev)
    return math.sqrt(a_prev / a) * x_t + (math.sqrt(1 - a_prev) - math.sqrt(a_prev * (1 - a) / a)) * eps


def no_sqrt_on_alpha_bar(x_t, eps, alpha_bar_t, alpha_bar_prev):
    x0 = (x_t - torch.sqrt(1 - alpha_bar_t) * eps) / alpha_bar_t
    return alpha_bar_prev * x0 + torch.sqrt(1 - alpha_bar_prev) * eps


def x0_without_sqrt_on_one_minus(x_t, eps, alpha_bar_t, alpha_bar_prev):
    x0 = (x_t - (1 - alpha_bar_t) * eps) / torch.sqrt(alpha_bar_t)
    return torch.sqrt(alpha_bar_prev) * x0 + torch.sqrt(1 - alpha_bar_prev) * eps


def returns_x0(x_t, eps, alpha_bar_t, alpha_bar_prev):
    return (x_t - torch.sqrt(1 - alpha_bar_t) * eps) / torch.sqrt(alpha_bar_t)


def test_a_right_ddim_step_is_accepted(capsys):
    assert verdict("ddim_step", right_ddim)
    assert verdict("ddim_step", right_ddim_with_math)
    assert capsys.readouterr().out.count("Correct!") == 2


@pytest.mark.parametrize("wrong, words", [(no_sqrt_on_alpha_bar, "sqrt is missing on alpha_bar"),
                                          (x0_without_sqrt_on_one_minus, "x0 formula uses (1 - alpha_bar_t)"),
                                          (returns_x0, "returned the clean guess")])
def test_typical_ddim_slips_are_named(wrong, words):
    result = verdict("ddim_step", wrong)
    assert not result and words in result.message


# ---------------------------------------------------------------- the learner's functions draw

def test_the_learners_functions_draw_the_pipelines_digits_and_a_wrong_one_does_not(pipe):
    bundled = pipe(["seven", "7"], steps=4, seed=5)
    mine = pipe(["seven", "7"], steps=4, seed=5, guide_fn=right_guidance, step_fn=right_ddim)
    assert torch.allclose(mine, bundled, atol=1e-4)
    wrong = pipe(["seven", "7"], steps=4, seed=5, guide_fn=sign_flipped, step_fn=right_ddim)
    assert not torch.allclose(wrong, bundled, atol=1e-2)


# ---------------------------------------------------------------- the code the lesson's cells teach

def lesson_functions(**names_in_scope) -> dict:
    """The functions the lesson's code cells define (only the `def`s, none of the cells' other
    statements), defined in a namespace holding `names_in_scope`, as the lesson's cells see them;
    a name given there is not redefined (say, the exercises' stubs of guided_eps and ddim_step)."""
    from IPython.core.inputtransformer2 import TransformerManager

    scope = {"torch": torch, "F": F, "diffusion": D, "G": D.DEFAULT_GUIDANCE, "STEPS": D.DEFAULT_STEPS,
             "DEVICE": torch.device("cpu"), **names_in_scope}  # the defaults the cells' functions read
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "code":
            source = TransformerManager().transform_cell(cell.source)  # %pip and the like: plain Python
            defs = [n for n in ast.parse(source).body
                    if isinstance(n, ast.FunctionDef) and n.name not in names_in_scope]
            exec(compile(ast.Module(body=defs, type_ignores=[]), str(NOTEBOOK), "exec"), scope)
    return scope


def test_the_lessons_denoiser_forward_pass_is_the_denoisers(pipe):
    denoise = lesson_functions()["denoise"]
    gen = torch.Generator().manual_seed(0)
    x, t = torch.randn(3, 4, 7, 7, generator=gen), torch.tensor([999, 500, 0])
    text = pipe.text_encoder(["seven", "", "2"])
    with torch.no_grad():
        assert torch.allclose(denoise(pipe.denoiser, x, t, text), pipe.denoiser(x, t, text), atol=1e-5)
        other = D.Denoiser(in_channels=1, width=16, blocks=2)  # another shape of the same family, untrained
        x1 = torch.randn(2, 1, 28, 28, generator=gen)
        text1 = other.text_encoder(["3", ""])
        assert torch.allclose(denoise(other, x1, t[:2], text1), other(x1, t[:2], text1), atol=1e-5)


def notebook_solution(name: str) -> str:
    """The code of the folded solution of the exercise that writes `name`, from the lesson's markdown."""
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "markdown" and f"def {name}(" in cell.source and "<summary>Solution</summary>" in cell.source:
            return cell.source.split("<summary>Solution</summary>")[1].split("```python")[1].split("```")[0]
    raise AssertionError(f"no folded solution for {name}")


def test_the_lessons_folded_solution_of_the_loss_passes_and_is_the_package_loss(capsys):
    scope = {"torch": torch, "F": F, "diffusion": D}
    exec(notebook_solution("ddpm_loss"), scope)
    assert verdict("ddpm_loss", scope["ddpm_loss"]) and "Correct!" in capsys.readouterr().out
    net = D.Denoiser(width=16, blocks=1)
    x0, ids = torch.randn(64, 4, 7, 7), torch.randint(0, 10, (64,))
    for p_uncond in (0.1, 0.5):
        torch.manual_seed(3)
        mine = scope["ddpm_loss"](net, x0, ids, p_uncond)
        torch.manual_seed(3)
        assert torch.allclose(mine, D.ddpm_loss(net, x0, ids, p_uncond), atol=1e-6) and mine.requires_grad


def test_the_lessons_loss_stub_is_not_answered_yet(capsys):
    stub = lesson_functions()["ddpm_loss"]  # the exercise cell's empty function
    assert not verdict("ddpm_loss", stub) and "Not answered yet" in capsys.readouterr().out


def test_a_right_loss_written_otherwise_passes_and_a_detached_one_is_named(capsys):
    def ddpm_loss(net, x0, ids, p_uncond=0.1):
        ab = D.alphas_bar()
        t = torch.randint(0, D.T, (len(x0),))
        eps = torch.randn(x0.shape)
        a = ab[t].view(-1, 1, 1, 1)
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps
        ids = torch.where(torch.rand(len(ids)) < p_uncond, D.EMPTY, ids)
        return ((net(x_t, t, net.text_encoder(ids)) - eps) ** 2).mean()

    assert verdict("ddpm_loss", ddpm_loss)
    result = verdict("ddpm_loss", lambda *args: ddpm_loss(*args).item())
    assert not result and "carries no gradient" in result.message


def test_train_denoiser_minimises_the_loss_it_is_given():
    calls = []

    def counted(*args):
        calls.append(1)
        return D.ddpm_loss(*args)

    net = D.Denoiser(width=16, blocks=1)
    losses = D.train_denoiser(net, torch.randn(64, 4, 7, 7), torch.randint(0, 10, (64,)), steps=5, batch_size=8,
                              loss_fn=counted, device="cpu")
    assert len(calls) == 5 and len(losses) == 5


# ---------------------------------------------------------------- the judge and its guards

def test_the_digit_likeness_test_passes_real_digits_and_fails_noise(mnist_test):
    vae = load_pretrained("mnist-vae-20")
    real = D.repaint_error(mnist_test[0][:200], vae)
    noise = D.repaint_error(torch.rand(50, 784, generator=torch.Generator().manual_seed(0)), vae)
    assert real.shape == (200,) and noise.min() > real.quantile(0.99)
    assert D.repaint_error(torch.zeros(2, 1, 28, 28), vae).isfinite().all()  # a blank picture does not divide by 0


def test_adherence_counts_only_sure_and_digit_like_samples(mnist_test):
    judge = load_pretrained("mnist-classifier")
    x, y = mnist_test
    samples = torch.stack([x[y == d][:5] for d in range(10)]).reshape(10, 5, 1, 28, 28)  # real digits, by row
    assert D.digit_adherence(samples, judge).mean() > 0.9
    assert D.digit_adherence(samples, judge, min_confidence=1.01).sum() == 0  # nobody is more than 100% sure
    assert D.digit_adherence(samples, judge, digit_like=torch.zeros(50, dtype=torch.bool)).sum() == 0


def test_decoded_latents_fade_because_of_the_shrinking_not_the_noise(pipe, mnist_test):
    from vae_lessons.figures.stable_diffusion import fade_brightness

    z0 = D.encode_latents(pipe.vae, mnist_test[0][:20]) * pipe.scale
    fade = fade_brightness(pipe, z0, D.alphas_bar(), [0, 500, 999])
    clean = fade["x_t"][0]
    assert abs(fade["noise only"][-1] - clean) < 0.1 * clean and fade["shrink only"][1] < 0.05 * clean
    assert fade["x_t"][-1] < 0.5 * clean


def test_stable_diffusions_schedule_is_scaled_linear():
    from vae_lessons.figures.stable_diffusion import sd_alphas_bar

    ab = sd_alphas_bar()
    betas = 1 - ab / torch.cat([torch.ones(1), ab[:-1]])
    assert ab.shape == (D.T,) and torch.allclose(betas[[0, -1]], torch.tensor([0.00085, 0.012]), rtol=1e-3)


@pytest.mark.parametrize("guidance, steps", [(D.DEFAULT_GUIDANCE, 5), (4.0, 3), (1.0, 2)])
def test_the_lessons_sampler_draws_the_pipelines_pictures(pipe, guidance, steps):
    scope = lesson_functions(pipe=pipe, guided_eps=D.guided_eps, ddim_step=D.ddim_step)
    prompts = ["seven", "0", ""]
    drawn = scope["sample"](prompts, guidance=guidance, steps=steps, seed=4)
    assert torch.allclose(drawn, pipe(prompts, guidance=guidance, steps=steps, seed=4), atol=1e-3)
    assert not torch.allclose(drawn, pipe(prompts, guidance=guidance, steps=steps, seed=5), atol=1e-2)


def test_the_lessons_sampler_draws_with_the_learners_formulas(pipe):
    scope = lesson_functions(pipe=pipe, guided_eps=sign_flipped, ddim_step=D.ddim_step)
    drawn = scope["sample"](["seven"], steps=4, seed=5)
    assert torch.allclose(drawn, pipe(["seven"], steps=4, seed=5, guide_fn=sign_flipped), atol=1e-3)
    assert not torch.allclose(drawn, pipe(["seven"], steps=4, seed=5), atol=1e-2)


# ---------------------------------------------------------------- the playground, as the lesson drives it

def test_the_playground_draws_the_same_for_any_spelling_and_shows_a_message_for_an_unknown_word(pipe):
    from vae_lessons.figures.stable_diffusion import widget_message
    from vae_lessons.widgets import DiffusionPlayground

    play = DiffusionPlayground(pipe, prompt=D.NUMERALS_ZH[7], guidance=D.DEFAULT_GUIDANCE, steps=5)
    chinese = play.image.value
    assert chinese[:8] == b"\x89PNG\r\n\x1a\n" and play.message.value == ""
    play.prompt.value = "seven"
    assert play.image.value == chinese  # one vector per digit: the same picture
    play.prompt.value = "cat"
    assert "cat" in widget_message(play) and "<" not in widget_message(play)  # the message, as plain text
    play.prompt.value, play.steps.value = "7", 1  # a known prompt again clears the message
    assert play.message.value == "" and widget_message(play) == ""


# ---------------------------------------------------------------- the figures module

def test_noised_pixels_are_the_image_at_t0_and_noise_at_the_end(mnist_test):
    from vae_lessons.figures.stable_diffusion import noised_pixels

    image = mnist_test[0][:1]
    noisy = noised_pixels(image, [0, 999])
    assert noisy.shape == (2, 1, 28, 28) and 0 <= noisy.min() and noisy.max() <= 1
    assert torch.allclose(noisy[0], image.reshape(1, 28, 28), atol=0.05)  # ab[0] = 0.9999: almost clean
    assert (noisy[1] - image.reshape(1, 28, 28)).abs().mean() > 0.2


def test_a_learners_denoiser_has_its_claims_reported_never_enforced(capsys, monkeypatch):
    from vae_lessons.figures.stable_diffusion import reported_claim

    monkeypatch.delenv("VAE_LESSONS_FAST", raising=False)  # full mode: a false `claim` would raise
    reported_claim(True, "at the default g = {g:g}, at least 93 in 100 samples are the digit asked for", g=2.5)
    reported_claim(False, "adherence rises with g: from g = 0 to g = 1 and on to the default")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "✓ at the default g = 2.5, at least 93 in 100 samples are the digit asked for"
    assert out[1].startswith("✗ not (yet) so for your denoiser: adherence rises")


def test_the_judge_tables_confidence_is_a_probability_per_image(pipe, mnist_test):
    from vae_lessons.figures.stable_diffusion import confidence

    judge = load_pretrained("mnist-classifier")
    real = confidence(judge, mnist_test[0][:20])
    assert real.shape == (20,) and 0.1 <= real.min() and real.max() <= 1
    assert real.mean() > 0.9  # the judge is sure of real digits
    flat = confidence(judge, torch.full((5, 784), 0.5))
    assert flat.shape == (5,) and flat.max() <= 1


def test_the_cost_comparison_times_both_spaces_and_prints_its_table(capsys):
    from vae_lessons.figures.stable_diffusion import training_step_cost

    threads = torch.get_num_threads()
    nets = {"pixel": D.Denoiser(in_channels=1, width=16, blocks=1), "latent": D.Denoiser(in_channels=4, width=16, blocks=1)}
    seconds = training_step_cost(nets, batch=4, device=torch.device("cpu"))
    assert set(seconds) == {"pixel", "latent"} and all(s > 0 for s in seconds.values())
    assert torch.get_num_threads() == threads  # the thread count is restored
    out = capsys.readouterr().out
    assert "pixel space 1x28x28" in out and "latent space 4x7x7" in out


# ---------------------------------------------------------------- the Chinese edition's messages

def test_an_unknown_prompt_is_explained_in_the_language_in_force(monkeypatch):
    from vae_lessons import i18n

    monkeypatch.setattr(i18n, "_language", "zh")
    with pytest.raises(ValueError, match="不认识的词"):
        D.prompt_to_id("猫")
    with pytest.raises(ValueError, match="不同的数字"):
        D.prompt_to_id("七 8")
    monkeypatch.setattr(i18n, "_language", "en")
    with pytest.raises(ValueError, match="unknown word"):
        D.prompt_to_id("cat")
    with pytest.raises(ValueError, match="different digits"):
        D.prompt_to_id("seven 8")
