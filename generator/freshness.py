"""Is the published site up to date? One fingerprint of everything a build reads — the recipes' YAML, the input
files and models of the last build, the templates, this code and the set of stored results — is kept in the
site's manifest (site/render.py), so that a `build` or `render` with nothing changed stops after reading only
those, without loading a recipe, a result or a picture.

    record = sources(project, plan)          # after a render: what it was made from (stored in the manifest)
    up_to_date(project)                      # before the next: the same fingerprint, nothing pending?

Paths in the record are relative to the project (the manifest is published with the site); inputs outside the
project (built-in photos, pinned downloads in the store) are fixed by their package or their sha256.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.fingerprints import code_print, digest, inputs_print, models_print, recipes_print, tree_print
from generator.models.hardware import Hardware
from generator.project import Plan, Project
from generator.site import render


FORMAT = 1


def sources(project: Project, plan: Plan) -> dict[str, Any]:
    """What a render of `plan` was made from: the fingerprint, the files and models to look at next time, and
    how many jobs were pending (a build with pending work always looks for what it can run)."""
    root = project.root.resolve()
    inputs = sorted(
        {
            Path(p).resolve().relative_to(root).as_posix()
            for s in plan.sources.values()
            for p in s.inputs
            if Path(p).resolve().is_relative_to(root)
        }
    )
    models = sorted({m for s in plan.sources.values() for m in s.models})
    stored = project.store.key_set()
    pending = len({j.key for f in plan.figures for j in f.jobs} - stored)
    return {
        "print": fingerprint(project, inputs, models, plan.hardware, stored),
        "inputs": inputs,
        "models": models,
        "pending": pending,
        "figures": len(plan.figures),
    }


def fingerprint(
    project: Project, inputs: list[str], models: list[str], hardware: Hardware, stored: set[str] | None = None
) -> str:
    stored = project.store.key_set() if stored is None else stored
    return digest(
        [
            FORMAT,
            code_print(),
            tree_print(render.TEMPLATES),
            recipes_print(project.recipes),
            inputs_print(str(project.root / p) for p in inputs),
            models_print(models, hardware),
            digest(sorted(stored)),
            str(project.store_root.resolve()),
        ]
    )


def up_to_date(project: Project, recorded: dict[str, Any], pending_ok: bool, hardware: Hardware) -> bool:
    """Whether the site's record still holds on `hardware`: the same fingerprint (and, unless `pending_ok`,
    nothing pending)."""
    try:
        if recorded.get("pending") and not pending_ok:
            return False
        return recorded["print"] == fingerprint(project, list(recorded["inputs"]), list(recorded["models"]), hardware)
    except (KeyError, TypeError, ValueError):
        return False
