"""Scale-out as a user starts it: `torchrun --nproc_per_node 2` (gloo on the CPU) and `--shard I/N`.

Every job runs exactly once, the store's keys equal a single-process build's, the images agree within the
engine's tolerance (one 8-bit grey level), and a launch killed mid-run, then rerun, leaves a complete store.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


ROOT = Path(__file__).resolve().parents[1]
BOOK = """\
title: Mini digits
model: digits
summary: A small book for the scale-out tests.
defaults: {seeds: [0, 1, 2], steps: strided-200, guidance: 4}
"""
SECTION = """\
title: Guidance
intro: A few digits.
figures:
  - id: digits
    mode: cfg
    caption: Each digit.
    sweep: {prompts: [["0"], ["1"], ["2"], ["3"], ["4"], ["5"], ["6"], ["7"]]}
  - id: slow
    mode: cfg
    caption: More steps cost more evaluations.
    prompts: ["8"]
    steps: strided-50
  - id: noise
    mode: forward
    caption: The forward process.
    image: seven.png
    sweep: {t: [250, 750]}
"""
TOTAL_JOBS = 8 * 3 + 3 + 2 * 3  # digits, slow, noise: sweep points × seeds
pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path) -> Path:
    book = tmp_path / "recipes" / "mini"
    book.mkdir(parents=True)
    (tmp_path / "recipes" / "site.yaml").write_text("title: Scale-out test\nintro: Hello.\n")
    (book / "book.yaml").write_text(BOOK)
    (book / "10-guidance.yaml").write_text(SECTION)
    shutil.copy(ROOT / "recipes" / "images" / "digits" / "test-7.png", book / "seven.png")
    return tmp_path


def env() -> dict[str, str]:
    return {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "GALLERY_DIGITS_MODEL": str(ROOT / "models" / "digits"),
        "PYTHONPATH": str(ROOT),
    }


def gallery_command(project: Path, store: Path, *args: str) -> list[str]:
    return [
        "-m",
        "generator.cli",
        "--root",
        str(project),
        "--store",
        str(store),
        "--out",
        str(project / f"public-{store.name}"),
        *args,
    ]


def torchrun(project: Path, store: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        *gallery_command(project, store, *args),
    ]


def run(command: list[str]) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (parent pid is the 4th field of /proc/PID/stat)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def jobs_run(output: str) -> list[int]:
    return [int(n) for n in re.findall(r"(\d+) jobs run", output)]


def stored(store: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in (store / "results").glob("*/*/meta.json")}


def pixels(store: Path, key: str, meta: dict) -> dict[str, np.ndarray]:
    folder = store / "results" / key[:2] / key
    return {name: np.asarray(Image.open(folder / f"{name}.png"), dtype=np.int16) for name in meta["images"]}


def assert_same_results(single: Path, other: Path) -> None:
    a, b = stored(single), stored(other)
    assert set(a) == set(b) and len(a) == TOTAL_JOBS
    for key in a:
        for name, image in pixels(single, key, a[key]).items():
            assert np.abs(image - pixels(other, key, b[key])[name]).max() <= 1, (key, name)


@pytest.fixture
def single(project) -> Path:
    store = project / "single"
    done = run([sys.executable, *gallery_command(project, store, "run")])
    assert jobs_run(done.stdout) == [TOTAL_JOBS]
    return store


def test_two_processes_under_torchrun_do_every_job_once(project, single):
    store = project / "launched"
    done = run(torchrun(project, store, "build"))
    counts = jobs_run(done.stdout + done.stderr)
    assert len(counts) == 2 and sum(counts) == TOTAL_JOBS and min(counts) > 0, done.stdout
    assert_same_results(single, store)
    assert (project / f"public-{store.name}" / "index.html").is_file()  # the leader rendered the site


def test_shards_then_render(project, single):
    store = project / "sharded"
    counts = [
        jobs_run(run([sys.executable, *gallery_command(project, store, "run", "--shard", f"{i}/2")]).stdout)
        for i in range(2)
    ]
    assert sum(c[0] for c in counts) == TOTAL_JOBS and min(c[0] for c in counts) > 0
    assert_same_results(single, store)
    run([sys.executable, *gallery_command(project, store, "render")])
    assert (project / f"public-{store.name}" / "index.html").is_file()


def test_a_killed_launch_then_a_rerun_completes_the_store(project, single):
    store = project / "killed"
    launch = subprocess.Popen(
        torchrun(project, store, "run"),
        cwd=ROOT,
        env=env(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while len(stored(store)) < 5 and time.monotonic() < deadline and launch.poll() is None:
        time.sleep(0.05)
    for pid in [launch.pid, *descendants(launch.pid)]:  # torchrun starts its workers in their own sessions
        os.kill(pid, signal.SIGKILL)
    launch.wait()
    before = len(stored(store))
    assert 0 < before
    done = run(torchrun(project, store, "run"))
    assert sum(jobs_run(done.stdout + done.stderr)) == TOTAL_JOBS - before
    assert_same_results(single, store)
    shutil.rmtree(store / "tmp", ignore_errors=True)
