"""This checkout's own gallery: every figure of the digits book is in the committed store, so its keys still
name the results that were made (a change to how jobs are expanded or serialised that moved a key shows here,
as `gallery plan` would show the figure pending)."""

from pathlib import Path

from generator.project import Project, load_plan


ROOT = Path(__file__).resolve().parents[1]


def test_every_digits_figure_is_stored():
    project = Project(ROOT)
    stored = project.store.key_set()
    plan = load_plan(project, cache=False)
    digits = [f for f in plan.figures if f.figure.book == "digits"]
    assert len(digits) > 40
    pending = [f"{f.figure.section}/{f.figure.id}" for f in digits if any(j.key not in stored for j in f.jobs)]
    assert not pending, f"digits figures whose keys are not in store/: {pending}"
