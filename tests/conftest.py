"""Shared test setup: one torch thread per test process (CI and dev boxes have 2 cores)."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

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
