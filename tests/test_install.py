"""What a user installs, the way they install it: `pip install <clone>` (not editable) into a fresh venv; then, with
the clone gone, in an empty folder `gallery init mygallery && cd mygallery && gallery build` makes a site with
images on the CPU, `gallery` finds the project from a subfolder, and outside any project it exits 2.

Slow: about 65 s to install (torch and the rest from pip's cache), 20–40 s to build, on the 2-core dev machine.
torch is pinned like the Makefile pins it (the running version; an unpinned torch would pull a multi-GB CUDA build).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
import tomllib
from PIL import Image

from generator.scaffold import STARTER, starter_files


ROOT = Path(__file__).resolve().parents[1]


def clone(dest: Path) -> None:
    """The working tree as a clone has it: tracked and new files, nothing ignored (no .venv, store/tmp, build/)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_every_code_package_is_in_the_wheel():
    """pyproject.toml lists the packages (a mapped data folder cannot be found by setuptools' find): all of them."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "generator").rglob("__init__.py")}
    assert code <= listed, f"add to [tool.setuptools] packages: {sorted(code - listed)}"
    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    globbed = {f.relative_to(STARTER) for g in shipped["generator.starter"] for f in STARTER.glob(g) if f.is_file()}
    unshipped = [str(f) for f in starter_files() if f not in globbed]
    assert not unshipped, f"`gallery init` writes files the wheel lacks: {unshipped}"


@pytest.mark.slow
def test_a_wheel_install_starts_and_builds_a_gallery_anywhere():
    torch_pin = f"torch=={version('torch').split('+')[0]}"
    # A 1.7 GB venv: removed at the end, not kept among pytest's last three temporary folders.
    with tempfile.TemporaryDirectory(prefix="gallery-install-") as tmp:
        tmp = Path(tmp)
        (tmp / "src").mkdir()
        clone(tmp / "src")
        subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        env["PATH"] = f"{tmp / 'venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        pip = run(
            [str(tmp / "venv/bin/python"), "-m", "pip", "install", "--no-input", torch_pin, str(tmp / "src")], tmp, env
        )
        assert pip.returncode == 0, pip.stderr[-3000:]
        shutil.rmtree(tmp / "src")  # the package must not need the tree it came from
        env["XDG_CACHE_HOME"] = str(tmp / "cache")  # the site's animation frames (pip's cache is done)

        where = run(["python", "-c", "import generator; print(generator.__file__)"], tmp, env)
        assert where.stdout.startswith(str(tmp / "venv" / "lib")), where.stdout + where.stderr  # not editable
        expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
        assert run(["gallery", "--version"], tmp, env).stdout == f"gallery {expected}\n"

        (tmp / "empty").mkdir()
        init = run(["gallery", "init", "mygallery"], tmp / "empty", env)
        assert init.returncode == 0, init.stderr
        gallery = tmp / "empty" / "mygallery"
        assert (gallery / ".gitignore").is_file() and (gallery / "recipes" / "site.yaml").is_file()
        build = run(["gallery", "build"], gallery, env)
        assert build.returncode == 0, build.stderr[-3000:]
        assert re.search(r"figures: 0 stored, (\d+) generated, 0 pending", build.stdout), build.stdout
        page = (gallery / "public" / "first-book" / "index.html").read_text("utf-8")
        pictures = re.findall(r'<img[^>]*src="\.\./(img/[0-9a-f]{16}\.png)"', page)
        assert len(set(pictures)) >= 40 and all((gallery / "public" / p).is_file() for p in pictures)
        assert "is-pending" not in page  # every figure made
        with Image.open(gallery / "public" / pictures[0]) as first:  # a CFG sample of "0": a digit, not a blank
            assert first.size == (32, 32) and np.asarray(first, dtype=float).std() > 30

        plan = run(["gallery", "plan"], gallery / "recipes" / "first-book", env)
        assert plan.returncode == 0 and "pending: 0 jobs" in plan.stdout, plan.stdout + plan.stderr
        outside = run(["gallery", "build"], tmp / "empty", env)
        assert outside.returncode == 2 and "gallery init DIR" in outside.stderr, outside.stderr
        assert "Traceback" not in outside.stderr + build.stderr + init.stderr
