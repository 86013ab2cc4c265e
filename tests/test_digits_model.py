"""The digits model end to end on tiny random weights: training is deterministic and writes a diffusers folder,
the backend loads it with from_pretrained and speaks the Backend protocol, and the evaluation runs through the
engine."""

import json
import subprocess
import sys

import pytest
import torch
from diffusers import UNet2DModel

from generator.digits.classifier import build_classifier, classify
from generator.digits.train import TrainConfig, build_scheduler, build_unet, train
from generator.models.digits import DigitsUnavailable, digits_spec


TINY = TrainConfig(
    block_out_channels=(8, 16, 16), attention=(False, False, True), norm_groups=4, batch_size=8, preview_per_digit=1
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A random tiny UNet2DModel and the scheduler, saved in the layout `make embedded-model` writes."""
    path = tmp_path_factory.mktemp("digits")
    torch.manual_seed(0)
    build_unet(TINY).save_pretrained(path / "unet")
    build_scheduler().save_pretrained(path / "scheduler")
    return path


def test_spec_names_the_weights_by_hash_and_reads_the_saved_scheduler(tiny_model):
    spec = digits_spec(tiny_model)
    assert spec.id == "digits" and spec.unavailable() is None
    assert len(spec.revision) == 16 and int(spec.revision, 16) >= 0
    assert (spec.image_size, spec.channels) == (32, 1)
    assert spec.scheduler_config["beta_schedule"] == "squaredcos_cap_v2"
    assert spec.scheduler_config["variance_type"] == "fixed_small"
    assert "seven" in spec.prompt_help and spec.description


def test_backend_encodes_prompts_to_class_ids_and_predicts_eps_without_variance(tiny_model):
    backend = digits_spec(tiny_model).load("cpu")
    emb = backend.encode(["a handwritten seven", "", "3"])
    assert {p: e.item() for p, e in emb.items()} == {"a handwritten seven": 7, "": 10, "3": 3}
    assert all(e.dtype == torch.long and e.dim() == 0 for e in emb.values())
    x_t = torch.randn(3, 1, 32, 32)
    eps, var = backend.predict(x_t, torch.tensor([999, 500, 0]), torch.stack(list(emb.values())))
    assert eps.shape == x_t.shape and eps.dtype == torch.float32 and var is None
    with pytest.raises(ValueError, match="understands"):
        backend.encode(["a cat"])


def test_missing_model_says_to_run_make_embedded_model(tmp_path):
    spec = digits_spec(tmp_path / "nowhere")
    assert spec.revision == "missing"
    assert "make embedded-model" in spec.unavailable()
    with pytest.raises(DigitsUnavailable, match="make embedded-model"):
        spec.load("cpu")


def test_spec_module_imports_without_torch():
    code = "import sys, generator.models.digits; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_training_is_deterministic_and_writes_a_loadable_model(tmp_path):
    records = [
        train(tmp_path / name, seed=3, epochs=1, config=TINY, max_steps=2, previews=name == "a") for name in ("a", "b")
    ]
    weights = [(tmp_path / n / "unet" / "diffusion_pytorch_model.safetensors").read_bytes() for n in "ab"]
    assert weights[0] == weights[1]
    assert records[0]["step_loss"] == records[1]["step_loss"] and len(records[0]["step_loss"]) == 2
    record = json.loads((tmp_path / "a" / "training.json").read_text())
    assert {"config", "seed", "epochs", "steps", "wall_time_s", "machine", "data_hash", "epoch_loss"} <= set(record)
    assert record["steps"] == 2 and record["seed"] == 3
    assert (tmp_path / "a" / "samples" / "epoch-001.png").is_file()
    assert not list(tmp_path.glob(".*tmp*"))
    unet = UNet2DModel.from_pretrained(tmp_path / "a" / "unet")
    assert unet.config.num_class_embeds == 11 and unet.config.sample_size == 32


def test_retraining_swaps_the_model_in_and_keeps_the_classifier(tmp_path):
    out = tmp_path / "digits"
    train(out, seed=3, epochs=1, config=TINY, max_steps=1, previews=False)
    first = (out / "unet" / "diffusion_pytorch_model.safetensors").read_bytes()
    (out / "classifier.safetensors").write_bytes(b"kept")
    train(out, seed=4, epochs=1, config=TINY, max_steps=1, previews=False)
    assert (out / "unet" / "diffusion_pytorch_model.safetensors").read_bytes() != first
    assert (out / "classifier.safetensors").read_bytes() == b"kept"
    assert json.loads((out / "training.json").read_text())["seed"] == 4
    assert [p.name for p in tmp_path.iterdir()] == ["digits"]


def test_a_different_seed_gives_different_weights(tmp_path):
    for name, seed in (("a", 0), ("b", 1)):
        train(tmp_path / name, seed=seed, epochs=1, config=TINY, max_steps=1, previews=False)
    weights = [(tmp_path / n / "unet" / "diffusion_pytorch_model.safetensors").read_bytes() for n in "ab"]
    assert weights[0] != weights[1]


def test_classifier_maps_a_batch_of_images_to_digits():
    torch.manual_seed(0)
    predicted = classify(build_classifier(), torch.rand(5, 1, 32, 32) * 2 - 1)
    assert predicted.shape == (5,) and predicted.dtype == torch.long
    assert ((0 <= predicted) & (predicted <= 9)).all()


def test_evaluation_samples_through_the_engine(tiny_model):
    from generator.diffusion.schedule import Schedule
    from generator.digits.evaluate import Sampling, anagram_success, cfg_accuracy, unconditional_balance

    spec = digits_spec(tiny_model)
    sampling = Sampling(spec.load("cpu"), Schedule.from_config(spec.scheduler_config), steps=[999, 500, 0])
    clf = build_classifier().eval()
    cfg = cfg_accuracy(sampling, clf, per_digit=1, guidance=4.0)
    assert cfg["samples"] == 10 and set(cfg["per_digit"]) == {str(d) for d in range(10)}
    assert 0 <= cfg["accuracy"] <= 1
    balance = unconditional_balance(sampling, clf, n=4)
    assert sum(balance["shares"].values()) == pytest.approx(1.0) and balance["ok"] is False  # 4 samples < 10 classes
    (anagram,) = anagram_success(sampling, clf, n=2, guidance=4.0)
    assert anagram["prompts"] == ["6", "9"] and anagram["both"] <= min(anagram["first"], anagram["second"])
    # Same seeds, same images: the engine's per-track generators make sampling reproducible.
    again = Sampling(sampling.backend, sampling.schedule, steps=[999, 500, 0])
    tracks = [sampling.track(7, [sampling_term()]), again.track(7, [sampling_term()])]
    assert torch.equal(sampling.run(tracks[:1], "a"), again.run(tracks[1:], "b"))


def sampling_term():
    from generator.engine import Term

    return Term("4", uncond="", guidance=3.0)
