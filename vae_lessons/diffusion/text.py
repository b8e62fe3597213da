"""The prompt vocabulary and the text encoder (Stable Diffusion's CLIP, small). Lesson 07,
Part 4 (notebooks/07_stable_diffusion.ipynb).

The encoder understands one idea, a digit, spelled three ways (the English word, the numeral,
the Chinese numeral), ignores polite filler ("a handwritten ..."), and has one more vector for
the empty prompt, which classifier-free guidance needs. A word it does not know is an error
that says what it does know, never a silent guess.
"""

from __future__ import annotations

import re
from typing import Iterable

import torch
from torch import nn

from ..i18n import tr

NUMBER_WORDS = "zero one two three four five six seven eight nine".split()
NUMERALS_ZH = "零一二三四五六七八九"  # the digits in Chinese: NUMERALS_ZH[7] is seven
DIGITS = {w: i for i, w in enumerate(NUMBER_WORDS)}
DIGITS |= {str(i): i for i in range(10)} | {c: i for i, c in enumerate(NUMERALS_ZH)}
FILLER = {"a", "an", "the", "handwritten", "digit", "number", "of", "draw",
          "手", "写", "的", "数", "字", "画", "个", "张", "一个", "一张"}
EMPTY = 10  # the "empty prompt" id: the unconditional model that guidance pushes away from


def prompt_to_id(prompt: str) -> int:
    """"seven", "7", "a handwritten seven", "七", "一个手写的七" -> 7; "" -> EMPTY. Anything else is
    an error that says what is understood, instead of a silent guess.

    Words are runs of a-z, single digits and single other characters, except that Chinese filler
    of several characters (一个, 一张) is one word, read first: 一个七 is "a seven", never "one seven"."""
    phrases = sorted((w for w in FILLER if len(w) > 1 and not w.isascii()), key=len, reverse=True)
    tokens = re.findall("".join(f"{re.escape(w)}|" for w in phrases) + r"[a-z]+|\d|[^\x00-\x7f]", prompt.lower())
    unknown = [w for w in tokens if w not in DIGITS and w not in FILLER]
    if unknown:
        raise ValueError(tr("unknown word(s) {unknown} in prompt {prompt!r}. Understood: the digits 0-9 as "
                            "numerals, English words ({words}) or 中文 (零一二三四五六七八九), plus the filler "
                            "words {filler}, which are ignored", unknown=unknown, prompt=prompt,
                            words=", ".join(NUMBER_WORDS), filler=", ".join(sorted(FILLER))))
    digits = {DIGITS[w] for w in tokens if w in DIGITS}
    if len(digits) > 1:
        raise ValueError(tr("prompt {prompt!r} names {n} different digits; ask for one", prompt=prompt, n=len(digits)))
    return digits.pop() if digits else EMPTY


class TextEncoder(nn.Module):
    """Prompts -> vectors. SD's CLIP text encoder turns 77 tokens into 77x768 numbers; ours
    turns one understood word into one learned vector (and "" into the empty-prompt vector)."""

    def __init__(self, dim: int = 64):
        super().__init__()
        self.config = {"dim": dim}
        self.embedding = nn.Embedding(EMPTY + 1, dim)

    def ids(self, prompts: Iterable[str]) -> torch.Tensor:
        if isinstance(prompts, str):
            raise TypeError("pass a list of prompts, e.g. ['seven'], not a single string")
        return torch.tensor([prompt_to_id(p) for p in prompts], device=self.embedding.weight.device)

    def forward(self, prompts_or_ids) -> torch.Tensor:
        ids = prompts_or_ids if torch.is_tensor(prompts_or_ids) else self.ids(prompts_or_ids)
        return self.embedding(ids)
