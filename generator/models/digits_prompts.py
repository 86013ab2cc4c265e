"""Prompts the digits model understands: a digit as a numeral or word, or "" for unconditional."""

from __future__ import annotations

import re


DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
UNCONDITIONAL = 10  # the class id for the empty prompt (classifier-free guidance)
NUM_CLASS_EMBEDS = 11

PROMPT_HELP = (
    'a digit as a numeral or a word ("7", "seven"), optionally as "a 7", "the digit seven", '
    '"a handwritten 7" or "a handwritten seven" (case and spacing do not matter); '
    '"" is the unconditional prompt'
)

_FORMS = re.compile(r"^(?:a |the digit |a handwritten )?(\w+)$")


def _digit(token: str) -> int | None:
    if len(token) == 1 and token in "0123456789":
        return int(token)
    return DIGIT_WORDS.index(token) if token in DIGIT_WORDS else None


def class_of(prompt: str) -> int:
    """The class id 0–9 for a digit prompt, 10 for ""; ValueError for anything else."""
    text = " ".join(prompt.lower().split())
    if text == "":
        return UNCONDITIONAL
    match = _FORMS.match(text)
    digit = _digit(match.group(1)) if match else None
    if digit is None:
        raise ValueError(f"the digits model does not understand the prompt {prompt!r}; it understands {PROMPT_HELP}")
    return digit
