"""Faults and concurrency on real builds of a small digits book: kill -9 at random moments, 4 builders at once,
gc beside builds, and fileops' writes killed mid-flight."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from generator.fileops import sweep_stale
from generator.store import Store


ROOT = Path(__file__).parent.parent
SEEDS = 20  # model jobs; 4 steps each; --batch-size 2 → 4 jobs in flight
IN_FLIGHT = 4
SECTION = """\
title: Guidance
figures:
  - id: many
    mode: cfg
    prompts: ["3"]
    steps: strided-250
    seeds: {seeds}
  - id: noise
    mode: forward
    image: {{builtin: coins}}
    sweep: {{t: [100, 500]}}
"""


def make_project(root: Path, seeds: list[int]) -> Path:
    (root / "recipes" / "digits").mkdir(parents=True, exist_ok=True)
    (root / "recipes" / "site.yaml").write_text("title: Faults\nintro: Killed at random.\n")
    (root / "recipes" / "digits" / "book.yaml").write_text("title: Digits\nmodel: digits\nsummary: s\n")
    (root / "recipes" / "digits" / "10-guidance.yaml").write_text(SECTION.format(seeds=seeds))
    return root


def gallery(project: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "--root", str(project), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def complete_results(store: Store) -> int:
    """Every result folder is whole (meta.json parses, every PNG decodes) and none is partial."""
    folders = list(store.results.glob("*/*")) if store.results.is_dir() else []
    for folder in folders:
        result = store.get(folder.name)
        assert result is not None, f"{folder} has no meta.json: a partial result"
        for path in result.images.values():
            with Image.open(path) as img:
                img.load()
    return len(folders)


class SiteWatch:
    """Checks from a thread, every millisecond, that the site's index page exists."""

    def __init__(self, public: Path):
        self.index, self.gaps, self.looks = public / "index.html", 0, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self) -> None:
        while not self.stop.is_set():
            self.looks += 1
            if not self.index.is_file():
                self.gaps += 1
            time.sleep(0.001)

    def __enter__(self) -> SiteWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def kill_at(proc: subprocess.Popen, store: Store, delay: float, total: int) -> tuple[int, bool]:
    """SIGKILL `proc` after `delay` s; returns the most results seen stored while it ran, and whether the
    kill struck while there was still work (the process alive, results missing). One that ended on its own
    before the kill must have succeeded."""
    seen, end = 0, time.monotonic() + delay
    while time.monotonic() < end and proc.poll() is None:
        seen = max(seen, sum(1 for _ in store.keys()))
        time.sleep(0.02)
    mid_build = proc.poll() is None and sum(1 for _ in store.keys()) < total
    exited = proc.poll()
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
    assert exited in (None, 0), f"a build that ended on its own failed (exit {exited}): {err[-1500:]}"
    return seen, mid_build


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_only_jobs_in_flight_and_the_site_stays(tmp_path):
    project = make_project(tmp_path, list(range(SEEDS)))
    store = Store(project / "store")
    assert finish(gallery(project, "render"))[0] == 0  # every figure pending, but a site
    rng, kills, mid_build, batch = random.Random(12), 0, 0, 0
    with SiteWatch(project / "public") as site:
        for _ in range(12):  # builds, killed anywhere
            total = (batch + 1) * SEEDS + 2
            if complete_results(store) == total:  # all done: new seeds, new work
                batch, total = batch + 1, total + SEEDS
                make_project(tmp_path, list(range(batch * SEEDS, (batch + 1) * SEEDS)))
            seen, struck = kill_at(gallery(project, "build", "--batch-size", "2"), store, rng.uniform(0.3, 5), total)
            kills, mid_build = kills + 1, mid_build + struck
            assert complete_results(store) >= seen  # nothing stored is ever lost
        for _ in range(8):  # renders, killed anywhere (the swap too)
            kill_at(gallery(project, "render"), store, rng.uniform(0.2, 2.5), 0)
            kills += 1
        assert kills >= 20 and mid_build >= 6, f"{mid_build} of 12 builds killed mid-build ({batch} new seed sets)"
        before, total = complete_results(store), (batch + 1) * SEEDS + 2
        # The rerun resumes; results appear a chunk at a time (never more than the jobs in flight at once).
        rerun, counts = gallery(project, "build", "--batch-size", "2"), [before]
        while rerun.poll() is None:
            counts.append(sum(1 for _ in store.keys()))
            time.sleep(0.01)
        code, out, err = finish(rerun)
    assert code == 0, err[-2000:]
    assert site.gaps == 0 and site.looks > 1000
    assert complete_results(store) == total
    assert f"{total - before} jobs run" in out
    steps = [b - a for a, b in zip(counts, counts[1:]) if b != a]
    assert max(steps, default=0) <= IN_FLIGHT and len(steps) >= (total - before) // IN_FLIGHT
    assert not list(store.claims.iterdir()) or all(p.name.startswith(".") for p in store.claims.iterdir())
    assert not sweep_stale(store.tmp) and not any(store.tmp.iterdir())
    assert [p.name for p in project.iterdir() if p.name.startswith(".public")] == []


@pytest.mark.slow
def test_four_concurrent_builds_do_the_work_once(tmp_path):
    project = make_project(tmp_path, list(range(6)))
    procs = [gallery(project, "run", "--batch-size", "2") for _ in range(4)]
    results = [finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0] * 4, [err[-1500:] for _, _, err in results]
    ran = [int(re.search(r"(\d+) jobs run", out)[1]) for _, out, _ in results]
    assert sum(ran) == 6 + 2, ran  # every job computed exactly once
    assert complete_results(Store(project / "store")) == 8


