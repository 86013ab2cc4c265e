"""Shared test setup: one torch thread per test process (CI and dev boxes have 2 cores)."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # torch is a dependency; this only keeps collection errors readable
    pass
