"""What the README and docs/ state is what the code and the repository hold: links, commands, options, exit codes,
environment variables, Make targets, recipe keys and limits, file paths, examples, measurements, screenshots."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from generator import cli
from generator.manual import slug


ROOT = Path(__file__).resolve().parents[1]
DOCS = {
    p.relative_to(ROOT).as_posix(): p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
}
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def doc(name: str) -> str:
    return DOCS[f"docs/{name}"]


def prose(text: str) -> str:
    """The text without its fenced code blocks."""
    return FENCE.sub("", text)


def table(text: str, header: str) -> list[list[str]]:
    """The body rows (cells stripped) of the Markdown table whose header line starts with `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
    return rows


def tables(text: str, header: str) -> list[list[list[str]]]:
    """Every table whose header line starts with `header`, in order."""
    found, rest = [], text
    while header in rest:
        at = rest.index(header)
        found.append(table(rest[at:], header))
        rest = rest[at + len(header) :]
    return found


def code_names(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


# ---- links ----


def anchors(text: str) -> set[str]:
    return {slug(re.sub(r"[`*]", "", h)) for h in re.findall(r"^#+ (.+)$", prose(text), re.M)}


@pytest.mark.parametrize("name", sorted(DOCS))
def test_every_link_resolves(name):
    here = (ROOT / name).parent
    for target in re.findall(r"\]\(([^)\s]+)\)", prose(DOCS[name])):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (here / path).resolve() if path else ROOT / name
        assert file.exists(), f"{name}: the link {target} points at nothing"
        if anchor:
            assert anchor in anchors(file.read_text()), f"{name}: {file.name} has no heading #{anchor}"


def test_every_doc_is_reachable_from_the_readme():
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)\)", DOCS["README.md"]))
    assert linked == {Path(n).name for n in DOCS if n.startswith("docs/")}


# ---- the CLI ----


