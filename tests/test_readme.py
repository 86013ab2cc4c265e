"""The README is a front door and docs/modes.md is what the code accepts: generated, complete, said once."""

import re
from pathlib import Path

import pytest

from generator import cli
from generator.manual import GROUPS, WHAT, declaration, describe, modes_page
from generator.modes import MODES


ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
MODES_PAGE = ROOT / "docs" / "modes.md"


def test_the_modes_page_is_what_gallery_modes_prints(capsys):
    assert cli.main(["modes"]) == 0
    assert MODES_PAGE.read_text() == capsys.readouterr().out == modes_page() + "\n", (
        "docs/modes.md is stale: run `.venv/bin/gallery modes > docs/modes.md`"
    )


def mode_rows() -> dict[str, list[str]]:
    """docs/modes.md's main table: mode name → its cells."""
    rows = {}
    for line in MODES_PAGE.read_text().split("## Shared parameters", 1)[0].splitlines():
        if m := re.match(r"\| `(\w+)` \| ", line):
            rows[m[1]] = [c.strip() for c in line.strip("|").split(" | ")]
    return rows


def group_sections() -> dict[str, str]:
    """docs/modes.md's shared groups: title → the text of its section."""
    text = MODES_PAGE.read_text().split("## Shared parameters", 1)[1]
    return {part.split("\n", 1)[0].strip(): part for part in text.split("\n### ")[1:]}


def test_every_parameter_of_every_mode_is_on_the_modes_page_once():
    rows, sections = mode_rows(), group_sections()
    assert set(rows) == set(MODES)
    for name, mode in MODES.items():
        own, shared = rows[name][5], rows[name][4]
        for key, p in mode.params.items():
            group = next((g for g in GROUPS if key in g.names and g.title in shared), None)
            if group is None:
                assert declaration(key, p) in own, (name, key)
                continue
            assert f"`{key}`" not in own, f"{name}.{key} is described in its row and in the {group.title} group"
            row = next(
                line
                for line in sections[group.title].splitlines()
                if line.startswith(f"| `{key}` | {describe(p)} | {p.help or '—'} |")
            )
            assert row.endswith("| all |") or f"`{name}`" in row.rsplit("|", 2)[1], (name, key, row)


def test_no_parameter_is_written_out_for_more_than_three_modes():
    """The issue's complaint: 8 shared parameters written 72 times. A parameter that more than three modes declare
    the same way belongs in a shared group (generator/manual.py's GROUPS)."""
    counts: dict[str, list[str]] = {}
    for name, cells in mode_rows().items():
        for declared in cells[5].split("<br>"):
            counts.setdefault(declared, []).append(name)
    repeated = {d.split(" ")[0]: modes for d, modes in counts.items() if d != "—" and len(modes) > 3}
    assert not repeated, f"add a shared group for {repeated}"


def test_every_group_is_shared_and_every_mode_says_what_it_makes():
    for group in GROUPS:
        assert len([m for m in MODES.values() if all(n in m.params for n in group.names)]) >= 3, group.title
    assert set(WHAT) == set(MODES), "say in generator/manual.py's WHAT what each mode makes"
    assert all(cells[1] != "—" for cells in mode_rows().values())


def test_the_readme_is_a_front_door():
    lines = README.splitlines()
    assert len(lines) < 200, f"README.md has {len(lines)} lines; move detail into docs/"
    assert "make gallery" in README and "make test" in README
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"](docs/{doc.name})" in README, f"the README does not point to docs/{doc.name}"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_error_example_is_what_gallery_prints(tmp_path, capsys):
    """The README shows the message a broken view gives in the starter's illusions; it is the real one."""
    quoted = re.search(r"```\n(recipes/first-book/30-illusions\.yaml:\S+ .*?)…\n```", README)
    assert quoted, "the README lost its validation example"
    assert cli.main(["init", str(tmp_path / "g")]) == 0
    recipe = tmp_path / "g" / "recipes" / "first-book" / "30-illusions.yaml"
    text = recipe.read_text()
    assert "views: [identity, rotate_180]" in text
    recipe.write_text(text.replace("views: [identity, rotate_180]", "views: [identity, spin]"))
    capsys.readouterr()
    assert cli.main(["--root", str(tmp_path / "g"), "plan"]) == cli.EXIT_RECIPE_ERRORS
    assert capsys.readouterr().err.startswith(quoted[1])


@pytest.mark.parametrize("size", ["no-op", "caption edit"])
def test_the_readme_quotes_the_noop_benchmark_as_measured(size):
    """README's Measured paragraph repeats docs/measurements.md's bench_noop rows, number for number."""
    measured = (ROOT / "docs" / "measurements.md").read_text()
    section = README.split("## Measured", 1)[1].split("\n## ", 1)[0]
    figures = re.findall(r"(\d\.\d\d) / (\d\.\d\d) / (\d\.\d\d) /\s+(\d\.\d\d) s", section)
    assert len(figures) == 2
    quoted = " / ".join(figures[0 if size == "no-op" else 1])
    assert f"| {quoted} s" in measured or f"| {quoted} s:" in measured, quoted
