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
    """The CLI reads GALLERY_DEVICE, GALLERY_DTYPE, GALLERY_MEMORY and GALLERY_MEMORY_MODE (Hardware.from_env):
    every test starts without a user's settings of them."""
    for name in ("GALLERY_DEVICE", "GALLERY_DTYPE", "GALLERY_MEMORY", "GALLERY_MEMORY_MODE"):
        monkeypatch.delenv(name, raising=False)
