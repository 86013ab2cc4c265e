"""diffusion-gallery: YAML recipes → cached diffusion jobs → a static blog-style site."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