@pytest.mark.slow
def test_gc_beside_builds_never_crashes(tmp_path):
    project = make_project(tmp_path, [0, 1])
    assert finish(gallery(project, "run", "--batch-size", "2"))[0] == 0
    make_project(tmp_path, [3, 4, 5, 6])  # the old seeds are now unreferenced
    builds = [gallery(project, "build", "--batch-size", "2") for _ in range(2)]
    collections = []
    while any(b.poll() is None for b in builds) or len(collections) < 2:
        collections.append(finish(gallery(project, "gc", "--yes")))
    built = [finish(b) for b in builds]
    assert [c[0] for c in collections] == [0] * len(collections), [c[2][-1500:] for c in collections]
    assert [b[0] for b in built] == [0, 0], [b[2][-1500:] for b in built]
    store = Store(project / "store")
    assert complete_results(store) == 4 + 2  # the new jobs, none of the old
    assert sum(int(re.search(r"(\d+) jobs run", out)[1]) for _, out, _ in built) == 4


WRITER = """
import sys
from pathlib import Path
from generator.fileops import replace_file, swap_dir, temp_name
folder, i = Path(sys.argv[1]), 0
while True:
    i += 1
    replace_file(folder / "data.bin", bytes([i % 256]) * 1_000_000)
    new = folder / temp_name("site", "staging")
    new.mkdir()
    (new / "index.html").write_text(str(i))
    swap_dir(new, folder / "site")
    import shutil; shutil.rmtree(new)
    print(i, flush=True)
"""


@pytest.mark.slow
def test_fileops_writes_killed_mid_flight_leave_old_or_new_never_a_part(tmp_path):
    rng = random.Random(3)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE)
        proc.stdout.readline()  # at least one whole round
        with SiteWatch(tmp_path / "site") as site:
            time.sleep(rng.uniform(0.05, 0.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert site.gaps == 0
        data = (tmp_path / "data.bin").read_bytes()
        assert len(data) == 1_000_000 and len(set(data)) == 1
        assert (tmp_path / "site" / "index.html").read_text().isdigit()
        sweep_stale(tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin", "site"]


def test_without_an_atomic_exchange_a_swap_killed_between_its_renames_is_repaired(tmp_path, monkeypatch):
    import generator.fileops as fileops

    site, new = tmp_path / "public", tmp_path / fileops.temp_name("public", "staging")
    site.mkdir()
    (site / "index.html").write_text("old")
    new.mkdir()
    (new / "index.html").write_text("new")
    real, calls = os.rename, []

    def dies_after_the_first_rename(a, b):
        calls.append((a, b))
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")  # the process dies here
        real(a, b)

    monkeypatch.setattr(fileops, "_exchange", lambda a, b: False)
    monkeypatch.setattr(fileops.os, "rename", dies_after_the_first_rename)
    with pytest.raises(KeyboardInterrupt):
        fileops.swap_dir(new, site)
    monkeypatch.setattr(fileops.os, "rename", real)
    assert not site.exists()  # the moment the exchange exists to avoid
    aside = calls[0][1]
    os.rename(aside, tmp_path / Path(aside).name.replace(f"-{os.getpid()}@", "-999999999@"))  # its pid dies
    fileops.recover_swap(site)
    assert (site / "index.html").read_text() == "old"


def test_swap_dir_exchanges_in_one_step_here(tmp_path):
    from generator.fileops import _exchange

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from-a").touch()
    assert _exchange(tmp_path / "a", tmp_path / "b"), "no renameat2(RENAME_EXCHANGE) on this file system"
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"] and not any((tmp_path / "a").iterdir())


def test_the_engine_reports_each_track_the_tick_it_ends_and_after_its_follow_up():
    """Durable progress starts here: run_tracks' on_done lets the runner store a job before the others end."""
    import torch

    from generator.diffusion.schedule import Schedule
    from generator.engine import Term, Track, draw_noise, make_generator, run_tracks
    from tests.tiny_backend import TinyBackend

    backend = TinyBackend()
    embeddings = backend.encode(["a cat", ""])
    ticks: list[int] = []
    predict = backend.predict

    def counting(*args, **kwargs):
        ticks.append(len(ticks))
        return predict(*args, **kwargs)

    def track(seed: int, steps: list[int], then=None) -> Track:
        g = make_generator(seed)
        return Track(
            x=draw_noise(g, (1, 3, 16, 16), "cpu"),
            timesteps=steps,
            terms=[Term("a cat", "", 4.0)],
            embeddings=embeddings,
            schedule=Schedule.from_config(backend.spec.scheduler_config),
            rng=g,
            then=then,
        )

    def stage2(done: Track) -> Track:
        return track(9, [300, 0])

    short, long, chained = track(1, [500, 0]), track(2, [900, 600, 300, 0]), track(3, [400, 0], then=stage2)
    done_at: dict[int, int] = {}
    backend.predict = counting
    run_tracks(
        [short, long, chained], backend, progress=False, on_done=lambda t: done_at.setdefault(id(t), len(ticks))
    )
    assert done_at[id(short)] == 2 and done_at[id(long)] == 4  # the short track, the tick it ended
    assert done_at[id(chained)] == 6 and len(done_at) == 3  # only after its follow-up (2 more ticks)
    assert torch.isfinite(chained.next.x).all()
