"""Lesson 07's exercises, checked without running the notebook: the learner writes
`guided_eps(eps_empty, eps_cond, g)` and `ddim_step(x_t, eps, alpha_bar_t, alpha_bar_prev)`;
`check_function` (with the package's references, inputs and known mistakes, as the lesson calls
it) must accept a right one written in other words, name each known mistake, and the pipeline
must draw with whatever the learner wrote."""

import math

import pytest
import torch

from vae_lessons import diffusion as D
from vae_lessons.lesson import check_function
from vae_lessons.pretrained import load_pretrained


def check_guidance(fn):
    return check_function(fn, D.guided_eps, D.guidance_inputs, mistakes=D.guidance_mistakes())


def check_ddim(fn):
    return check_function(fn, D.ddim_step, D.ddim_inputs, mistakes=D.ddim_mistakes())


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
    assert check_guidance(right_guidance)
    assert check_guidance(right_guidance_other_convention)
    assert capsys.readouterr().out.count("Correct!") == 2


@pytest.mark.parametrize("wrong, words", [(sign_flipped, "sign of the difference is flipped"),
                                          (g_on_the_wrong_term, "wrong term"),
                                          (started_from_cond, "other convention")])
def test_known_guidance_mistakes_are_named(wrong, words):
    verdict = check_guidance(wrong)
    assert not verdict
    assert words in verdict.message


def test_an_empty_stub_is_not_answered_yet():
    def guided_eps(eps_empty, eps_cond, g):
        ...  # your code here
    verdict = check_guidance(guided_eps)
    assert not verdict and "Not answered yet" in verdict.message


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
    assert check_ddim(right_ddim)
    assert check_ddim(right_ddim_with_math)
    assert capsys.readouterr().out.count("Correct!") == 2


@pytest.mark.parametrize("wrong, words", [(no_sqrt_on_alpha_bar, "sqrt is missing on alpha_bar"),
                                          (x0_without_sqrt_on_one_minus, "x0 formula uses (1 - alpha_bar_t)"),
                                          (returns_x0, "returned the clean guess")])
def test_known_ddim_mistakes_are_named(wrong, words):
    verdict = check_ddim(wrong)
    assert not verdict
    assert words in verdict.message


def test_every_listed_mistake_is_told_apart_from_the_right_answer_and_from_each_other():
    for reference, inputs, mistakes in ((D.guided_eps, D.guidance_inputs, D.guidance_mistakes()),
                                        (D.ddim_step, D.ddim_inputs, D.ddim_mistakes())):
        for message, wrong in mistakes.items():
            verdict = check_function(wrong, reference, inputs, mistakes=mistakes)
            assert not verdict and message in verdict.message


# ---------------------------------------------------------------- the learner's functions draw

def test_the_learners_functions_draw_the_pipelines_digits_and_a_wrong_one_does_not():
    pipe = load_pretrained("mnist-latent-diffusion")
    bundled = pipe(["seven", "7"], steps=4, seed=5)
    mine = pipe(["seven", "7"], steps=4, seed=5, guide_fn=right_guidance, step_fn=right_ddim)
    assert torch.allclose(mine, bundled, atol=1e-4)
    wrong = pipe(["seven", "7"], steps=4, seed=5, guide_fn=sign_flipped, step_fn=right_ddim)
    assert not torch.allclose(wrong, bundled, atol=1e-2)


# ---------------------------------------------------------------- the playground, as the lesson drives it

def test_the_playground_draws_the_same_for_any_spelling_and_shows_a_message_for_an_unknown_word():
    from vae_lessons.widgets import DiffusionPlayground

    pipe = load_pretrained("mnist-latent-diffusion")
    play = DiffusionPlayground(pipe, prompt="七", guidance=D.DEFAULT_GUIDANCE, steps=5)
    chinese = play.image.value
    assert chinese[:8] == b"\x89PNG\r\n\x1a\n" and play.message.value == ""
    play.prompt.value = "seven"
    assert play.image.value == chinese  # one vector per digit: the same picture
    play.prompt.value = "cat"
    assert "cat" in play.message.value  # the pipeline's message, not a traceback
    play.prompt.value, play.steps.value = "7", 1  # a known prompt again clears the message
    assert play.message.value == ""


# ---------------------------------------------------------------- the Chinese edition's messages

@pytest.mark.parametrize("table, reference, inputs",
                         [(D._GUIDANCE_MISTAKES, D.guided_eps, D.guidance_inputs),
                          (D._DDIM_MISTAKES, D.ddim_step, D.ddim_inputs)])
def test_every_known_mistake_is_named_in_chinese_in_the_chinese_edition(table, reference, inputs, monkeypatch):
    from vae_lessons import i18n

    monkeypatch.setattr(i18n, "_language", "zh")
    mistakes = D.guidance_mistakes() if reference is D.guided_eps else D.ddim_mistakes()
    for en, zh, wrong in table:
        assert zh in mistakes and en not in mistakes
        verdict = check_function(wrong, reference, inputs, mistakes=mistakes)
        assert not verdict and zh in verdict.message and verdict.message.startswith("还不对")


def test_an_unknown_prompt_is_explained_in_the_language_in_force(monkeypatch):
    from vae_lessons import i18n

    monkeypatch.setattr(i18n, "_language", "zh")
    with pytest.raises(ValueError, match="不认识的词"):
        D.prompt_to_id("猫")
    monkeypatch.setattr(i18n, "_language", "en")
    with pytest.raises(ValueError, match="unknown word"):
        D.prompt_to_id("cat")
