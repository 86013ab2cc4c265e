"""Hostile recipes through the real CLI: every case exits 2 with a one-line, positioned message, no traceback,
and store/ and public/ exactly as they were — for `plan` and for `build`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.cli import main
from tests.hostile.cases import CASES
from tests.hostile.project import apply, make_base, tree_digest


POSITION = re.compile(r"^\S[^:\n]*:\d+:\d+: ", re.MULTILINE)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("base")
    make_base(root)
    return root


def test_the_base_project_is_valid(base, tmp_path, capsys):
    root = tmp_path / "p"
    shutil.copytree(base, root, symlinks=True)
    assert gallery(root, "plan") == 0, capsys.readouterr().err


def test_the_corpus_is_large_and_names_are_unique():
    names = [c[0] for c in CASES]
    assert len(names) >= 150 and len(set(names)) == len(names)


@pytest.mark.parametrize("name, files, expected, positioned", CASES, ids=[c[0] for c in CASES])
def test_a_hostile_recipe_is_refused_before_any_work_or_write(
    base, tmp_path, capsys, name, files, expected, positioned
):
    root = tmp_path / "p"
    shutil.copytree(base, root, symlinks=True)
    apply(root, files)
    before = tree_digest(root / "store"), tree_digest(root / "public")
    for command in ("plan", "build"):
        code = gallery(root, command)
        out, err = capsys.readouterr()
        assert code == 2, f"{command}: exit {code}\n{out}\n{err}"
        assert "Traceback" not in out + err
        assert re.search(pattern(expected), err), f"{command}: {expected!r} not in:\n{err}"
        if positioned:
            assert POSITION.search(err), err
        assert (tree_digest(root / "store"), tree_digest(root / "public")) == before, command


def pattern(expected: str) -> str:
    """The case's fragment as a regex: literal text, where '.*' stands for anything on the line."""
    return ".*".join(map(re.escape, expected.split(".*")))


def gallery(root: Path, *args: str) -> int:
    return main(["--root", str(root), "--store", str(root / "store"), "--out", str(root / "public"), *args])


def test_validation_never_imports_torch(base, tmp_path):
    """Refusing a recipe (and planning a valid one) stays light: no torch, no model weights loaded."""
    import subprocess
    import sys

    root = tmp_path / "p"
    shutil.copytree(base, root, symlinks=True)
    code = (
        "import sys; from generator.cli import main; "
        f"codes = [main(['--root', {str(root)!r}, 'plan'])]; "
        f"open({str(root / 'recipes/b/20-c.yaml')!r}, 'w').write('title: C\\nfigures: [{{id: c, mode: forward}}]\\n'); "
        f"codes.append(main(['--root', {str(root)!r}, 'plan'])); "
        "print(codes, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[0, 2] False"), out
