"""One language setting for everything the package says to a learner (English or 中文).

The setting comes from `set_language("zh")` (lesson.setup(lang="zh") calls it) or the
environment variable VAE_LESSONS_LANG, and defaults to English. Code is the same in both
editions of a lesson; only the strings it shows change, through `tr(english, chinese)`.
"""

from __future__ import annotations

import os

ENV_VAR = "VAE_LESSONS_LANG"
LANGUAGES = ("en", "zh")
_language: str | None = None  # set_language() wins over the environment


def set_language(lang: str) -> None:
    """Choose "en" or "zh" for every later message, label and figure text."""
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")
    _language = lang


def language() -> str:
    """The language in force: set_language(), else $VAE_LESSONS_LANG, else English."""
    if _language is not None:
        return _language
    env = os.environ.get(ENV_VAR, "en").strip().lower()
    return "zh" if env.startswith("zh") else "en"


def tr(en: str, zh: str | None = None) -> str:
    """The string for the language in force (English where no Chinese is given)."""
    return zh if language() == "zh" and zh is not None else en
