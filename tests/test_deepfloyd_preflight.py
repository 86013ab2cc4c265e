"""Preflight: before any work, and writing nothing, say exactly why DeepFloyd IF cannot run and what to do.
No test here touches the network: Hub calls are replaced, and offline runs read a fake local Hub cache."""

from __future__ import annotations

import huggingface_hub
import pytest
import torch
from huggingface_hub.errors import GatedRepoError

from generator.models import weights
from generator.models.deepfloyd import ModelUnavailable, model_spec, preflight
from generator.models.hardware import Hardware
from tests.tiny_if import tiny_if_dir


COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Every test starts online-looking but with the Hub unreachable, a GPU absent and an empty Hub cache."""

    def unreachable(*args, **kwargs):
        raise AssertionError("preflight contacted the Hub in a test")

    monkeypatch.setattr(huggingface_hub.HfApi, "auth_check", unreachable)
    monkeypatch.setattr(weights, "_importable", lambda module: True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "GALLERY_ALLOW_CPU"):
        monkeypatch.delenv(name, raising=False)


def tiny_spec(stage2_path=None):
    root = tiny_if_dir()
    return model_spec("if-i-l", path=root / "stage1", stage2_path=stage2_path or root / "stage2")


def fake_hub_cache(root, repo: str, files: list[str]) -> None:
    """The folder layout huggingface_hub's cache uses, holding empty stand-ins for `files`."""
    folder = root / f"models--{repo.replace('/', '--')}"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "main").write_text(COMMIT)
    for name in files:
        path = folder / "snapshots" / COMMIT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def test_no_gpu_is_refused_unless_allowed(monkeypatch):
    with pytest.raises(ModelUnavailable, match="no CUDA GPU is available.*takes hours.*GALLERY_ALLOW_CPU=1"):
        preflight(tiny_spec(), needs_stage2=True, prompts_missing=True)
    preflight(tiny_spec(), needs_stage2=True, prompts_missing=True, allow_cpu=True)
    assert "no CUDA GPU" in tiny_spec().unavailable(needs_stage2=True, device="cpu")
    monkeypatch.setenv("GALLERY_ALLOW_CPU", "1")  # the user's way to say it, read by the CLI
    spec = model_spec(
        "if-i-l", path=tiny_spec().path, stage2_path=tiny_spec().stage2_path, hardware=Hardware.from_env()
    )
    assert spec.allow_cpu and spec.unavailable(needs_stage2=True, device="cpu") is None
    assert spec.unavailable(needs_stage2=True, prompts=["a dog"]) is None


def test_wrong_local_path_names_the_directory(tmp_path):
    with pytest.raises(ModelUnavailable, match=f"local model directory {tmp_path / 'nowhere'} does not exist"):
        model_spec("if-i-l", path=tmp_path / "nowhere")
    with pytest.raises(ModelUnavailable, match="local model directory .*stage-two does not exist"):
        preflight(tiny_spec(stage2_path=tmp_path / "stage-two"), True, False, allow_cpu=True)


def test_local_path_missing_text_encoder_names_the_missing_files(tmp_path):
    stage1 = tmp_path / "stage1"
    stage1.mkdir()
    (stage1 / "unet").symlink_to(tiny_if_dir() / "stage1" / "unet")
    spec = model_spec("if-i-l", path=stage1)
    preflight(spec, needs_stage2=False, prompts_missing=False, allow_cpu=True)  # T5 not needed: fine
    with pytest.raises(ModelUnavailable) as err:
        preflight(spec, needs_stage2=False, prompts_missing=["a dog"], allow_cpu=True)
    message = str(err.value)
    assert f"{stage1 / 'text_encoder'} is missing: copy text_encoder/ from DeepFloyd/IF-I-L-v1.0" in message
    assert f"{stage1 / 'tokenizer'} is missing" in message
    (stage1 / "text_encoder").mkdir()
    (stage1 / "text_encoder" / "config.json").write_text("{}")
    message = spec.unavailable(prompts=["a dog"], device="cpu")
    assert f"no weight file in {stage1 / 'text_encoder'} (looked for model.fp16.safetensors" in message


def test_offline_without_cached_weights_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable) as err:
        preflight(model_spec("if-i-l"), needs_stage2=True, prompts_missing=True, allow_cpu=True)
    message = str(err.value)
    assert "DeepFloyd/IF-I-L-v1.0/unet/ is not in the local Hub cache" in message
    assert "DeepFloyd/IF-II-L-v1.0/unet/ is not in the local Hub cache" in message
    assert "DeepFloyd/IF-I-L-v1.0/text_encoder/ is not in the local Hub cache" in message
    assert "HF_HUB_OFFLINE is set: download DeepFloyd/IF-I-L-v1.0 once while online" in message
    assert not (tmp_path / "hub").exists()  # preflight wrote nothing


