"""Shared test setup: one torch thread per test process (CI and dev boxes have 2 cores); the plan cache in a
folder of this run's own, not the user's."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["GALLERY_CACHE"] = tempfile.mkdtemp(prefix="gallery-test-cache-")
atexit.register(shutil.rmtree, os.environ["GALLERY_CACHE"], True)

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # torch is a dependency; this only keeps collection errors readable
    pass


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def hardware_environment(monkeypatch):
    """`gallery … --device/--dtype/--memory/--memory-mode` write their GALLERY_ variables into os.environ; every
    test starts without them and has them restored afterwards."""
    for name in ("GALLERY_DEVICE", "GALLERY_DTYPE", "GALLERY_MEMORY", "GALLERY_MEMORY_MODE"):
        monkeypatch.delenv(name, raising=False)
