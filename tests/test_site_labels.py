"""Labels a reader needs, never key names: the words under pictures, in fact lists and in alt text."""

from __future__ import annotations

import re

from generator.diffusion.timesteps import parse_timesteps
from generator.jobs import Job
from generator.modes import MODES
from generator.site import labels
from generator.site.inputs import rect_mask, settings, shared_prefix


def test_steps_are_counted_not_named():
    assert labels.steps_label("strided-50") == f"{len(parse_timesteps('strided-50'))} steps" == "20 steps"
    assert labels.steps_label("strided-10") == "100 steps"
    assert labels.param_label("steps", [999, 500, 0]) == "3 steps"


def test_sweep_values_read_as_words():
    assert labels.param_label("guidance", 4.0) == "γ = 4"
    assert labels.param_label("prompts", ["6", "9"]) == "“6” / “9”"
    t = parse_timesteps("strided-30")[5]
    assert labels.param_label("i_start", 5, MODES["sdedit"].Params(steps="strided-30")) == f"from t = {t}"
    assert labels.param_label("i_start", 0, MODES["sdedit"].Params(steps="strided-30")) == "pure noise"


def test_image_names_say_how_to_look():
    prompts = {"identity": "6", "rotate_180": "9"}
    assert labels.image_label("identity", prompts) == "upright: 6"
    assert labels.image_label("rotate_180", prompts) == "turned 180°: 9"
    assert labels.image_label("sample-256") == "sample, 256×256"
    assert labels.image_label("t=690") == "t = 690"
    assert labels.image_label("anagram:rotate_180") == "anagram, turned 180°"
    for view in labels.VIEW_WORDS:  # no view name shows through
        assert "_" not in labels.image_label(view)


def test_numbers_go_on_their_picture_and_not_again_below():
    info = {"psnr_denoised": 23.72, "psnr_noisy": 14.79, "sigma": 1.5}
    assert labels.with_numbers("blurred", "blurred", info) == "blurred, σ\u00a0=\u00a01.5, PSNR 23.7\u00a0dB"
    assert [labels.fact(k, v) for k, v in info.items()] == [None, None, None]
    assert labels.fact("unconditional: all ten digits present", "True") == (
        "unconditional: all ten digits present",
        "yes",
    )
    assert labels.fact("components", ["far", "middle", "near"]) == ("components", "far, middle, near")
    assert labels.fact("anagram:flip: best pair", "2/7")[0] == "anagram, upside down: best pair"
    assert (
        labels.fact("steps", "strided-80") == ("sampling", "13 steps")
        and labels.fact("steps", 1600)[0] == "training steps"
    )
    label, value = labels.fact("anagram 6 / 9 (rotate_180): both readings", "100%")
    assert "rotate_180" not in label and "turned 180°" in label


def test_settings_of_a_pending_figure_in_words():
    sdedit = MODES["sdedit"]

    def job(i_start: int) -> Job:
        return Job(
            "b",
            "s",
            "f",
            "sdedit",
            1,
            sdedit.Params(i_start=i_start),
            ("a high quality photo",),
            180,
            None,
            sweep={"i_start": i_start},
        )

    got = dict(settings([job(1), job(3)], sdedit))
    assert got["prompt"] == "“a high quality photo”" and got[""] == "seed 180"
    assert ("", "34 steps") in settings([job(1)], sdedit) and ("", "γ = 7") in settings([job(1)], sdedit)
    assert got["varies"] == shared_prefix(["from t = 960", "from t = 900"]) == "from t\u00a0=\u00a0960, 900"
    assert not any(re.search(r"[a-z]_[a-z]|strided", v) for v in got.values())


def test_rect_mask_covers_exactly_the_hole():
    mask = rect_mask(8, [2, 3, 5, 7])  # rows 2–4, columns 3–6
    white = [(x, y) for y in range(8) for x in range(8) if mask.getpixel((x, y)) == 255]
    assert len(white) == 3 * 4 and min(white) == (3, 2) and max(white) == (6, 4)
