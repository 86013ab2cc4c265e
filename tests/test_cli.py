"""`gallery` end to end on model-free figures: build, rebuild, broken recipes, edits, plan, gc."""

import errno
import shutil
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
    assert gallery(project, "gc", "--dry-run") == 0
    assert "would remove: 1 unreferenced result(s) of 1 figure(s)\n  book/fwd: 1" in capsys.readouterr().out
    assert gallery(project, "gc") == 2  # not a terminal, no --yes: nothing removed
    assert "rerun with --yes" in capsys.readouterr().err
    assert len(list(project.glob("store/results/*/*"))) == 3
    assert gallery(project, "gc", "--yes") == 0
    assert "removed 1 unreferenced result(s)" in capsys.readouterr().out
    assert gallery(project, "build") == 0
    assert "0 jobs run" in capsys.readouterr().out


def test_a_missing_input_image_names_recipe_and_figure(project, capsys):
    section = project / "recipes" / "book" / "10-forward.yaml"
    section.write_text(SECTION.replace("mode: forward\n", "mode: forward\n    image: gone.png\n"))
    assert gallery(project, "build") == 2
    err = capsys.readouterr().err
    assert "recipes/book/10-forward.yaml:6:5: figures[0].image: image file not found" in err
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
    assert gallery(project, "import-embeddings", str(tmp_path / "bad.pth")) == 2
    assert "entry 'bad' is (3,); expected a [1, 77, D] tensor" in capsys.readouterr().err


@pytest.mark.parametrize(
    "figure, message",
    [
        (
            "  - id: cat\n    mode: cfg\n    prompts: ['a cat']\n",
            "5:5: figures[0].prompts: the digits model does not understand the prompt 'a cat'; it understands a digit",
        ),
        (
            "  - id: views\n    mode: anagram\n    views: [identity, flip, rotate_cw]\n    prompts: ['6', '9']\n",
            "6:5: figures[0].prompts: figure 'views' (anagram): expected 3 prompt(s), one per view (identity, flip, rotate_cw)",
        ),
    ],
)
def test_prompts_a_model_or_mode_cannot_take_are_refused_before_any_work(project, capsys, figure, message):
    book = project / "recipes" / "digits"
    book.mkdir()
    (book / "book.yaml").write_text("title: Digits\nmodel: digits\n")
    (book / "10-a.yaml").write_text("title: A\nfigures:\n" + figure)
    assert gallery(project, "build") == 2
    err = capsys.readouterr().err
    assert "recipes/digits/10-a.yaml:" + message in err, err
    assert not (project / "store").exists() and not (project / "public").exists()


# ---- filters select work, never the site ----


def test_a_figure_filter_runs_only_that_figure_and_the_site_keeps_every_figure(project, capsys):
    assert gallery(project, "build", "--figure", "blur") == 0
    assert "figures: 0 stored, 1 generated, 0 pending · 1 jobs run" in capsys.readouterr().out
    page = (project / "public" / "book" / "index.html").read_text()
    assert 'id="fig-blur"' in page and 'id="fig-fwd"' in page  # fwd is shown, as pending
    assert gallery(project, "build", "--book", "book") == 0
    assert "2 jobs run" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--figure", "blr"], "--figure 'blr' matches no figure; closest: blur"),
        (["--book", "bok"], "--book 'bok' matches no book; closest: book"),
        (["--book", "book", "--figure", "nothing-like-it"], "matches no figure in book(s) book; there are"),
    ],
)
def test_a_filter_that_matches_nothing_exits_2_with_the_closest_ids(project, capsys, args, message):
    assert gallery(project, "build", *args) == 2
    assert message in capsys.readouterr().err
    assert not (project / "store").exists() and not (project / "public").exists()


def test_render_takes_no_filter(project):
    with pytest.raises(SystemExit) as exit:
        gallery(project, "render", "--figure", "fwd")
    assert exit.value.code == 2


# ---- gc never removes what the plan does not know ----


