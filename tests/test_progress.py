"""Progress: jobs and images with the time left; a redrawn line on a terminal, plain lines in a log."""

from __future__ import annotations

import io

from generator.progress import Progress, clock
from tests.test_cli import gallery, project  # noqa: F401  (the fixture)


def test_plain_lines_in_a_log_never_a_carriage_return(monkeypatch):
    out = io.StringIO()
    shown = Progress(jobs=4, cost=8, stream=out, every=0.0)
    shown.advance(images=2, cost=2)
    shown.advance(images=2, cost=2)
    shown.close()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and out.getvalue().endswith("\n")
    assert lines[0].startswith("jobs 1/4 (25%) · 2 images · ") and lines[-1].startswith("jobs 2/4 (50%) · 4 images")


def test_a_terminal_gets_one_line_redrawn_in_place():
    out = io.StringIO()
    shown = Progress(jobs=2, cost=2, stream=out, interactive=True)
    shown.every = 0.0
    shown.advance(images=1, cost=1)
    shown.advance(images=1, cost=1)
    shown.close()
    text = out.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1 and text.rstrip().endswith("2 images · 0 s spent")


def test_time_left_follows_the_cost_done(monkeypatch):
    import generator.progress as progress

    now = [100.0]
    monkeypatch.setattr(progress.time, "perf_counter", lambda: now[0])
    shown = Progress(jobs=10, cost=100, stream=io.StringIO())
    now[0] += 30.0
    shown.advance(jobs=1, images=1, cost=25)  # a quarter of the cost in 30 s: 90 s left
    assert shown.line() == "jobs 1/10 (10%) · 1 image · 30 s spent · about 1 min 30 s left"


def test_clock_words():
    assert [clock(s) for s in (4.4, 65, 3 * 3600 + 125)] == ["4 s", "1 min 05 s", "3 h 02 min"]


def test_a_build_in_a_pipe_shows_plain_progress(project, capsys):  # noqa: F811
    assert gallery(project, "build") == 0
    err = capsys.readouterr().err
    assert "jobs 3/3 (100%) · 7 images · " in err and "\r" not in err
