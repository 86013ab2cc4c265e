"""A small CNN digit classifier, the judge of the digits model's samples (trained on the training split only).

    python -m generator.digits.classifier --out models/digits [--seed 0]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from torch import nn

from generator.digits.data import load_split
from generator.fileops import replace_file

WEIGHTS = "classifier.safetensors"
RECORD = "classifier.json"


def build_classifier() -> nn.Sequential:
    """Three conv stages (32→16→8→4 pixels), then a linear layer to 10 logits."""
    def stage(c_in: int, c_out: int) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                nn.Conv2d(c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*stage(1, 32), *stage(32, 64), *stage(64, 128),
                         nn.Flatten(), nn.Dropout(0.3), nn.Linear(128 * 4 * 4, 10))


def shift(x: torch.Tensor, gen: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Random translations by up to `max_shift` pixels, padding with the background (-1)."""
    padded = nn.functional.pad(x, (max_shift,) * 4, value=-1.0)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2,), generator=gen).tolist()
    return padded[..., dy:dy + x.shape[-2], dx:dx + x.shape[-1]]


@torch.no_grad()
def classify(model: nn.Module, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Predicted digits (N,) for images in [-1, 1] of shape (N, 1, 32, 32)."""
    model.eval()
    return torch.cat([model(images[i:i + batch].float()).argmax(1) for i in range(0, len(images), batch)])


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    return (classify(model, images) == labels).float().mean().item()


def train_classifier(out: Path, seed: int = 0, epochs: int = 8, batch_size: int = 64) -> dict:
    """Train with Adam on the 4000 training digits (random shifts), save weights + held-out accuracy."""
    from safetensors.torch import save

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    train, test = load_split("train"), load_split("test")
    model = build_classifier()
    optim = torch.optim.Adam(model.parameters(), lr=1e-3)
    lr = torch.optim.lr_scheduler.CosineAnnealingLR(optim, epochs * (len(train.labels) // batch_size))
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train.labels), generator=gen)
        for b in range(len(order) // batch_size):
            idx = order[b * batch_size:(b + 1) * batch_size]
            loss = nn.functional.cross_entropy(model(shift(train.images[idx], gen)), train.labels[idx])
            optim.zero_grad(set_to_none=True)
            loss.backward()
            optim.step()
            lr.step()
        print(f"classifier epoch {epoch + 1}/{epochs}: loss {loss.item():.4f}, "
              f"held-out accuracy {accuracy(model, test.images, test.labels):.4f}")
    record = {"seed": seed, "epochs": epochs, "batch_size": batch_size,
              "test_accuracy": round(accuracy(model, test.images, test.labels), 4),
              "train_accuracy": round(accuracy(model, train.images, train.labels), 4)}
    replace_file(out / WEIGHTS, save({k: v.contiguous() for k, v in model.state_dict().items()}))
    replace_file(out / RECORD, (json.dumps(record, indent=1) + "\n").encode())
    return record


def load_classifier(path: Path) -> nn.Sequential:
    """The trained classifier from `path`/classifier.safetensors, in eval mode."""
    from safetensors.torch import load_file

    file = Path(path) / WEIGHTS
    if not file.is_file():
        raise FileNotFoundError(f"no digit classifier at {file}; run `python -m generator.digits.classifier "
                                f"--out {path}` (a minute or two on a CPU)")
    model = build_classifier()
    model.load_state_dict(load_file(str(file)))
    return model.eval()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models/digits"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args(argv)
    record = train_classifier(args.out, args.seed, args.epochs)
    print(f"saved {args.out / WEIGHTS}: held-out accuracy {record['test_accuracy']:.4f}")


if __name__ == "__main__":
    main()
