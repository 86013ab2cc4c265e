"""Prompt embeddings: T5 encoding equals IFPipeline.encode_prompt, the on-disk cache spares T5 loads, and the
course's prompt_embeds_dict.pth imports into the cache."""

from __future__ import annotations

import pytest
import torch
from diffusers import IFPipeline

import generator.models.deepfloyd_backend as deepfloyd_backend
from generator.models.deepfloyd import model_spec
from generator.models.deepfloyd_backend import load_t5
from generator.models.embeddings import EmbeddingCache, embedding_cache, encode_t5, import_prompt_embeds
from tests.tiny_if import T5_DIM, tiny_if_dir


PROMPTS = ["an oil painting of a snowy mountain village", "a Photo of a DOG  ", "a rocket ship"]


@pytest.fixture(scope="module")
def spec():
    return model_spec("if-i-l", path=tiny_if_dir() / "stage1", dtype="fp32")


@pytest.fixture(scope="module")
def t5(spec):
    return load_t5(spec, torch.device("cpu"), torch.float32)


def test_encoding_equals_ifpipeline_encode_prompt(spec, t5):
    tokenizer, text_encoder = t5
    ids = tokenizer(PROMPTS[0]).input_ids
    assert tokenizer.unk_token_id not in ids and ids[-1] == tokenizer.eos_token_id  # a real vocabulary
    pipe = IFPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        unet=None,
        scheduler=None,
        safety_checker=None,
        feature_extractor=None,
        watermarker=None,
        requires_safety_checker=False,
    )
    cond, uncond = pipe.encode_prompt(PROMPTS, do_classifier_free_guidance=True, device=torch.device("cpu"))
    assert cond.shape == (3, 77, T5_DIM)
    torch.testing.assert_close(encode_t5(PROMPTS, tokenizer, text_encoder), cond, rtol=0, atol=0)
    torch.testing.assert_close(encode_t5([""] * 3, tokenizer, text_encoder), uncond, rtol=0, atol=0)


def test_batched_encoding_equals_one_at_a_time(t5):
    """Every prompt is padded to 77 tokens, so batching never changes an embedding."""
    batch = encode_t5(PROMPTS, *t5)
    for i, prompt in enumerate(PROMPTS):
        torch.testing.assert_close(encode_t5([prompt], *t5)[0], batch[i], atol=1e-6, rtol=1e-6)


def test_first_encode_fills_cache_then_t5_is_never_constructed(spec, t5, tmp_path, monkeypatch):
    loads = []
    monkeypatch.setattr(deepfloyd_backend, "load_t5", lambda *a: loads.append(a) or t5)
    first = spec.load("cpu", store_root=tmp_path).encode(PROMPTS + [""])
    assert len(loads) == 1  # every missing prompt in one load
    assert sorted(p.name for p in (tmp_path / "embeddings" / "deepfloyd-if").iterdir()) == sorted(
        embedding_cache(tmp_path, "deepfloyd-if").path(p).name for p in PROMPTS + [""]
    )

    def refuse(*args, **kwargs):
        raise AssertionError("T5 was constructed although every embedding is cached")

    monkeypatch.setattr(deepfloyd_backend, "load_t5", refuse)
    monkeypatch.setattr("transformers.T5EncoderModel.__init__", refuse)
    again = spec.load("cpu", store_root=tmp_path).encode(PROMPTS + [""])
    assert again.keys() == first.keys()
    for prompt in first:
        assert again[prompt].shape == (77, T5_DIM)
        assert torch.equal(again[prompt], first[prompt])
    assert spec.missing_prompts(PROMPTS + ["a pencil"], tmp_path) == ["a pencil"]


def test_only_missing_prompts_are_encoded(spec, t5, tmp_path, monkeypatch):
    cache = embedding_cache(tmp_path, "deepfloyd-if")
    cache.put(PROMPTS[0], torch.zeros(77, T5_DIM))
    encoded = []
    monkeypatch.setattr(deepfloyd_backend, "load_t5", lambda *a: t5)
    monkeypatch.setattr(
        "generator.models.embeddings.encode_t5",
        lambda prompts, *a: encoded.append(list(prompts)) or encode_t5(prompts, *a),
    )
    out = spec.load("cpu", store_root=tmp_path).encode(PROMPTS)
    assert encoded == [PROMPTS[1:]]
    assert torch.equal(out[PROMPTS[0]], torch.zeros(77, T5_DIM))


def test_import_course_prompt_embeds_dict(tmp_path):
    table = {"a photo of the amalfi cost": torch.randn(1, 77, 4096).half(), "": torch.randn(1, 77, 4096).half()}
    torch.save(table, tmp_path / "prompt_embeds_dict.pth")
    cache = embedding_cache(tmp_path / "store", "deepfloyd-if")
    assert import_prompt_embeds(tmp_path / "prompt_embeds_dict.pth", cache) == list(table)
    for prompt, emb in table.items():
        stored = cache.get(prompt)
        assert stored.shape == (77, 4096) and stored.dtype == torch.float16
        assert torch.equal(stored, emb[0])
    assert cache.missing(["", "a pencil"]) == ["a pencil"]
    spec = model_spec("if-i-l", path=tiny_if_dir() / "stage1", dtype="fp32")
    loaded = spec.load("cpu", store_root=tmp_path / "store").encode([""])
    assert loaded[""].dtype == torch.float32  # the backend's dtype, whatever was stored


def test_import_refuses_a_file_that_is_not_a_prompt_table(tmp_path):
    torch.save({"a dog": torch.randn(4, 4)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match=r"entry 'a dog' is \(4, 4\); expected a \[1, 77, D\] tensor"):
        import_prompt_embeds(tmp_path / "bad.pth", embedding_cache(tmp_path, "x"))


def test_cache_writes_atomically_and_checks_the_prompt(tmp_path):
    cache = EmbeddingCache(tmp_path)
    path = cache.put("a dog", torch.ones(1, 77, 8))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    assert torch.equal(cache.get("a dog"), torch.ones(77, 8))
    assert cache.get("a cat") is None
    path.replace(cache.path("a cat"))  # a file under the wrong name
    with pytest.raises(ValueError, match="holds the embedding of 'a dog', not 'a cat'"):
        cache.get("a cat")
