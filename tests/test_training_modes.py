"""The training-record figures: a loss curve, sample sheets per epoch, evaluation numbers — from files."""

import json

import pytest
from PIL import Image

from generator.cli import main


EVAL = {
    "classifier_test_accuracy": 0.981,
    "cfg": {
        "accuracy": 0.97,
        "samples": 1000,
        "guidance": 4.0,
        "per_digit": {str(d): 0.9 + d / 100 for d in range(10)},
    },
    "unconditional": {"shares": {str(d): 0.1 for d in range(10)}, "all_present": True, "max_share": 0.1},
    "judge": {
        "near": {"accuracy": 0.981, "sees": "the image itself, 32×32"},
        "far": {"accuracy": 0.96, "sees": "the image area-averaged to 8×8"},
    },
    "anagrams": [{"prompts": ["6", "9"], "view": "rotate_180", "both": 0.25, "samples": 100}],
    "hybrids": [{"far": "0", "near": "8", "both": 0.5, "samples": 100}],
}
RECIPE = """\
title: Training
figures:
  - id: loss
    mode: loss_curve
    record: model/training.json
  - id: sheets
    mode: epoch_samples
    record: model/training.json
  - id: numbers
    mode: evaluation
    record: model/eval.json
"""


@pytest.fixture
def project(tmp_path):
    book = tmp_path / "recipes" / "b"
    (book / "model" / "samples").mkdir(parents=True)
    (tmp_path / "recipes" / "site.yaml").write_text("title: T\n")
    (book / "book.yaml").write_text("title: B\nmodel: deepfloyd-if\n")
    (book / "10-training.yaml").write_text(RECIPE)
    losses = [1.0 / (1 + i / 10) for i in range(200)]
    record = {
        "step_loss": losses,
        "epoch_loss": [0.5, 0.1],
        "steps": 200,
        "epochs": 2,
        "steps_per_epoch": 100,
        "wall_time_s": 600.0,
    }
    (book / "model" / "training.json").write_text(json.dumps(record))
    (book / "model" / "eval.json").write_text(json.dumps(EVAL))
    for epoch in (1, 2):
        Image.new("L", (40, 20), 50 * epoch).save(book / "model" / "samples" / f"epoch-{epoch:03d}.png")
    return tmp_path


def test_training_figures_come_from_the_record_files(project, capsys):
    assert main(["--root", str(project), "build"]) == 0
    assert "3 generated, 0 pending" in capsys.readouterr().out
    page = (project / "public" / "b" / "index.html").read_text()
    assert "epoch 1" in page and "epoch 2" in page
    assert "97.0% of 1000 samples" in page and "anagram 6 / 9 (turned 180°): both readings" in page
    assert "25% of 100 seeds (95% interval 18%–34%)" in page  # a rate, and how sure it is
    assert "area-averaged to 8×8" in page and "96.0% of the held-out digits" in page


def test_a_changed_record_regenerates_only_its_figures(project, capsys):
    assert main(["--root", str(project), "build"]) == 0
    evaluation = project / "recipes" / "b" / "model" / "eval.json"
    evaluation.write_text(json.dumps({**EVAL, "classifier_test_accuracy": 0.99}))
    capsys.readouterr()
    assert main(["--root", str(project), "build"]) == 0
    assert "2 stored, 1 generated" in capsys.readouterr().out
