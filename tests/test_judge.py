"""The digits judge reads each picture the way a viewer looks at it, and each reading is validated on held-out
digits seen that way (the committed classifiers, the records that quote them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from generator.digits.classifier import classify
from generator.digits.data import load_split
from generator.digits.judge import FAR_SIDE, READINGS, Judge, far_away


ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "digits"


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge(MODEL)


def test_far_away_is_the_mean_of_each_block_shown_at_full_size():
    x = torch.randn(2, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    seen = far_away(x)
    block = 32 // FAR_SIDE
    means = x.reshape(2, 1, FAR_SIDE, block, FAR_SIDE, block).mean((3, 5))
    assert seen.shape == x.shape
    torch.testing.assert_close(seen[..., ::block, ::block], means)
    torch.testing.assert_close(far_away(seen), seen)  # seeing it from afar twice: the same


def test_each_reading_reads_held_out_digits_seen_its_way_as_recorded(judge):
    measured = judge.held_out_accuracy()
    recorded = json.loads((MODEL / "eval.json").read_text())["judge"]
    assert measured == recorded  # the record is of these weights
    assert all(r["accuracy"] >= 0.9 for r in measured.values())
    assert set(measured) == set(READINGS) == {"near", "far"}


def test_the_near_classifier_cannot_read_digits_from_afar(judge):
    """Why the far reading has its own classifier: the near one misreads a third of the held-out digits seen
    from afar, which the far one reads."""
    test = load_split("test")
    near_on_far = (classify(judge.classifiers["near"], far_away(test.images)) == test.labels).float().mean()
    far_on_far = (judge.read("far", test.images) == test.labels).float().mean()
    assert near_on_far < 0.8 < 0.9 <= far_on_far
