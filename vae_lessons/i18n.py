"""One language setting for everything the package and the lessons say (English or 中文).

The setting comes from `set_language("zh")` (lesson.setup(lang="zh") calls it) or the
environment variable VAE_LESSONS_LANG, and defaults to English.

Code holds English only. `tr("{n} test images", n=10)` is the English text with its fields
filled in; in Chinese, the same English text is looked up in the catalog, the JSON files of
`translations/zh/` (English text -> Chinese text), which sit beside the Chinese translations of
the lessons' prose: `package.json` for the package's own strings, `NN_name.json` for a lesson's.
A test fails when an English string has no Chinese twin (scripts/zh_edition.py check).
"""

from __future__ import annotations

import functools
import json
import os
import unicodedata
from pathlib import Path
from typing import Sequence

ENV_VAR = "VAE_LESSONS_LANG"
LANGUAGES = ("en", "zh")
CATALOG_DIR = Path(__file__).parent / "translations" / "zh"
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


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, str]:
    """English text -> Chinese text, from every catalog file (read once)."""
    merged: dict[str, str] = {}
    for path in sorted(CATALOG_DIR.glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def tr(text: str, /, **values) -> str:
    """`text` in the language in force, with its {fields} filled from `values` (str.format).

    A text without its Chinese twin stays English (the drift test keeps that from shipping)."""
    if language() == "zh":
        text = catalog().get(text, text)
    return text.format(**values) if values else text


def display_width(text: str) -> int:
    """Columns a text takes in a monospaced font: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table_row(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool] = ()) -> str:
    """One line of a printed table: each cell padded to its width (the last one as it is), so a
    column lines up whether its text is English or Chinese; `right[k]` aligns cell k right."""
    out = []
    for k, cell in enumerate(cells):
        fill = " " * max(0, widths[k] - display_width(cell)) if k < len(widths) else ""
        out.append(fill + cell if k < len(right) and right[k] else cell + fill)
    return " ".join(out)