def test_offline_with_cached_weights_passes(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    fake_hub_cache(
        tmp_path / "hub",
        "DeepFloyd/IF-I-L-v1.0",
        ["unet/config.json", "unet/diffusion_pytorch_model.fp16.safetensors"],
    )
    preflight(model_spec("if-i-l"), needs_stage2=False, prompts_missing=False, allow_cpu=True)
    with pytest.raises(ModelUnavailable, match="IF-II-L-v1.0/unet/ is not in the local Hub cache"):
        preflight(model_spec("if-i-l"), needs_stage2=True, prompts_missing=False, allow_cpu=True)


def test_offline_sharded_text_encoder_needs_every_shard(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    files = [
        "unet/config.json",
        "unet/diffusion_pytorch_model.fp16.safetensors",
        "text_encoder/config.json",
        "text_encoder/model.safetensors.index.fp16.json",
        "text_encoder/model.fp16-00001-of-00002.safetensors",
        "tokenizer/tokenizer_config.json",
        "tokenizer/spiece.model",
    ]
    fake_hub_cache(tmp_path / "hub", "DeepFloyd/IF-I-XL-v1.0", files)
    index = tmp_path / "hub" / "models--DeepFloyd--IF-I-XL-v1.0" / "snapshots" / COMMIT / files[3]
    index.write_text(
        '{"weight_map": {"a": "model.fp16-00001-of-00002.safetensors", "b": "model.fp16-00002-of-00002.safetensors"}}'
    )
    with pytest.raises(ModelUnavailable, match="shard model.fp16-00002-of-00002.safetensors named in .* is missing"):
        preflight(model_spec("deepfloyd-if"), needs_stage2=False, prompts_missing=True, allow_cpu=True)


def hub_error(cls):
    """A huggingface_hub HTTP error without an HTTP response (its constructor wants one from its client)."""
    err = cls.__new__(cls)
    Exception.__init__(err, "403 Client Error: access to this model is restricted")
    return err


def test_gated_repo_without_accepted_licence(monkeypatch):
    def gated(self, repo_id, **kwargs):
        raise hub_error(GatedRepoError)

    monkeypatch.setattr(huggingface_hub.HfApi, "auth_check", gated)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    with pytest.raises(ModelUnavailable) as err:
        preflight(model_spec("if-i-l"), needs_stage2=True, prompts_missing=False, allow_cpu=True)
    message = str(err.value)
    assert "DeepFloyd/IF-I-L-v1.0 is gated" in message and "DeepFloyd/IF-II-L-v1.0 is gated" in message
    assert "https://huggingface.co/DeepFloyd/IF-I-L-v1.0" in message
    assert "No Hugging Face token was found: run `hf auth login` or set HF_TOKEN" in message


def test_unreachable_hub_suggests_offline_mode(monkeypatch):
    def down(self, repo_id, **kwargs):
        raise ConnectionError("name resolution failed")

    monkeypatch.setattr(huggingface_hub.HfApi, "auth_check", down)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: "hf_x")
    message = model_spec("if-i-m").unavailable(device="cuda")
    assert message is not None and "could not reach the Hugging Face Hub for DeepFloyd/IF-I-M-v1.0" in message
    assert "set HF_HUB_OFFLINE=1 if the weights are already in the local cache" in message


def test_without_a_gpu_the_hub_is_not_asked(monkeypatch):
    asked = []
    monkeypatch.setattr(huggingface_hub.HfApi, "auth_check", lambda self, repo_id, **kw: asked.append(repo_id))
    message = model_spec("if-i-m").unavailable(device="cpu")
    assert "no CUDA GPU" in message and asked == []


def test_accessible_repo_with_a_gpu_passes(monkeypatch):
    monkeypatch.setattr(huggingface_hub.HfApi, "auth_check", lambda self, repo_id, **kwargs: None)
    preflight(model_spec("deepfloyd-if"), needs_stage2=True, prompts_missing=True, device="cuda")


def test_hub_tokenizer_needs_sentencepiece_and_protobuf(monkeypatch):
    monkeypatch.setattr(huggingface_hub.HfApi, "auth_check", lambda self, repo_id, **kwargs: None)
    monkeypatch.setattr(weights, "_importable", lambda module: module == "sentencepiece")
    message = model_spec("if-i-l").unavailable(prompts=["a dog"], device="cuda")
    assert "T5 tokenizer (spiece.model) needs the protobuf package: pip install protobuf" in message
    assert model_spec("if-i-l").unavailable(prompts=[], device="cuda") is None
    preflight(tiny_spec(), needs_stage2=False, prompts_missing=True, allow_cpu=True)  # has tokenizer.json
