"""Input images: confinement to the project, built-ins, pinned URLs, clear errors, preprocessing."""

import hashlib
from pathlib import Path

import pytest
import torch
from PIL import Image

from generator.images import InputError, load_image, resolve_input


@pytest.fixture
def project(tmp_path):
    (tmp_path / "recipes" / "b").mkdir(parents=True)
    Image.new("RGB", (40, 20), (255, 0, 0)).save(tmp_path / "recipes" / "b" / "red.png")
    (tmp_path / "recipes" / "b" / "notes.png").write_text("not really a png")
    return tmp_path


def resolve(project, spec):
    return resolve_input("image", spec, project / "recipes" / "b", project, project / "store" / "downloads")


def test_a_relative_path_resolves_from_the_recipe_and_hashes_its_bytes(project):
    image = resolve(project, "red.png")
    assert image.sha256 == hashlib.sha256((project / "recipes/b/red.png").read_bytes()).hexdigest()
    assert image.source == "red.png"


@pytest.mark.parametrize("spec", ["../../../etc/passwd", "/etc/hostname", "../../../outside.png"])
def test_a_path_outside_the_project_is_refused(project, spec):
    with pytest.raises(InputError, match="outside the project"):
        resolve(project, spec)


def test_missing_and_corrupt_files_are_clear_errors(project):
    with pytest.raises(InputError, match="image file not found: .*nope.png"):
        resolve(project, "nope.png")
    with pytest.raises(InputError, match="notes.png is not a readable image"):
        resolve(project, "notes.png")


def test_builtin_images_come_from_scikit_image(project):
    assert resolve(project, {"builtin": "astronaut"}).source == "builtin:astronaut"
    with pytest.raises(InputError, match="unknown built-in image 'mona'; choose one of: astronaut"):
        resolve(project, {"builtin": "mona"})


def test_a_pinned_url_is_fetched_once_and_a_wrong_pin_is_refused(project, tmp_path):
    source = tmp_path / "remote.png"
    Image.new("RGB", (8, 8), (0, 0, 255)).save(source)
    pin = hashlib.sha256(source.read_bytes()).hexdigest()
    image = resolve(project, {"url": source.as_uri(), "sha256": pin})
    assert image.sha256 == pin and Path(image.path).parent == project / "store" / "downloads"
    source.unlink()                              # a second resolve must not need the network
    assert resolve(project, {"url": source.as_uri(), "sha256": pin}).sha256 == pin
    Image.new("RGB", (8, 8)).save(source)
    with pytest.raises(InputError, match="but the recipe pins"):
        resolve(project, {"url": source.as_uri(), "sha256": "0" * 64})


def test_squash_and_crop_give_the_model_size_in_minus_one_to_one(project):
    path = project / "recipes/b/red.png"
    squash = load_image(path, 16, 3, "squash")
    crop = load_image(path, 16, 1, "crop")
    assert squash.shape == (3, 16, 16) and crop.shape == (1, 16, 16)
    assert torch.allclose(squash[0], torch.ones(16, 16)) and torch.allclose(squash[1], -torch.ones(16, 16))
