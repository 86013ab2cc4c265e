"""bench/bench_stage1.py keeps working without a GPU: its --tiny mode runs both paths end to end."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path


BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_stage1.py"


def test_tiny_benchmark_runs_both_paths(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_stage1", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    results = bench.main(
        ["--tiny", "--steps", "3", "--images", "3", "--pipeline-images", "1", "--batch", "4", "--json", str(out)]
    )
    assert out.exists() and results["model"] == "tiny" and results["steps"] == 3
    assert results["pipeline"]["s_per_image"] > 0 and results["engine"]["s_per_image"] > 0
    assert results["engine"]["samples_per_call"] == 4
    assert results["tflop_per_sample_counted"] > 0
    assert math.isclose(results["tflop_per_image"], 6 * results["tflop_per_sample_counted"])  # 2 × 3 forwards
    printed = capsys.readouterr().out
    assert "IFPipeline, 1 image per call" in printed and "engine speed-up over the pipeline" in printed