def test_gc_keeps_every_result_of_a_book_missing_from_the_recipes(project, capsys):
    other = project / "recipes" / "other"
    other.mkdir()
    (other / "book.yaml").write_text(BOOK.replace("Test book", "Other"))
    (other / "10-forward.yaml").write_text(SECTION)
    assert gallery(project, "build") == 0
    stored = len(list(project.glob("store/results/*/*")))
    assert stored == 3  # both books ask for the very same 3 jobs
    (other / "10-forward.yaml").write_text(SECTION.replace("t: 300", "t: 301"))
    assert gallery(project, "build") == 0
    shutil.rmtree(project / "recipes" / "book")  # book.yaml gone: its results must survive
    capsys.readouterr()
    assert gallery(project, "gc", "--yes") == 0
    out = capsys.readouterr().out
    assert "keeping all 1 result(s) of book(s) not in the recipes: book (a missing or misnamed" in out
    assert len(list(project.glob("store/results/*/*"))) == 4


# ---- failures: one bad figure, operational errors ----


def test_a_figure_failing_at_run_time_does_not_stop_the_others(project, capsys, monkeypatch):
    from generator.modes import MODES

    def boom(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(MODES["blur_denoise"], "make", boom)
    assert gallery(project, "build") == 4
    captured = capsys.readouterr()
    assert "recipes/book/10-forward.yaml:7: figure 'book/blur' failed: RuntimeError: boom" in captured.err
    assert "second line" not in captured.err and "Traceback" not in captured.err
    assert "0 stored, 1 generated, 1 pending · 2 jobs run" in captured.out
    assert (project / "public" / "book" / "index.html").is_file()
    assert not any((project / "store" / "claims").iterdir())  # the failed job's claim is released


def test_out_on_a_file_or_a_foreign_folder_is_refused_before_any_work(project, capsys):
    (project / "notes.txt").write_text("mine")
    assert gallery(project, "--out", str(project / "notes.txt"), "build") == 6
    assert "is a file" in capsys.readouterr().err
    (project / "mine").mkdir()
    (project / "mine" / "thesis.tex").write_text("years of work")
    assert gallery(project, "--out", str(project / "mine"), "build") == 6
    err = capsys.readouterr().err
    assert err.startswith(f"error: --out {project / 'mine'}: ") and "Choose an empty or new folder" in err
    assert (project / "mine" / "thesis.tex").read_text() == "years of work"
    assert (project / "notes.txt").read_text() == "mine" and not (project / "store").exists()


def test_disk_full_is_one_line_and_exit_6(project, capsys, monkeypatch):
    from generator.store import Store

    def full(self, job, *args):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.tmp / "x.png"))

    monkeypatch.setattr(Store, "put", full)
    assert gallery(project, "build") == 6
    err = capsys.readouterr().err
    assert "error: disk full writing" in err and "free some space and rerun" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "exc, code, message",
    [
        (KeyboardInterrupt(), 130, "interrupted; every finished result is stored"),
        (OSError(errno.EACCES, "Permission denied", "/x/store"), 6, "Permission denied: /x/store"),
        (ValueError("unexpected"), 1, "internal error (ValueError: unexpected); rerun with --debug"),
    ],
)
def test_the_top_level_handler_turns_failures_into_one_line(project, capsys, monkeypatch, exc, code, message):
    import generator.cli as cli

    def fail(*args):
        raise exc

    monkeypatch.setitem(cli.COMMANDS, "plan", fail)
    assert gallery(project, "plan") == code
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    with pytest.raises(type(exc)):
        gallery(project, "--debug", "plan")


def test_a_corrupt_embedding_file_is_named_with_what_to_do(tmp_path):
    from generator.models.embeddings import CorruptCache, embedding_cache

    cache = embedding_cache(tmp_path, "x")
    cache.root.mkdir(parents=True)
    cache.path("a dog").write_bytes(b"\x00garbage")
    with pytest.raises(CorruptCache, match=r"corrupt embedding cache file .*; delete it and rerun"):
        cache.get("a dog")


def test_serve_refuses_a_busy_or_invalid_port(project, capsys):
    import socket

    assert gallery(project, "serve") == 6
    assert "index.html does not exist; render the site first" in capsys.readouterr().err
    assert gallery(project, "render") == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert gallery(project, "serve", "--port", str(port)) == 6
    assert f"port {port} is already in use" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit:
        gallery(project, "serve", "--port", "70000")
    assert exit.value.code == 2


# ---- the plan-size guard, the store lock ----

DIGITS = "title: Digits\nmodel: digits\n"
TWO_SAMPLES = (
    "title: A\nfigures:\n  - id: two\n    mode: cfg\n    prompts: ['3']\n    steps: strided-250\n    seeds: [1, 2]\n"
)


