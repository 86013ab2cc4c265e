"""The judge of the digits model's illusions: each reading of a picture is judged the way a viewer sees it.

    python -m generator.digits.judge [--out models/digits] [--readings near,far]   # trains their classifiers

- near: the picture as it is, up close — an anagram's image under each of its views, a hybrid image itself.
  Read by the classifier trained on the digits as they are (classifier.safetensors).
- far: the picture seen from across the room — area-averaged down to 8×8 (each pixel the mean of a 4×4 block of
  the 32×32 image: what an eye that resolves a quarter of the detail sees). Read by a classifier trained on the
  training digits seen that way (classifier-far.safetensors). A blurred image is not what a viewer sees from
  afar, a small one is; and a classifier of sharp digits cannot read blurred ones.

Each reading's classifier is validated on the 1000 held-out digits seen its way (`held_out_accuracy`, recorded
in eval.json by `make eval`), so its accuracy is measured on inputs like those it judges.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from generator.digits.classifier import classify, load_classifier, train_classifier
from generator.digits.data import load_split


FAR_SIDE = 8  # the far reading's resolution: 32×32 → 8×8


def up_close(x: torch.Tensor) -> torch.Tensor:
    """The picture as it is."""
    return x


def far_away(x: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) area-averaged to FAR_SIDE², then shown at H×W in blocks (the classifier's input size)."""
    small = F.adaptive_avg_pool2d(x, FAR_SIDE)
    return F.interpolate(small, size=x.shape[-2:], mode="nearest")


@dataclass(frozen=True)
class Reading:
    """One way of looking at a picture: what the viewer sees (`see`) and the classifier trained on it."""

    name: str
    see: Callable[[torch.Tensor], torch.Tensor]
    classifier: str  # its weights: models/digits/<classifier>.safetensors
    sees: str  # in words, for the site and the records


READINGS = {
    "near": Reading("near", up_close, "classifier", "the image itself, 32×32"),
    "far": Reading("far", far_away, "classifier-far", f"the image area-averaged to {FAR_SIDE}×{FAR_SIDE}"),
}


class Judge:
    """Reads digits in images (N, 1, 32, 32) in [-1, 1], one classifier per reading."""

    def __init__(self, model: Path) -> None:
        self.classifiers = {name: load_classifier(model, r.classifier) for name, r in READINGS.items()}

    def read(self, reading: str, images: torch.Tensor) -> torch.Tensor:
        """The digit (N,) each image shows in `reading` ('near' or 'far')."""
        return classify(self.classifiers[reading], READINGS[reading].see(images.float()))

    def held_out_accuracy(self) -> dict[str, dict]:
        """Per reading: the share of the 1000 held-out digits, seen that way, read as their label."""
        test = load_split("test")
        return {
            name: {
                "accuracy": round((self.read(name, test.images) == test.labels).float().mean().item(), 4),
                "sees": r.sees,
                "classifier": f"{r.classifier}.safetensors",
                "held_out_digits": len(test.labels),
            }
            for name, r in READINGS.items()
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models/digits"))
    parser.add_argument("--readings", default=",".join(READINGS), help="which readings' classifiers to train")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args(argv)
    for name in args.readings.split(","):
        reading = READINGS[name]
        record = train_classifier(args.out, args.seed, args.epochs, see=reading.see, name=reading.classifier)
        print(
            f"saved {args.out / reading.classifier}.safetensors: held-out accuracy ({reading.sees}) "
            f"{record['test_accuracy']:.4f}"
        )


if __name__ == "__main__":
    main()
