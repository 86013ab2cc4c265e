"""Job keys: stable across runs and machines, sensitive to everything that changes pixels, nothing else."""

import dataclasses
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from generator.jobs import InputImage, Job, canonical_json
from generator.params import ModeParams, Param, param, pinned


@dataclass(frozen=True)
class KeyParams(ModeParams):
    """Parameters of all the kinds a key holds: numbers, a mapping, a list (whose order matters)."""

    i_start: int = param(Param(int, default=10))
    guidance: float = param(Param(float, default=7.0))
    steps: dict[str, Any] = param(Param(dict, default={"stride": 30}))
    views: list[str] = param(Param(list, default=["identity", "flip"]))
    upscaler: dict[str, str] | None = pinned()
    note: str = "a plain field: not a parameter, not in the key"


IMAGE = InputImage("image", "builtin:astronaut", "ab" * 32, "/somewhere/astronaut.png")
JOB = Job(
    book="b",
    section="s",
    figure="f",
    mode="sdedit",
    algorithm=1,
    params=KeyParams(),
    prompts=("a rocket ship", ""),
    seed=180,
    model={"id": "deepfloyd-if", "revision": "main"},
    inputs=(IMAGE,),
    sweep={"i_start": 10},
)

# Pinned once: if this changes, every stored result in every checkout is invalidated — bump KEY_FORMAT on purpose.
PINNED = "66d962999cbc35bd8008f3e1a9ccfa948d900a2dc48acdab06f406cdc3209782"


def test_key_is_the_same_in_a_fresh_interpreter():
    code = "from generator.jobs import *; from tests.test_keys import JOB; print(JOB.key)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == JOB.key


def test_key_is_pinned_across_machines():
    assert JOB.key == PINNED


def test_the_key_holds_the_parameters_and_what_was_pinned_only():
    assert JOB.key_payload()["params"] == {
        "i_start": 10,
        "guidance": 7.0,
        "steps": {"stride": 30},
        "views": ["identity", "flip"],
    }
    pinned_job = dataclasses.replace(JOB, params=dataclasses.replace(JOB.params, upscaler={"id": "s2"}, size=64))
    assert pinned_job.key_payload()["params"] == {**JOB.key_payload()["params"], "upscaler": {"id": "s2"}, "size": 64}
    assert dataclasses.replace(JOB, params=dataclasses.replace(JOB.params, note="other")).key == JOB.key


def test_reordering_dict_keys_does_not_change_the_key():
    params = JOB.params.key()
    assert canonical_json(dict(reversed(list(params.items())))) == canonical_json(params)
    reordered = dataclasses.replace(JOB, params=dataclasses.replace(JOB.params, steps={"b": 1, "a": 2}))
    again = dataclasses.replace(JOB, params=dataclasses.replace(JOB.params, steps={"a": 2, "b": 1}))
    assert reordered.key == again.key


@pytest.mark.parametrize(
    "change",
    [
        {"mode": "text_img2img"},
        {"algorithm": 2},
        {"params": dataclasses.replace(JOB.params, i_start=11)},
        {"params": dataclasses.replace(JOB.params, guidance=7.5)},
        {"params": dataclasses.replace(JOB.params, views=["flip", "identity"])},  # list order matters
        {"params": dataclasses.replace(JOB.params, upscaler={"id": "stage2", "revision": "main"})},
        {"prompts": ("a rocket ship!", "")},
        {"prompts": ("", "a rocket ship")},
        {"seed": 181},
        {"model": {"id": "deepfloyd-if", "revision": "abc123"}},
        {"model": {"id": "if-i-l", "revision": "main"}},
        {"inputs": (dataclasses.replace(IMAGE, sha256="cd" * 32),)},
    ],
)
def test_anything_that_changes_pixels_changes_the_key(change):
    assert dataclasses.replace(JOB, **change).key != JOB.key


@pytest.mark.parametrize(
    "change",
    [
        {"figure": "renamed"},
        {"section": "moved"},
        {"book": "other"},
        {"sweep": {}},
        {"inputs": (dataclasses.replace(IMAGE, source="elsewhere.png", path="/else/where.png"),)},
    ],
)
def test_names_and_places_do_not_change_the_key(change):
    assert dataclasses.replace(JOB, **change).key == JOB.key
