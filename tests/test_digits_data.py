"""The digits data: a fixed, balanced held-out split that training never sees; images padded and scaled."""

import numpy as np
import torch

from generator.digits import data
from generator.digits.data import data_hash, load_split, raw_digits, to_images


def test_test_split_is_100_per_class_and_deterministic():
    _, y = raw_digits()
    first, second = data.test_indices(y), data.test_indices(y.copy())
    assert np.array_equal(first, second)
    assert len(first) == 1000 and len(set(first.tolist())) == 1000
    assert np.bincount(y[first], minlength=10).tolist() == [100] * 10


def test_train_and_test_are_disjoint_and_cover_all_digits():
    X, _ = raw_digits()
    train, test = load_split("train"), load_split("test")
    assert len(train.labels) == 4000 and len(test.labels) == 1000
    assert torch.bincount(train.labels, minlength=10).tolist() == [400] * 10
    # No test image appears in training (compare pixel bytes, not just indices).
    train_rows = {row.numpy().tobytes() for row in train.images.flatten(1)}
    assert not any(row.numpy().tobytes() in train_rows for row in test.images.flatten(1))
    assert len(train_rows) + len(test.labels) >= len(X) - 5  # a handful of duplicate digits at most


def test_images_are_padded_with_the_background_and_scaled_to_unit_range():
    split = load_split("test")
    assert split.images.shape == (1000, 1, 32, 32) and split.images.dtype == torch.float32
    assert split.images.min() == -1 and split.images.max() == 1
    border = torch.cat(
        [
            split.images[..., :2, :].flatten(),
            split.images[..., -2:, :].flatten(),
            split.images[..., :, :2].flatten(),
            split.images[..., :, -2:].flatten(),
        ]
    )
    assert (border == -1).all()
    pixel = np.zeros((1, 784))
    pixel[0, 28 * 5 + 6] = 255
    assert to_images(pixel)[0, 0, 5 + 2, 6 + 2] == 1


def test_data_hash_is_the_sha256_of_the_raw_arrays():
    digest = data_hash()
    assert len(digest) == 64 and digest == data_hash()
    assert int(digest, 16) >= 0
