"""`gallery build --device cpu --dtype bf16 --figure …` on the tiny DeepFloyd IF models (stages I, II and III
from local folders in the Hub layout), `upsample: 1024` in recipes and keys, and `gallery plan --memory`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from generator.cli import main
from generator.jobs import Job
from generator.models.deepfloyd import STAGE_III_REPO, model_spec, preflight
from generator.models.digits import digits_spec
from generator.modes.base import MODES, ParamError
from tests.tiny_backend import tiny_spec
from tests.tiny_if import tiny_if_dir


BOOK = "title: Tiny IF\nmodel: if-i-l\nsummary: The tiny models.\ndefaults: {seeds: [3]}\n"
SECTION = """\
title: Cascade
intro: All three stages.
figures:
  - id: rocket
    mode: cfg
    prompts: ["a rocket ship"]
    steps: [500, 0]
    upsample: 1024
    upsample_steps: [500, 0]
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tiny_if_dir()
    (tmp_path / "recipes" / "tiny").mkdir(parents=True)
    (tmp_path / "recipes" / "site.yaml").write_text("title: Test site\nintro: Hello.\n")
    (tmp_path / "recipes" / "tiny" / "book.yaml").write_text(BOOK)
    (tmp_path / "recipes" / "tiny" / "10-cascade.yaml").write_text(SECTION)
    for name, folder in (
        ("GALLERY_DEEPFLOYD_PATH", "stage1"),
        ("GALLERY_DEEPFLOYD_STAGE2_PATH", "stage2"),
        ("GALLERY_UPSCALER_PATH", "stage3"),
    ):
        monkeypatch.setenv(name, str(root / folder))
    monkeypatch.setenv("GALLERY_ALLOW_CPU", "1")
    return tmp_path


@pytest.mark.slow
def test_build_on_the_cpu_in_bf16_runs_all_three_stages_and_keys_the_dtype(project, capsys):
    assert main(["--root", str(project), "build", "--figure", "rocket", "--device", "cpu", "--dtype", "bf16"]) == 0
    assert "1 generated, 0 pending · 1 jobs run" in capsys.readouterr().out
    (meta,) = [
        json.loads(p.read_text())
        for p in (project / "store" / "results").rglob("*.json")
        if "job" in json.loads(p.read_text())
    ]
    assert meta["job"]["model"]["dtype"] == "bf16"
    assert meta["job"]["params"]["upscaler3"]["id"] == "if-i-l/stage3"
    sizes = sorted(Image.open(p).size for p in (project / "store" / "results").rglob("*.png"))
    assert sizes == [(16, 16), (64, 64), (256, 256)]  # stage I, II, III (tiny: 16 → 64 → 256)
    assert main(["--root", str(project), "plan", "--device", "cpu", "--dtype", "bf16"]) == 0
    assert "pending: 0 jobs" in capsys.readouterr().out  # the same key: stored
    assert main(["--root", str(project), "plan", "--device", "cpu", "--dtype", "fp32"]) == 0
    assert "pending: 1 jobs" in capsys.readouterr().out  # another dtype is another job


@pytest.mark.slow
def test_hardware_options_and_their_variables_choose_the_same_keys_and_leave_the_environment_alone(
    project, capsys, monkeypatch
):
    """--dtype and GALLERY_DTYPE are two ways to say the same (the option wins); the CLI passes the choice down
    as a Hardware, never by writing GALLERY_ variables into the environment."""
    import os

    assert main(["--root", str(project), "build", "--figure", "rocket", "--device", "cpu", "--dtype", "bf16"]) == 0
    assert not {k for k in os.environ if k in ("GALLERY_DEVICE", "GALLERY_DTYPE", "GALLERY_MEMORY")}
    capsys.readouterr()
    monkeypatch.setenv("GALLERY_DEVICE", "cpu")
    monkeypatch.setenv("GALLERY_DTYPE", "bf16")
    assert main(["--root", str(project), "plan"]) == 0
    assert "pending: 0 jobs" in capsys.readouterr().out  # the variables name the stored job
    assert main(["--root", str(project), "plan", "--dtype", "fp32"]) == 0
    assert "pending: 1 jobs" in capsys.readouterr().out  # the option wins over the variable
    monkeypatch.setenv("GALLERY_MEMORY", "lots")
    assert main(["--root", str(project), "plan"]) == 2
    assert "memory 'lots' not understood" in capsys.readouterr().err


def test_plan_says_the_memory_mode_batches_and_peak_for_a_card(project, capsys):
    assert main(["--root", str(project), "plan", "--device", "cuda", "--memory", "16GB"]) == 0
    out = capsys.readouterr().out
    assert "hardware (cuda, 16.0 GiB):" in out and "dtype fp16" in out
    assert "memory mode sequential: batch stage I" in out and "stage III 1" in out and "(fits)" in out
    assert "T5-XXL" in out
    with pytest.raises(SystemExit) as exit_:  # argparse's usage error: exit 2
        main(["--root", str(project), "plan", "--device", "cuda", "--memory", "lots"])
    assert exit_.value.code == 2 and "memory 'lots' not understood" in capsys.readouterr().err


# ------------------------------------------------------------------------------------- upsample: 1024


def resolve(spec, upsample):
    return MODES["cfg"].resolve(MODES["cfg"].Params(upsample=upsample), spec)


def test_upsample_1024_pins_stage_three_and_256_is_the_same_job_as_true():
    hub = model_spec("deepfloyd-if")
    assert resolve(hub, 256) == resolve(hub, True) and resolve(hub, True).upscaler3 is None
    stage3 = resolve(hub, 1024).upscaler3
    assert stage3 == {
        "id": STAGE_III_REPO,
        "revision": "main",
        "size": 1024,
        "steps": 75,
        "guidance": 9.0,
        "noise_level": 100,
    }
    local = model_spec("deepfloyd-if", stage3_path=tiny_if_dir() / "stage3")
    assert resolve(local, 1024).upscaler3["revision"].startswith("local-")  # the weights' fingerprint
    pinned = model_spec("deepfloyd-if", stage3_revision="abc")
    keys = {Job("b", "s", "f", "cfg", 1, resolve(s, 1024), ("a",), 0, s.key()).key for s in (hub, local, pinned)}
    assert len(keys) == 3
    with pytest.raises(ParamError, match="upsample 1024 needs a stage III, and model 'tiny' has none"):
        resolve(tiny_spec(), 1024)  # a stage II, no stage III
    with pytest.raises(ParamError, match="model 'digits' has no stage II"):
        resolve(digits_spec(), 1024)


def test_preflight_names_the_missing_stage_three_folder(tmp_path):
    root = tiny_if_dir()
    spec = model_spec("if-i-l", path=root / "stage1", stage2_path=root / "stage2", stage3_path=tmp_path / "nowhere")
    preflight(spec, needs_stage2=True, prompts_missing=False, allow_cpu=True)  # stage III not needed
    with pytest.raises(Exception, match=f"local model directory {tmp_path / 'nowhere'} does not exist"):
        preflight(spec, needs_stage2=True, prompts_missing=False, allow_cpu=True, needs_stage3=True)
    (Path(tmp_path) / "partial" / "unet").mkdir(parents=True)
    spec = model_spec("if-i-l", path=root / "stage1", stage3_path=tmp_path / "partial")
    with pytest.raises(Exception, match=r"(?s)partial/unet/config.json is missing.*partial/vae is missing"):
        preflight(spec, needs_stage2=False, prompts_missing=False, allow_cpu=True, needs_stage3=True)
