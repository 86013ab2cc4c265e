"""The digits model's prompt encoder: numerals, words and a few phrasings → class ids; anything else is refused."""

import pytest

from generator.models.digits_prompts import PROMPT_HELP, UNCONDITIONAL, class_of


@pytest.mark.parametrize(
    "prompt, digit",
    [
        ("7", 7),
        ("seven", 7),
        ("a 7", 7),
        ("the digit seven", 7),
        ("a handwritten 7", 7),
        ("a handwritten seven", 7),
        ("  A  Handwritten   SEVEN ", 7),
        ("0", 0),
        ("zero", 0),
        ("Nine", 9),
        ("the digit 3", 3),
        ("a\tfour", 4),
    ],
)
def test_digit_prompts_map_to_their_class(prompt, digit):
    assert class_of(prompt) == digit


@pytest.mark.parametrize("prompt", ["", "   ", "\n"])
def test_empty_prompt_is_the_unconditional_class(prompt):
    assert class_of(prompt) == UNCONDITIONAL == 10


@pytest.mark.parametrize("prompt", ["a cat", "77", "10", "ten", "the 7", "a handwritten", "7 seven", "-1", "٣"])
def test_other_prompts_raise_an_error_listing_what_the_model_understands(prompt):
    with pytest.raises(ValueError) as error:
        class_of(prompt)
    message = str(error.value)
    assert repr(prompt) in message
    assert PROMPT_HELP in message
    assert '"seven"' in message and '""' in message
