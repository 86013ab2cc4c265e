"""Shared test setup: one torch thread per test process (CI and dev boxes have 2 cores); the plan cache in a
folder of this run's own, not the user's; no GALLERY_ hardware settings of the user's; the fixtures several test
modules use (the tiny backend, a test picture)."""

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


@pytest.fixture(scope="module")
def backend():
    """A tiny random-weight model with a stage II (tests/tiny_backend.py); `calls` records its batch sizes."""
    from tests.tiny_backend import TinyBackend

    return TinyBackend()


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> str:
    """A smooth 24×24 colour pattern, as an input image's path."""
    from tests.tiny_backend import write_test_image

    return write_test_image(tmp_path_factory.mktemp("inputs") / "pattern.png")