def test_a_plan_above_max_evals_needs_yes_and_says_how_long(project, capsys, monkeypatch):
    book = project / "recipes" / "digits"
    book.mkdir()
    (book / "book.yaml").write_text(DIGITS)
    (book / "10-a.yaml").write_text(TWO_SAMPLES)
    assert gallery(project, "run", "--book", "digits", "--max-evals", "10") == 2
    err = capsys.readouterr().err
    assert (
        "this plan runs 16 model evaluations (limit 10), about 0 s — digits: 16 at 6.0 ms each "
        "(rough default); rerun with --yes" in err
    )
    monkeypatch.setenv("GALLERY_MAX_EVALS", "15")
    assert gallery(project, "run", "--book", "digits") == 2
    assert gallery(project, "run", "--book", "digits", "--yes") == 0
    assert "2 jobs run" in capsys.readouterr().out


HOLD = (
    "import sys, time; from pathlib import Path; from generator.store import Store\n"
    "with Store(Path(sys.argv[1])).lock(shared=True):\n    print('held', flush=True); time.sleep(60)\n"
)


def test_gc_beside_a_build_waits_or_fails_fast_naming_the_holder(project, capsys):
    import subprocess
    import sys

    assert gallery(project, "build") == 0
    (project / "recipes" / "book" / "10-forward.yaml").write_text(SECTION.replace("t: 300", "t: 301"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(project / "store")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        capsys.readouterr()
        assert gallery(project, "gc", "--yes", "--no-wait") == 5
        err = capsys.readouterr().err
        assert f"the store is locked by pid {holder.pid} on " in err and "-c" in err and "since 20" in err
        assert len(list(project.glob("store/results/*/*"))) == 3
    finally:
        holder.kill()
        holder.wait()
    assert gallery(project, "gc", "--yes", "--no-wait") == 0
    assert len(list(project.glob("store/results/*/*"))) == 2


def test_a_job_that_breaks_the_engine_fails_alone_and_its_chunk_mates_are_stored(project, capsys, monkeypatch):
    from generator.modes import MODES

    book = project / "recipes" / "digits"
    book.mkdir()
    (book / "book.yaml").write_text(DIGITS)
    (book / "10-a.yaml").write_text(TWO_SAMPLES.replace("seeds: [1, 2]", "seeds: [1, 2, 3]"))
    real = MODES["cfg"].tracks

    def seed_2_has_no_embedding(job, ctx):
        tracks = real(job, ctx)
        if job.seed == 2:
            tracks[0].embeddings = {}  # the engine raises for the whole batch
        return tracks

    monkeypatch.setattr(MODES["cfg"], "tracks", seed_2_has_no_embedding)
    assert gallery(project, "run", "--book", "digits") == 4
    captured = capsys.readouterr()
    assert (
        "recipes/digits/10-a.yaml:3: figure 'digits/two' failed: KeyError: \"no embedding for prompt(s)"
        in captured.err
    )
    assert "2 jobs run" in captured.out  # seeds 1 and 3, packed with seed 2 at first


def test_a_model_that_fails_to_load_fails_its_figures_and_the_rest_is_made(project, capsys, monkeypatch):
    from generator.models.digits import DigitsSpec

    def broken(self, *args, **kwargs):
        raise RuntimeError("weights file is truncated")

    monkeypatch.setattr(DigitsSpec, "load", broken)
    book = project / "recipes" / "digits"
    book.mkdir()
    (book / "book.yaml").write_text(DIGITS)
    (book / "10-a.yaml").write_text(TWO_SAMPLES)
    assert gallery(project, "build") == 4
    captured = capsys.readouterr()
    assert "figure 'digits/two' failed: RuntimeError: weights file is truncated" in captured.err
    assert "3 jobs run" in captured.out  # the test book's model-free figures


def test_every_subcommand_has_its_command():
    """cli.py parses and dispatches; each subcommand's work is a function in generator/commands/."""
    import argparse

    import generator.cli as cli

    (subcommands,) = [a for a in cli.command_line()._actions if isinstance(a, argparse._SubParsersAction)]
    dispatched_itself = {"init", "modes", "serve", "import-embeddings"}  # no plan is loaded for these
    assert set(subcommands.choices) == set(cli.COMMANDS) | dispatched_itself
    assert all(f.__module__.startswith("generator.commands.") for f in cli.COMMANDS.values())
