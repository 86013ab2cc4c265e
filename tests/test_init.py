"""A user's own gallery: `gallery init`, finding the project from any folder inside it, `--version`, `gallery hugo`.

(tests/test_install.py does the same from a real non-editable install in a fresh venv, with a build.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from generator.project import NoProject, Project, find_root, load_plan
from generator.scaffold import starter_files


SECTION = """\
title: Forward
figures:
  - id: fwd
    mode: forward
    sweep: {t: [100, 600]}
    image: {builtin: coffee}
"""


@pytest.fixture
def gallery(tmp_path, monkeypatch):
    """A new gallery made by `gallery init` in an empty folder; the current folder is that empty one."""
    monkeypatch.chdir(tmp_path)
    assert main(["init", "mygallery"]) == 0
    return tmp_path / "mygallery"


def test_init_writes_a_gallery_whose_recipes_load(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "mygallery"]) == 0
    assert "next: cd mygallery && gallery build" in capsys.readouterr().out
    gallery = tmp_path / "mygallery"
    for name in ("recipes/site.yaml", ".gitignore", "Makefile", "README.md", "recipes/images/sketch-four.png"):
        assert (gallery / name).is_file(), name
    plan = load_plan(Project(gallery))
    assert [b.slug for b in plan.books] == ["first-book"] and {b.model for b in plan.books} == {"digits"}
    modes = {f.figure.mode for f in plan.figures}
    assert {"cfg", "forward", "sdedit", "anagram", "hybrid"} <= modes
    assert sum(len(f.jobs) for f in plan.figures) < 100  # a first build of about a minute on a CPU
    assert "/public/" in (gallery / ".gitignore").read_text().splitlines()


def test_init_never_overwrites(gallery, capsys):
    (gallery / "recipes" / "site.yaml").write_text("title: mine\n")
    capsys.readouterr()
    assert main(["init", "mygallery"]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert (gallery / "recipes" / "site.yaml").read_text() == "title: mine\n"


def test_init_fills_an_existing_folder_and_refuses_a_missing_parent(tmp_path, capsys):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "notes.txt").write_text("keep")
    assert main(["init", str(tmp_path / "repo")]) == 0
    assert (tmp_path / "repo" / "notes.txt").read_text() == "keep"
    assert sorted(p.relative_to(tmp_path / "repo") for p in (tmp_path / "repo").rglob("*") if p.is_file()) == sorted(
        [Path("notes.txt"), *starter_files()]
    )
    capsys.readouterr()
    assert main(["init", str(tmp_path / "typo" / "mygallery")]) == 2
    assert "does not exist" in capsys.readouterr().err and not (tmp_path / "typo").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]  # no staging folder left behind


def test_the_project_is_found_from_a_subfolder(gallery, monkeypatch, capsys):
    monkeypatch.chdir(gallery / "recipes" / "first-book")
    assert find_root(Path.cwd()) == gallery.resolve()
    capsys.readouterr()
    assert main(["plan"]) == 0
    assert "first-book: A first book on handwritten digits" in capsys.readouterr().out


def test_outside_any_project_it_exits_2_with_the_next_step(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["plan"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no gallery here" in err and "gallery init DIR" in err and "--root" in err


def test_a_recipes_folder_without_site_yaml_is_named(tmp_path):
    (tmp_path / "recipes" / "book").mkdir(parents=True)
    with pytest.raises(NoProject, match=r"recipes has no site.yaml: add one"):
        find_root(tmp_path / "recipes" / "book")


def test_root_overrides_discovery_and_a_typo_is_caught(gallery, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # not inside the gallery
    assert main(["--root", "mygallery", "plan"]) == 0
    capsys.readouterr()
    assert main(["--root", "mygalery", "plan"]) == 2
    assert "--root mygalery: no such folder (did you mean mygallery?)" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["--root", "empty", "plan"]) == 2
    assert "holds no recipes/ folder" in capsys.readouterr().err


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == f"gallery {version('diffusion-gallery')}\n"


def test_hugo_exports_into_the_project_and_refuses_what_it_did_not_write(tmp_path, monkeypatch, capsys):
    (tmp_path / "recipes" / "book").mkdir(parents=True)
    (tmp_path / "recipes" / "site.yaml").write_text("title: T\n")
    (tmp_path / "recipes" / "book" / "book.yaml").write_text("title: B\nmodel: digits\nsummary: S\n")
    (tmp_path / "recipes" / "book" / "10-forward.yaml").write_text(SECTION)
    monkeypatch.chdir(tmp_path / "recipes")
    assert main(["hugo"]) == 0  # nothing generated yet: a draft
    out = capsys.readouterr().out
    assert f"→ {tmp_path.resolve() / 'hugo'}/" in out and "draft: book" in out
    assert "draft = true" in (tmp_path / "hugo" / "book" / "index.md").read_text()
    assert main(["build"]) == 0 and main(["hugo"]) == 0
    assert "draft" not in (tmp_path / "hugo" / "book" / "index.md").read_text()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "post.md").write_text("keep")
    capsys.readouterr()
    assert main(["hugo", str(tmp_path / "mine")]) == 6
    assert "not written by the Hugo export" in capsys.readouterr().err
    assert main(["hugo", str(tmp_path / "nowhere" / "posts")]) == 6
    assert "does not exist" in capsys.readouterr().err
