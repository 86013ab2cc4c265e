"""`gallery serve --watch`: serve the site, rebuild it when a recipe, an input or a template changes, and reload
the pages that changed in the browser.

File events come from watchfiles (inotify, FSEvents or ReadDirectoryChangesW; an editor's save-by-rename is one
change, and a burst of them is one batch). Each batch runs one `gallery build`, incremental like any other: it
generates what the edit made pending and renders only the pages whose sources changed (site/render.py). Which
pages those were is read from the site's manifest before and after; the open pages among them reload themselves
(site/serve.py's LiveReload). A build that fails leaves the last good site in place and shows its message over
the pages until a build succeeds.
"""

from __future__ import annotations

import sys
import threading
import webbrowser
from pathlib import Path
from typing import Callable

from generator.project import Project
from generator.site.render import TEMPLATES, read_manifest
from generator.site.serve import LiveReload, make_server


Rebuild = Callable[[], tuple[int, str]]  # one build: (exit code, what it printed on stderr)


def page_prints(out_dir: Path) -> dict[str, str]:
    """Each page of the site in `out_dir` → its fingerprint ("index.html" → the manifest's, so any change)."""
    manifest = read_manifest(out_dir)
    pages = {f"{slug}/index.html": str(page.get("print")) for slug, page in manifest.pages.items()}
    return {**pages, "index.html": str(sorted(pages.items()))}


def watched(project: Project) -> list[Path]:
    """The folders whose files the site is made from: the recipes, the templates, and the folders of the inputs
    the last build read (within the project)."""
    inputs = read_manifest(project.public.absolute()).sources.get("inputs") or []
    folders = {project.recipes, TEMPLATES, *((project.root / p).parent for p in inputs)}
    return sorted({f.resolve() for f in folders if f.is_dir()})


def rebuilt(project: Project, rebuild: Rebuild, live: LiveReload) -> int:
    """Run one build and tell the pages what changed, or what went wrong."""
    before = page_prints(project.public)
    code, stderr = rebuild()
    after = page_prints(project.public)
    changed = [page for page, print_ in after.items() if before.get(page) != print_]
    problem = "" if code == 0 else "\n".join(stderr.strip().splitlines()[:60]) or f"the build ended with {code}"
    live.report(changed, problem)
    return code


def serve_and_watch(project: Project, port: int, rebuild: Rebuild, open_browser: bool = False) -> int:
    """Build, serve on 127.0.0.1:`port`, and rebuild on every change until Ctrl-C."""
    import watchfiles

    live = LiveReload()
    code = rebuilt(project, rebuild, live)
    if not (project.public / "index.html").is_file():
        return code or 1
    server = make_server(project.public, port, quiet=True, live=live)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    folders = watched(project)
    print(
        f"Serving {project.public} at {url}  (Ctrl-C stops)\nwatching {', '.join(map(str, folders))}; "
        f"a change rebuilds what it touches and reloads the page",
        flush=True,
    )
    if open_browser:
        webbrowser.open(url)
    try:
        while True:
            for changes in watchfiles.watch(*folders, raise_interrupt=True):
                names = sorted({Path(p).name for _, p in changes if Path(p).exists()}) or ["a file removed"]
                print(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}; rebuilding", flush=True)
                rebuilt(project, rebuild, live)
                if watched(project) != folders:  # an input in a new folder: watch it too
                    folders = watched(project)
                    break
    except KeyboardInterrupt:
        print("stopped")
    finally:
        live.close()
        server.shutdown()
        server.server_close()
    sys.stdout.flush()
    return 0
