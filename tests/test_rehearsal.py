"""bench/rehearse_full_size.py keeps working: its Hub-layout writer (fp16 variant, sharded safetensors and index
files, a locally built tokenizer) and its `gallery build --figure` run, on the tiny models in seconds."""

import importlib.util
from pathlib import Path


BENCH = Path(__file__).resolve().parents[1] / "bench" / "rehearse_full_size.py"


def test_the_rehearsal_writes_the_hub_layout_and_runs_the_figure_through_gallery_build(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("rehearse_full_size", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for name in ("GALLERY_DEEPFLOYD_PATH", "GALLERY_DEEPFLOYD_STAGE2_PATH", "GALLERY_ALLOW_CPU", "HF_HUB_OFFLINE"):
        monkeypatch.setenv(name, "")  # restored after the test: run() sets them
    written = bench.main(["weights", "--tiny", "--out", str(tmp_path / "weights")])
    files = written["files"]
    assert "stage1/unet/diffusion_pytorch_model.safetensors.index.fp16.json" in files
    assert "stage1/text_encoder/model.safetensors.index.fp16.json" in files
    assert sum("diffusion_pytorch_model.fp16-0000" in f for f in files) >= 4  # shards of both UNets
    report = bench.main(["run", "--weights", str(tmp_path / "weights"), "--dtype", "bf16"])
    assert report["exit code"] == 0 and report["picture sides"] == [16, 64]
    assert report["result images finite"] == "2 of 2" and report["non-finite UNet outputs"] == 0
    assert set(report["per stage"]) == {"stage I", "stage II"}
    assert all(s["calls"] == 2 and s["batch"] == 2 for s in report["per stage"].values())  # 2 steps, CFG
    assert [load["what"] for load in report["loads"]][:1] == ["T5 stage1 (torch.bfloat16)"]
