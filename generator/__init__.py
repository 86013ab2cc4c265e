"""diffusion-gallery: YAML recipes → cached diffusion jobs → a static blog-style site."""

from pathlib import Path


PACKAGE = Path(__file__).resolve().parent


def shipped(relative: str) -> Path:
    """A folder the package ships from the top of the source tree (`site_templates`, `models/digits`).

    An installed wheel holds it as generator/_shipped/<relative> (pyproject.toml maps it there); a checkout and an
    editable install read the source tree's own folder. Either way it is the package's data, never the project's.
    """
    installed = PACKAGE / "_shipped" / relative
    return installed if installed.is_dir() else PACKAGE.parent / relative
