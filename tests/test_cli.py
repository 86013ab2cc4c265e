"""`gallery` end to end on model-free figures: build, rebuild, broken recipes, edits, plan, gc."""

from pathlib import Path

import pytest

from generator.cli import main

BOOK = """\
title: Test book
model: deepfloyd-if
summary: A book for tests.
defaults: {seeds: [7], image: {builtin: coffee}}
"""
SECTION = """\
title: Forward
intro: Noise, then more noise.
figures:
  - id: fwd
    mode: forward
    sweep: {t: [100, 600]}
  - id: blur
    mode: blur_denoise
    t: 300
    search_sigma: [1.0, 2.0]
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "recipes" / "book").mkdir(parents=True)
    (tmp_path / "recipes" / "site.yaml").write_text("title: Test site\nintro: Hello.\n")
    (tmp_path / "recipes" / "book" / "book.yaml").write_text(BOOK)
    (tmp_path / "recipes" / "book" / "10-forward.yaml").write_text(SECTION)
    return tmp_path


def gallery(project: Path, *args: str) -> int:
    return main(["--root", str(project), *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_then_rebuild_generates_nothing(project, capsys):
    assert gallery(project, "build") == 0
    assert "figures: 0 stored, 2 generated, 0 pending · 3 jobs run" in capsys.readouterr().out
    assert (project / "public" / "index.html").is_file()
    assert gallery(project, "build") == 0
    assert "figures: 2 stored, 0 generated, 0 pending · 0 jobs run" in capsys.readouterr().out


def test_a_broken_recipe_exits_2_with_positions_and_touches_nothing(project, capsys):
    assert gallery(project, "build") == 0
    site, store = snapshot(project / "public"), snapshot(project / "store")
    section = project / "recipes" / "book" / "10-forward.yaml"
    section.write_text(SECTION.replace("t: 300", "t: 3000").replace("[1.0, 2.0]", "[1.0, fast]"))
    capsys.readouterr()
    assert gallery(project, "build") == 2
    err = capsys.readouterr().err
    assert "recipes/book/10-forward.yaml:9:5: figures[1].t: expected a value between 0 and 999, got 3000" in err
    assert "recipes/book/10-forward.yaml:10:25: figures[1].search_sigma[1]: expected a number, got 'fast'" in err
    assert "2 problem(s) in the recipes; nothing was generated or written." in err
    assert snapshot(project / "public") == site and snapshot(project / "store") == store


def test_editing_one_figure_reruns_only_it_and_prose_only_rerenders(project, capsys):
    assert gallery(project, "build") == 0
    section = project / "recipes" / "book" / "10-forward.yaml"
    section.write_text(SECTION.replace("t: 300", "t: 301"))
    capsys.readouterr()
    assert gallery(project, "build") == 0
    assert "1 generated, 0 pending · 1 jobs run" in capsys.readouterr().out
    section.write_text(SECTION.replace("t: 300", "t: 301").replace("more noise", "much more noise"))
    assert gallery(project, "build") == 0
    assert "0 jobs run" in capsys.readouterr().out
    assert "much more noise" in (project / "public" / "book" / "index.html").read_text()


def test_plan_lists_every_figure_and_gc_drops_the_unreferenced(project, capsys):
    assert gallery(project, "plan") == 0
    out = capsys.readouterr().out
    assert "forward/fwd" in out and "pending 2/2 jobs" in out and "forward/blur" in out
    assert gallery(project, "build") == 0
    section = project / "recipes" / "book" / "10-forward.yaml"
    section.write_text(SECTION.replace("sweep: {t: [100, 600]}", "t: 100"))
    capsys.readouterr()
    assert gallery(project, "gc") == 0
    assert "removed 1 unreferenced result(s)" in capsys.readouterr().out
    assert gallery(project, "build") == 0
    assert "0 jobs run" in capsys.readouterr().out


def test_a_missing_input_image_names_recipe_and_figure(project, capsys):
    section = project / "recipes" / "book" / "10-forward.yaml"
    section.write_text(SECTION.replace("mode: forward\n", "mode: forward\n    image: gone.png\n"))
    assert gallery(project, "build") == 2
    err = capsys.readouterr().err
    assert "recipes/book/10-forward.yaml:4: figure 'fwd', input 'image': image file not found" in err
    assert not (project / "public").exists()


def test_course_prompt_embeddings_can_be_imported(project, tmp_path, capsys):
    import torch

    from generator.models.embeddings import embedding_cache

    table = {"a rocket ship": torch.randn(1, 77, 8), "": torch.zeros(1, 77, 8)}
    torch.save(table, tmp_path / "prompt_embeds_dict.pth")
    assert gallery(project, "import-embeddings", str(tmp_path / "prompt_embeds_dict.pth")) == 0
    assert "imported 2 prompt embedding(s)" in capsys.readouterr().out
    assert embedding_cache(project / "store", "deepfloyd-if").missing(["a rocket ship", "", "a dog"]) == ["a dog"]
    torch.save({"bad": torch.zeros(3)}, tmp_path / "bad.pth")
    assert gallery(project, "import-embeddings", str(tmp_path / "bad.pth")) == 1
    assert "entry 'bad' is (3,); expected a [1, 77, D] tensor" in capsys.readouterr().err


@pytest.mark.parametrize("figure, message", [
    ("  - id: cat\n    mode: cfg\n    prompts: ['a cat']\n",
     "figure 'cat': the digits model does not understand the prompt 'a cat'; it understands a digit"),
    ("  - id: views\n    mode: anagram\n    views: [identity, flip, rotate_cw]\n    prompts: ['6', '9']\n",
     "figure 'views': figure 'views' (anagram): expected 3 prompt(s), one per view (identity, flip, rotate_cw)"),
])
def test_prompts_a_model_or_mode_cannot_take_are_refused_before_any_work(project, capsys, figure, message):
    book = project / "recipes" / "digits"
    book.mkdir()
    (book / "book.yaml").write_text("title: Digits\nmodel: digits\n")
    (book / "10-a.yaml").write_text("title: A\nfigures:\n" + figure)
    assert gallery(project, "build") == 2
    err = capsys.readouterr().err
    assert "recipes/digits/10-a.yaml:3: " + message in err, err
    assert not (project / "store").exists() and not (project / "public").exists()
