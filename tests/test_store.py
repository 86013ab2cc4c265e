"""The store: atomic results, safe resume after a kill, concurrent writers, gc."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from PIL import Image

from generator.jobs import Job
from generator.modes.forward import NoisedParams
from generator.store import Store


WRITER = """
import sys, torch
from pathlib import Path
from generator.jobs import Job
from generator.modes.forward import NoisedParams
from generator.store import Store
store, count = Store(Path(sys.argv[1])), int(sys.argv[2])
for i in range(count):
    job = Job("b", "s", f"f{i}", "forward", 1, NoisedParams(t=i), (), 0, None)
    if not store.has(job.key):
        image = torch.linspace(-1, 1, 3 * 64 * 64).reshape(3, 64, 64) * (i % 7) / 7
        store.put(job, {"original": image, "noisy": -image}, {"i": i}, {}, {})
    print(i, flush=True)
"""


def job(i: int) -> Job:
    return Job("b", "s", f"f{i}", "forward", 1, NoisedParams(t=i), (), 0, None)


def assert_complete(store: Store) -> int:
    """Every result folder in the store is whole: meta.json parses and every PNG it lists decodes."""
    count = 0
    for key in store.keys():
        result = store.get(key)
        assert result is not None and result.key == key
        for path in result.images.values():
            with Image.open(path) as img:
                img.load()
        count += 1
    return count


def writer(root: Path, count: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )


def test_put_then_get_round_trips_images_info_and_png_text(tmp_path):
    store = Store(tmp_path)
    x = torch.zeros(1, 8, 8)
    result = store.put(job(1), {"noisy": x}, {"psnr": 12.5}, {"seconds": 0.1}, {"torch": "x"})
    assert store.has(job(1).key) and result.info == {"psnr": 12.5}
    meta = json.loads((store.folder(job(1).key) / "meta.json").read_text())
    assert meta["job"] == job(1).key_payload() and meta["images"] == ["noisy"]
    with Image.open(result.images["noisy"]) as img:
        assert img.text["diffusion-gallery:key"] == job(1).key
        assert json.loads(img.text["diffusion-gallery:job"])["params"] == {"t": 1}
        assert img.size == (8, 8) and img.getpixel((0, 0)) == 128


@pytest.mark.slow
def test_a_run_killed_at_any_moment_leaves_no_half_result_and_resumes(tmp_path):
    proc = writer(tmp_path, 400)
    for _ in range(20):  # let it get going, then kill it mid-flight
        proc.stdout.readline()
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    survivors = assert_complete(Store(tmp_path))
    assert 20 <= survivors < 400
    resumed = writer(tmp_path, 400)
    assert resumed.wait(timeout=240) == 0
    store = Store(tmp_path)
    assert assert_complete(store) == 400
    store.clean_tmp()
    assert not any((tmp_path / "tmp").iterdir())


@pytest.mark.slow
def test_two_processes_writing_the_same_results_do_not_corrupt_the_store(tmp_path):
    procs = [writer(tmp_path, 120) for _ in range(2)]
    assert [p.wait(timeout=240) for p in procs] == [0, 0]
    assert assert_complete(Store(tmp_path)) == 120


def test_gc_removes_only_unreferenced_results(tmp_path):
    store = Store(tmp_path)
    for i in range(3):
        store.put(job(i), {"x": torch.zeros(1, 4, 4)}, {}, {}, {})
    assert store.gc({job(0).key, job(2).key}, dry_run=True) == [job(1).key]
    assert store.has(job(1).key)
    assert store.gc({job(0).key, job(2).key}) == [job(1).key]
    assert sorted(store.keys()) == sorted([job(0).key, job(2).key])


# ---- claims, the lock, temporaries of live and dead processes ----


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_claim_is_exclusive_until_released_and_a_dead_process_claim_is_taken_over(tmp_path):
    from generator.fileops import HOST
    from generator.lock import Holder

    store = Store(tmp_path)
    key = job(1).key
    assert store.claim(key) and not store.claim(key)  # held by a live process (this one)
    holder = store.claim_holder(key)
    assert holder is not None and holder.pid == os.getpid() and holder.host == HOST
    store.release(key)
    assert store.claim_holder(key) is None and store.claim(key)
    store.release(key)
    (store.claims / key).write_bytes(Holder(dead_pid(), HOST, "gallery build", time.time()).dumps())
    assert store.claim_holder(key) is None and store.claim(key)
    (store.claims / key).write_bytes(Holder(1, "another-host", "gallery build", time.time()).dumps())
    assert not store.claim(key)  # another host's pid cannot be judged here


def test_clean_tmp_removes_only_dead_processes_temporaries(tmp_path):
    from generator.fileops import HOST

    store = Store(tmp_path)
    store.tmp.mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = store.tmp / f".{job(1).key}.gc-{sleeper.pid}@{HOST}"  # gc's trash while it deletes
        dead = store.tmp / f".{job(2).key[:16]}.put-{dead_pid()}@{HOST}.ab12"
        legacy = store.tmp / f".{job(3).key[:16]}.put-{dead_pid()}"
        for folder in (live, dead, legacy):
            folder.mkdir()
        store.clean_tmp()
        assert live.exists() and not dead.exists() and not legacy.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_gc_waits_for_builders_lock_and_names_them(tmp_path):
    from generator.lock import StoreBusy

    store = Store(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from generator."
            "store import Store\nwith Store(Path(sys.argv[1])).lock(shared=True):\n"
            "    print('held', flush=True); time.sleep(30)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with store.lock(shared=True):  # builders share
            pass
        with pytest.raises(StoreBusy, match=f"locked by pid {holder.pid} on "):
            with store.lock(shared=False, wait=False):
                pass
    finally:
        holder.kill()
        holder.wait()
    told = []
    with store.lock(shared=False, on_wait=told.append):  # the holder died: its lock went with it
        assert store.lock_holders() == []
    assert told == []


def test_readers_of_a_read_only_store_need_no_lock(tmp_path, monkeypatch):
    import errno

    import generator.store as store_module

    def read_only(path, *args):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(store_module.os, "open", read_only)
    store = Store(tmp_path / "store")
    with store.lock(shared=True) as me:  # render from a read-only checkout
        assert me.pid == os.getpid()
    with pytest.raises(OSError, match="Read-only"):  # gc must not run unlocked
        with store.lock(shared=False):
            pass
