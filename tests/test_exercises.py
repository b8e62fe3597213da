"""Every exercise of every lesson (vae_lessons/exercises/): the reference passes its own check,
each known mistake is named as itself (in English and in Chinese), an empty answer is "not
answered yet", and the checker cell hands the lesson the right function."""

from __future__ import annotations

import pytest

from vae_lessons.exercises import check_exercise, exercises, verdict
from vae_lessons.i18n import set_language, tr

EXERCISES = exercises()
MISTAKES = [(name, message) for name, ex in EXERCISES.items() for message in ex.mistakes]


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_the_reference_passes_and_an_empty_answer_is_not_answered(name, capsys):
    ex = EXERCISES[name]
    assert verdict(name, ex.reference)
    assert not verdict(name, lambda *args: None)
    out = capsys.readouterr().out
    assert "Correct!" in out and "Not answered yet" in out


@pytest.mark.parametrize("name, message", MISTAKES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(MISTAKES)])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_known_mistake_is_named(name, message, lang, capsys):
    set_language(lang)
    wrong = EXERCISES[name].mistakes[message]
    assert not verdict(name, wrong)
    assert tr(message) in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_the_lesson_uses_the_learners_function_only_once_it_passes(name, capsys):
    ex = EXERCISES[name]

    def broken(*args):
        raise NotImplementedError

    assert check_exercise(name, broken) is ex.reference
    assert check_exercise(name, ex.reference) is ex.reference
    out = capsys.readouterr().out
    assert f"the package's {ex.reference.__name__} until your {name} passes" in out and "uses your" in out



def test_every_lesson_has_its_exercises_here():
    """One home: each lesson's exercises module lists at least one exercise."""
    from vae_lessons.exercises import (bottleneck, encoder_decoder, kl_divergence, latent_sampling,
                                       reparameterization, stable_diffusion, training)

    for module in (bottleneck, encoder_decoder, reparameterization, kl_divergence, training,
                   latent_sampling, stable_diffusion):
        assert module.EXERCISES, module.__name__
        assert all(ex.name in EXERCISES for ex in module.EXERCISES)
