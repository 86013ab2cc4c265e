"""Incremental builds: a no-op reads no recipe, every kind of change is seen, an edit renders only its book's page
(the others are hard links of the published files), and the plan cache returns what a fresh load would."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from generator import cli
from generator.cli import main
from generator.project import Project, load_plan
from generator.site import render
from generator.site.render import MARKER, read_manifest


BOOK = "title: Book {n}\nmodel: digits\norder: {n}\nsummary: Book {n}.\ndefaults: {{image: ../images/dot.png}}\n"
SECTION = """\
title: Forward
intro: Noise, then more noise.
figures:
  - id: fwd-{n}
    mode: forward
    sweep: {{t: [100, 600]}}
    caption: The forward process, book {n}.
"""


@pytest.fixture
def project(tmp_path):
    """Two books of one model-free figure each, on an input image inside the project."""
    from PIL import Image

    (tmp_path / "recipes" / "images").mkdir(parents=True)
    Image.new("L", (32, 32), 40).save(tmp_path / "recipes" / "images" / "dot.png")
    (tmp_path / "recipes" / "site.yaml").write_text("title: Test site\nintro: Hello.\n")
    for n in (1, 2):
        book = tmp_path / "recipes" / f"book{n}"
        book.mkdir()
        (book / "book.yaml").write_text(BOOK.format(n=n))
        (book / "10-forward.yaml").write_text(SECTION.format(n=n))
    return tmp_path


def gallery(project: Path, *args: str) -> int:
    return main(["--root", str(project), *args])


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_a_no_op_build_or_render_loads_no_recipe(project, capsys, monkeypatch):
    assert gallery(project, "build") == 0
    capsys.readouterr()

    def no_loading(*_):
        raise AssertionError("the recipes were loaded")

    monkeypatch.setattr(cli, "load_plan", no_loading)
    for command in ("build", "render"):
        assert gallery(project, command) == 0
        assert "site: up to date, nothing changed since it was rendered" in capsys.readouterr().out


@pytest.mark.parametrize("change", ["caption", "input", "template", "store", "new book folder"])
def test_every_kind_of_change_is_seen(project, capsys, monkeypatch, tmp_path_factory, change):
    assert gallery(project, "build") == 0
    capsys.readouterr()
    if change == "caption":
        section = project / "recipes" / "book1" / "10-forward.yaml"
        section.write_text(section.read_text().replace("book 1.", "book one."))
    elif change == "input":
        from PIL import Image

        Image.new("L", (32, 32), 200).save(project / "recipes" / "images" / "dot.png")
    elif change == "template":
        templates = tmp_path_factory.mktemp("templates")
        shutil.copytree(render.TEMPLATES, templates, dirs_exist_ok=True)
        with (templates / "style.css").open("a") as f:
            f.write("\nbody { letter-spacing: .01em; }\n")
        monkeypatch.setattr(render, "TEMPLATES", templates)
    elif change == "store":
        shutil.rmtree(next((project / "store" / "results").glob("*/*")))
    else:
        (project / "recipes" / "notes").mkdir()
        (project / "recipes" / "notes" / "10-a.yaml").write_text("title: A\nfigures: []\n")
    code = gallery(project, "build")
    out, err = capsys.readouterr()
    assert "up to date" not in out
    if change == "new book folder":  # a folder of YAML without book.yaml is an error
        assert code == 2 and "no book.yaml" in err
        return
    assert code == 0
    assert ("1 jobs run" in out) == (change == "store") and ("2 jobs run" in out) == (change == "input")
    site = project / "public"
    if change == "caption":
        assert "book one." in (site / "book1" / "index.html").read_text()
    if change == "template":
        assert "letter-spacing: .01em" in next(site.glob("style.*.css")).read_text()


def test_an_edit_renders_only_its_book_and_links_the_rest(project, capsys):
    assert gallery(project, "build") == 0
    site = project / "public"
    before = inodes(site)
    section = project / "recipes" / "book2" / "10-forward.yaml"
    section.write_text(section.read_text().replace("book 2.", "book two."))
    capsys.readouterr()
    assert gallery(project, "build") == 0
    assert "site: 3 pages (1 rendered, 1 unchanged)" in capsys.readouterr().out
    after = inodes(site)
    book1 = list(read_manifest(site).pages["book1"]["files"])
    assert book1 and all(after[f] == before[f] for f in book1)  # the same files, linked
    assert after["book2/index.html"] != before["book2/index.html"]
    assert "book two." in (site / "book2" / "index.html").read_text()
    assert (site / "book1" / "index.html").read_text().count("book 1.") == 1
    index = (site / "index.html").read_text()
    assert 'href="book1/index.html"' in index and 'href="book2/index.html"' in index
    assert [p.name for p in project.iterdir() if p.name.startswith(".public")] == []


def test_a_failed_incremental_render_leaves_the_site_as_it_was(project, capsys, monkeypatch):
    assert gallery(project, "build") == 0
    site = project / "public"
    before = {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    section = project / "recipes" / "book2" / "10-forward.yaml"
    section.write_text(section.read_text().replace("book 2.", "book two."))
    real = render._write

    def failing(path, text):
        if path.name == "index.html" and path.parent.name == "book2":
            raise OSError(28, "No space left on device (simulated)")
        real(path, text)

    monkeypatch.setattr(render, "_write", failing)
    assert gallery(project, "build") == 6
    assert {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before
    monkeypatch.setattr(render, "_write", real)
    assert gallery(project, "build") == 0
    assert "book two." in (site / "book2" / "index.html").read_text()


def test_a_hand_edited_page_is_rendered_again_when_missing(project, capsys):
    assert gallery(project, "build") == 0
    (project / "public" / "book1" / "index.html").unlink()
    section = project / "recipes" / "book2" / "10-forward.yaml"
    section.write_text(section.read_text().replace("book 2.", "book two."))
    capsys.readouterr()
    assert gallery(project, "render") == 0
    assert "(2 rendered)" in capsys.readouterr().out
    assert (project / "public" / "book1" / "index.html").is_file()


def test_the_manifest_is_published_with_relative_paths_only(project):
    assert gallery(project, "build") == 0
    text = (project / "public" / MARKER).read_text()
    manifest = json.loads(text)
    assert str(project) not in text and os.sep + "tmp" + os.sep not in text
    assert manifest["sources"]["inputs"] == ["recipes/images/dot.png"]
    assert set(manifest["pages"]) == {"book1", "book2"}


def test_the_plan_cache_gives_what_a_fresh_load_gives(project, monkeypatch):
    import generator.project as project_module

    fresh = load_plan(Project(root=project), cache=False)
    first = load_plan(Project(root=project))
    monkeypatch.setattr(project_module, "load_book", lambda *_: pytest.fail("a cached book was parsed again"))
    cached = load_plan(Project(root=project))
    keys = [[j.key for j in f.jobs] for f in fresh.figures]
    assert (
        keys == [[j.key for j in f.jobs] for f in first.figures] == [[j.key for j in f.jobs] for f in cached.figures]
    )
    assert [f.figure.caption for f in cached.figures] == [f.figure.caption for f in fresh.figures]
    assert cached.sources == first.sources


def test_the_plan_cache_sees_a_changed_input(project):
    from PIL import Image

    before = load_plan(Project(root=project))
    Image.new("L", (32, 32), 90).save(project / "recipes" / "images" / "dot.png")
    after = load_plan(Project(root=project))
    assert {j.key for f in before.figures for j in f.jobs}.isdisjoint(j.key for f in after.figures for j in f.jobs)


def test_a_torn_cache_entry_is_ignored(project):
    from generator.models.hardware import Hardware
    from generator.plan_cache import BookPlans

    plan = load_plan(Project(root=project))
    cache = BookPlans(project / "recipes", project / "store", Hardware())
    for entry in cache.folder.glob("*.pickle"):
        entry.write_bytes(entry.read_bytes()[:20])
    again = load_plan(Project(root=project))
    assert [j.key for f in again.figures for j in f.jobs] == [j.key for f in plan.figures for j in f.jobs]
