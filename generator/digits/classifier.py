"""A small CNN digit classifier, trained on the training split only, each digit seen one way (judge.py's
readings: as it is, or from afar). Trained with `python -m generator.digits.judge`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from generator.digits.data import load_split
from generator.fileops import replace_file


def build_classifier() -> nn.Sequential:
    """Three conv stages (32→16→8→4 pixels), then a linear layer to 10 logits."""

    def stage(c_in: int, c_out: int) -> list[nn.Module]:
        return [
            nn.Conv2d(c_in, c_out, 3, padding=1),
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, 3, padding=1),
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]

    return nn.Sequential(
        *stage(1, 32), *stage(32, 64), *stage(64, 128), nn.Flatten(), nn.Dropout(0.3), nn.Linear(128 * 4 * 4, 10)
    )


def shift(x: torch.Tensor, gen: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Random translations by up to `max_shift` pixels, padding with the background (-1)."""
    padded = nn.functional.pad(x, (max_shift,) * 4, value=-1.0)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2,), generator=gen).tolist()
    return padded[..., dy : dy + x.shape[-2], dx : dx + x.shape[-1]]


@torch.no_grad()
def classify(model: nn.Module, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Predicted digits (N,) for images in [-1, 1] of shape (N, 1, 32, 32)."""
    model.eval()
    return torch.cat([model(images[i : i + batch].float()).argmax(1) for i in range(0, len(images), batch)])


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    return (classify(model, images) == labels).float().mean().item()


def train_classifier(
    out: Path,
    seed: int = 0,
    epochs: int = 8,
    batch_size: int = 64,
    see: Callable[[torch.Tensor], torch.Tensor] | None = None,
    name: str = "classifier",
) -> dict:
    """Train with Adam on the 4000 training digits (random shifts), each seen through `see` (default: as it is),
    save weights `name`.safetensors + `name`.json with the accuracy on the held-out digits seen the same way."""
    from safetensors.torch import save

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    see = see or (lambda x: x)
    train, test = load_split("train"), load_split("test")
    test_images = see(test.images)
    model = build_classifier()
    optim = torch.optim.Adam(model.parameters(), lr=1e-3)
    lr = torch.optim.lr_scheduler.CosineAnnealingLR(optim, epochs * (len(train.labels) // batch_size))
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train.labels), generator=gen)
        for b in range(len(order) // batch_size):
            idx = order[b * batch_size : (b + 1) * batch_size]
            loss = nn.functional.cross_entropy(model(see(shift(train.images[idx], gen))), train.labels[idx])
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            lr.step()
        print(
            f"{name} epoch {epoch + 1}/{epochs}: loss {loss.item():.4f}, "
            f"held-out accuracy {accuracy(model, test_images, test.labels):.4f}"
        )
    record = {
        "seed": seed,
        "epochs": epochs,
        "batch_size": batch_size,
        "test_accuracy": round(accuracy(model, test_images, test.labels), 4),
        "train_accuracy": round(accuracy(model, see(train.images), train.labels), 4),
    }
    replace_file(out / f"{name}.safetensors", save({k: v.contiguous() for k, v in model.state_dict().items()}))
    replace_file(out / f"{name}.json", (json.dumps(record, indent=1) + "\n").encode())
    return record


def load_classifier(path: Path, name: str = "classifier") -> nn.Sequential:
    """The trained classifier from `path`/`name`.safetensors, in eval mode."""
    from safetensors.torch import load_file

    file = Path(path) / f"{name}.safetensors"
    if not file.is_file():
        raise FileNotFoundError(
            f"no digit classifier at {file}; run `python -m generator.digits.judge "
            f"--out {path}` (a few minutes on a CPU)"
        )
    model = build_classifier()
    model.load_state_dict(load_file(str(file)))
    return model.eval()
