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
    source.unlink()  # a second resolve must not need the network
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


def test_a_stored_download_that_no_longer_matches_its_pin_is_fetched_again(project):
    source = project / "recipes" / "b" / "red.png"
    pin = hashlib.sha256(source.read_bytes()).hexdigest()
    image = resolve(project, {"url": source.as_uri(), "sha256": pin})
    Path(image.path).write_bytes(b"tampered")  # the cached copy is hashed before every use
    again = resolve(project, {"url": source.as_uri(), "sha256": pin})
    assert again.sha256 == pin and Path(again.path).read_bytes() == source.read_bytes()


def test_a_refused_download_stores_nothing(project):
    source = project / "recipes" / "b" / "red.png"
    with pytest.raises(InputError, match="but the recipe pins"):
        resolve(project, {"url": source.as_uri(), "sha256": "0" * 64})
    assert not (project / "store").exists()


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"url": "http://example.com/x.png", "sha256": "a" * 64}, "expected an https:// URL"),
        ({"url": "file:///etc/hostname", "sha256": "a" * 64}, "outside the project"),
        ({"url": "https://example.com/x.png", "sha256": "../../x.png"}, "64 hex digits"),
        ({"url": "https://example.com/x.png", "sha256": "a" * 63}, "64 hex digits"),
        ({"builtin": ["cat"]}, "unknown built-in image"),
    ],
)
def test_urls_are_https_and_pins_are_sha256_digests(project, spec, message):
    with pytest.raises(InputError, match=message):
        resolve(project, spec)
    assert not (project / "store").exists()


def test_a_download_is_cut_off_at_the_size_limit(project, monkeypatch):
    import generator.images as images

    class Endless:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, n):
            return b"\0" * n

    monkeypatch.setattr(images, "MAX_INPUT_BYTES", 5 << 20)
    monkeypatch.setattr(images.urllib.request, "urlopen", lambda url, timeout: Endless())
    with pytest.raises(InputError, match="larger than 5,242,880 bytes"):
        resolve(project, {"url": "https://example.com/zero", "sha256": "a" * 64})
    assert not (project / "store").exists()


def test_fifos_and_folders_are_refused_without_being_opened(project):
    import os

    os.mkfifo(project / "recipes" / "b" / "pipe.png")
    (project / "recipes" / "b" / "folder.png").mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        resolve(project, "pipe.png")
    with pytest.raises(InputError, match="is a folder"):
        resolve(project, "folder.png")
