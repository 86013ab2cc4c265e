"""`gallery init DIR`: a new gallery — recipes, one book on the embedded digits model, .gitignore, Makefile."""

from __future__ import annotations

from pathlib import Path


def cmd_init(folder: Path) -> int:
    from generator.scaffold import init_project

    files = init_project(folder)
    books = sorted(f"{f.parent}/" for f in files if f.name == "book.yaml")
    print(
        f"a new gallery in {folder}/ ({len(files)} files): recipes/site.yaml, the book {', '.join(books)} on the "
        f"embedded digits model, .gitignore, Makefile, README.md"
    )
    go = "" if folder.absolute() == Path.cwd() else f"cd {folder} && "
    print(f"next: {go}gallery build   (about a minute on a CPU), then `gallery serve` to browse it")
    return 0