def usage(*argv: str) -> str:
    """The usage lines `gallery … --help` prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        cli.main([*argv, "--help"])
    return out.getvalue().split("\n\n", 1)[0]


def options(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text)) - {"--help"}


COMMANDS = re.search(r"\{([a-z,-]+)\}", usage()).group(1).split(",")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_with_exactly_its_options(command):
    rows = [r for r in table(doc("cli.md"), "| command |") if re.match(rf"`gallery {command}[ `]", r[0])]
    assert len(rows) == 1, f"docs/cli.md needs one row for `gallery {command}`"
    assert options(rows[0][0]) == options(usage(command)), f"gallery {command}: docs/cli.md vs --help"


def test_the_global_options_are_documented():
    said = re.search(r"Global options.*?\n\n", doc("cli.md"), re.S)[0]
    top = usage().split("{")[0]
    assert options(said) == options(top)


def test_the_exit_codes_are_the_clis():
    documented = {int(row[0]) for row in table(doc("cli.md"), "| code | class |")}
    constants = {value for name, value in vars(cli).items() if name.startswith("EXIT_")}
    assert documented == constants | {0}


def test_every_environment_variable_is_read_by_the_code_and_documented():
    read = set()
    for path in (ROOT / "generator").rglob("*.py"):
        read |= set(re.findall(r"[\"'](GALLERY_[A-Z0-9_]+)[\"']", path.read_text()))
    documented = set().union(*(code_names(r[0]) for r in table(doc("cli.md"), "| variable |")))
    assert read <= documented, f"undocumented: {read - documented}"
    named = set().union(*(re.findall(r"GALLERY_[A-Z0-9_]+", text) for text in DOCS.values()))
    assert named <= read, f"the docs name variables the code never reads: {named - read}"


def test_the_make_targets_and_variables_are_the_makefiles():
    makefile = (ROOT / "Makefile").read_text()
    phony = set(re.search(r"^\.PHONY: (.+)$", makefile, re.M)[1].split())
    rows = {re.fullmatch(r"`make ([a-z-]+)`", r[0])[1] for r in table(doc("cli.md"), "| target |")}
    assert rows == phony
    named = set().union(*(re.findall(r"`make ([a-z][a-z-]*)", text) for text in DOCS.values()))
    assert named <= phony, f"no such target: {named - phony}"
    variables = set(re.findall(r"^([A-Z]+)\s*\?=", makefile, re.M))
    used = set().union(*(re.findall(r"`make (?:[a-z-]+ )?([A-Z]+)=", text) for text in DOCS.values()))
    assert used <= variables and all(f"`{v}=" in doc("cli.md") or f" {v}=" in doc("cli.md") for v in variables)


# ---- recipes ----


def test_the_recipe_key_tables_are_the_schemas():
    from generator.recipes.schema import BOOK_KEYS, COMMON, SECTION_KEYS, SITE_KEYS

    site, book, section, figure = (
        set().union(*(code_names(r[0]) for r in t)) for t in tables(doc("recipes.md"), "| key | meaning |")
    )
    assert site == set(SITE_KEYS) and book == set(BOOK_KEYS) and section == set(SECTION_KEYS)
    inputs = {i for m in cli_modes().values() for i in (*m.inputs, *m.optional_inputs)}
    assert set(COMMON) <= figure and figure - set(COMMON) == inputs


def cli_modes():
    from generator.modes import MODES

    return MODES


def test_the_stated_limits_are_the_codes():
    from generator.images import BUILTIN, DOWNLOAD_SECONDS, MAX_INPUT_BYTES, MAX_PIXELS
    from generator.models.registry import MODEL_IDS
    from generator.recipes.located_yaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
    from generator.recipes.schema import MAX_JOBS, MAX_SEEDS, RESERVED_SLUGS
    from tests.hostile.cases import CASES

    recipes = doc("recipes.md")
    for said in (
        f"at most {MAX_FILE_BYTES // 1024} KiB",
        f"nesting at most {MAX_DEPTH} levels",
        f"{MAX_NODES:,} values",
        f"at most {MAX_SEEDS:,} seeds and {MAX_JOBS:,} jobs",
        f"at most {MAX_SEEDS:,} per figure",
        f"{MAX_INPUT_BYTES // 2**20} MB and {MAX_PIXELS // 10**6} M pixels",
        f"capped at {MAX_INPUT_BYTES // 2**20} MB and {DOWNLOAD_SECONDS} s",
        f"holds {len(CASES)} malformed",
        " and ".join(f"`{s}`" for s in RESERVED_SLUGS) + " are reserved",
    ):
        assert said in recipes, said
    builtins = re.search(r"`\{builtin: NAME\}`.*?never downloaded: (.*?);", recipes, re.S)[1]
    assert re.split(r",\s*", builtins) == sorted(BUILTIN)
    models = next(r[1] for r in tables(recipes, "| key | meaning |")[1] if r[0] == "`model`")
    assert code_names(models) == MODEL_IDS - {"if-i-xl"} and "if-i-xl" in doc("deepfloyd.md")
    assert f"{cli.MAX_EVALS:,} model evaluations" in doc("cli.md")
    assert f"{len(CASES)} hostile projects" in doc("tests.md")


def yaml_examples() -> list[tuple[str, str, str]]:
    """(doc, file named in its first line, body) of every YAML example that says which file it comes from."""
    found = []
    for name, text in DOCS.items():
        for block in re.findall(r"^```yaml\n# (\S+)[^\n]*\n(.*?)^```", text, re.M | re.S):
            found.append((name, *block))
    return found


def meaningful(lines: str) -> list[str]:
    out = [re.sub(r"\s+#\s.*$", "", line).rstrip() for line in lines.splitlines()]
    return [line for line in out if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("name, path, body", yaml_examples())
def test_every_yaml_example_is_an_excerpt_of_its_file(name, path, body):
    file = next((f for f in (ROOT / path, ROOT / "generator" / "starter" / path) if f.is_file()), None)
    assert file, f"{name}: the example's file {path} does not exist"
    lines, real = meaningful(body), iter(meaningful(file.read_text()))
    missing = [line for line in lines if not any(line == r for r in real)]  # in order: a subsequence
    assert not missing, f"{name}: not in {path} (or out of order): {missing}"


# ---- paths, measurements, the folder map, screenshots ----

MADE_AT_RUN_TIME = ("public/", "hugo/", "store/", "tests/artifacts/", ".venv/")
TOP = {"generator", "bench", "tests", "docs", "recipes", "models", "site_templates", ".ci"}


def named_paths(text: str) -> set[str]:
    """Repository paths named in inline code: words with a '/' under a top-level folder (no placeholders)."""
    found = set()
    for span in re.findall(r"`([^`\n]+)`", prose(text)):
        for word in span.split():
            word = word.strip("(),;:").rstrip(".")
            if (
                re.fullmatch(r"[\w.\-/]+", word)
                and "/" in word
                and word.split("/")[0] in TOP
                and not word.startswith(MADE_AT_RUN_TIME)
            ):
                found.add(word.replace("generator/_shipped/", ""))
    return found


@pytest.mark.parametrize("name", sorted(DOCS))
def test_every_path_the_docs_name_exists(name):
    missing = [
        p
        for p in sorted(named_paths(DOCS[name]))
        if not (ROOT / p).exists() and not (ROOT / "generator" / "starter" / p).exists()
    ]
    assert not missing, f"{name} names paths that do not exist: {missing}"


def test_every_measurement_says_its_command_and_machine():
    rows = table(doc("measurements.md"), "| what | command | machine | result | target |")
    assert len(rows) >= 20
    for what, command, machine, result, _target in rows:
        assert "`" in command and machine and result, what


def test_the_folder_map_names_every_part_of_the_package():
    text = doc("architecture.md")
    for entry in sorted((ROOT / "generator").iterdir()):
        if entry.name.startswith(("_", ".")) and entry.name != "__init__.py":
            continue
        name = entry.name + ("/" if entry.is_dir() else "")
        assert f"`{entry.name}`" in text or f"`generator/{name}`" in text or f"`generator/{entry.name}`" in text, (
            f"docs/architecture.md's folder map does not name generator/{name}"
        )


def test_the_screenshots_are_used_small_and_at_laptop_and_phone_widths():
    shots = sorted((ROOT / "docs").glob("*.png"))
    assert shots
    for shot in shots:
        assert any(shot.name in text for text in DOCS.values()), f"{shot.name} is shown nowhere"
        assert shot.stat().st_size < 300_000, f"{shot.name} is {shot.stat().st_size:,} bytes"
        with Image.open(shot) as im:
            assert im.format == "PNG" and im.width in (1280, 390), (shot.name, im.width)
