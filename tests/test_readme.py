"""The README's promises: its modes table is what the code accepts; its commands exist in the Makefile."""

import re
from pathlib import Path

from generator.cli import modes_table

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_modes_table_is_current():
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- modes-table:.*?-->\n(.*?)\n<!-- /modes-table -->", readme, re.S)
    assert table, "README lost its modes table markers"
    assert table[1] == modes_table(), "README's modes table is stale: paste the output of `gallery modes`"


def test_every_make_target_the_readme_names_exists():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.M))
    named = set(re.findall(r"(?:^|`)make ([a-z-]+)", (ROOT / "README.md").read_text(), re.M))
    assert {"gallery", "test"} <= named and named <= targets, named - targets


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
