"""Recipe validation: every error in every file, each with file:line:column, key path and expectation."""

from pathlib import Path

import pytest

import generator.modes  # noqa: F401  (registers the modes)
from generator.recipes import load_books


MODELS = {"digits", "deepfloyd-if"}
BOOK = "title: T\nmodel: digits\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "recipes" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "recipes"


def errors_of(tmp_path: Path, files: dict[str, str]) -> list[str]:
    books, errors = load_books(write(tmp_path, files), MODELS)
    return [str(e) for e in errors]


GOOD = """\
title: Forward
figures:
  - id: fwd
    mode: forward
    image: {builtin: astronaut}
    sweep: {t: [250, 500]}
    seeds: [1, 2]
"""


def test_a_good_recipe_loads_with_its_defaults(tmp_path):
    books, errors = load_books(
        write(tmp_path, {"b/book.yaml": BOOK + "defaults: {resize: crop}\n", "b/10-forward.yaml": GOOD}), MODELS
    )
    assert errors == []
    (figure,) = books[0].figures()
    assert (figure.id, figure.mode, figure.model, figure.resize) == ("fwd", "forward", "digits", "crop")
    assert figure.sweep == {"t": [250, 500]} and figure.seeds == [1, 2] and figure.pick == 1
    assert books[0].sections[0].slug == "forward" and books[0].sections[0].order == 10


@pytest.mark.parametrize(
    "figure, expected",
    [
        (
            "  - id: x\n    mode: forward\n    image: a.png\n    t: 1200\n",
            "a.yaml:6:5: figures[0].t: expected a value between 0 and 999, got 1200",
        ),
        (
            "  - id: x\n    mode: forward\n    image: a.png\n    t: 5\n    seeds: [-1]\n",
            "a.yaml:7:13: figures[0].seeds[0]: expected a value between 0 and 4294967295, got -1",
        ),
        (
            "  - id: x\n    mode: forward\n    image: a.png\n    t: 5\n    colour: red\n",
            "a.yaml:7:5: figures[0].colour: unknown key 'colour'",
        ),
        ("  - id: x\n    mode: fourier\n", "a.yaml:4:5: figures[0].mode: unknown mode 'fourier'; expected one of:"),
        (
            "  - id: x\n    mode: forward\n    image: a.png\n    t: '5'\n",
            "a.yaml:6:5: figures[0].t: expected an integer, got '5'",
        ),
        (
            "  - id: x\n    mode: blur_denoise\n    image: a.png\n    t: 5\n    sigma: lots\n",
            "a.yaml:7:5: figures[0].sigma: expected a number, got 'lots'",
        ),
        ("  - id: x\n    mode: forward\n    image: a.png\n", "a.yaml:3:5: figures[0]: missing required parameter 't'"),
        (
            "  - id: x\n    mode: forward\n    t: 5\n",
            "a.yaml:3:5: figures[0]: mode 'forward' needs an input image 'image'",
        ),
        (
            "  - id: x\n    mode: forward\n    image: a.png\n    t: 5\n    seeds: [1]\n    pick: 2\n",
            "a.yaml:8:5: figures[0].pick: pick 2 is not one of the seeds [1]",
        ),
        (
            "  - id: x\n    mode: forward\n    image: a.png\n    sweep: {t: [1, 2000]}\n",
            "a.yaml:6:20: figures[0].sweep.t[1]: expected a value between 0 and 999, got 2000",
        ),
        (
            "  - id: x\n    mode: forward\n    image: a.png\n    sweep: {kernel: [1]}\n    t: 1\n",
            "a.yaml:6:13: figures[0].sweep.kernel: cannot sweep 'kernel' in mode 'forward'",
        ),
        (
            "  - id: x\n    mode: forward\n    image: a.png\n    t: 5\n    prompts: [hello]\n",
            "a.yaml:7:5: figures[0].prompts: mode 'forward' takes exactly 0 prompt(s), got 1",
        ),
        (
            "  - id: x\n    mode: forward\n    image: a.png\n    t: 5\n    model: dalle\n",
            "a.yaml:7:5: figures[0].model: unknown model 'dalle'",
        ),
        (
            "  - id: Bad_Id\n    mode: forward\n    image: a.png\n    t: 5\n",
            "a.yaml:3:5: figures[0].id: expected an id of lowercase letters",
        ),
    ],
)
def test_each_mistake_is_reported_where_it_was_made(tmp_path, figure, expected):
    errors = errors_of(tmp_path, {"b/book.yaml": BOOK, "b/a.yaml": "title: A\nfigures:\n" + figure})
    assert any(e.startswith("recipes/b/" + expected) for e in errors), errors


def test_all_errors_of_all_files_come_at_once(tmp_path):
    bad = "title: A\nfigures:\n  - id: x\n    mode: forward\n    image: a.png\n    t: 1200\n    seeds: [-3]\n"
    errors = errors_of(
        tmp_path,
        {
            "b/book.yaml": BOOK,
            "b/a.yaml": bad,
            "b/c.yaml": bad.replace("x", "y"),
            "c/book.yaml": "title: C\nmodel: nope\n",
        },
    )
    assert len(errors) == 5, errors
    assert {e.split(":")[0] for e in errors} == {"recipes/b/a.yaml", "recipes/b/c.yaml", "recipes/c/book.yaml"}


def test_duplicate_figure_ids_across_files_name_the_first_place(tmp_path):
    fig = "title: A\nfigures:\n  - id: same\n    mode: forward\n    image: a.png\n    t: 1\n"
    errors = errors_of(tmp_path, {"b/book.yaml": BOOK, "b/a.yaml": fig, "b/b.yaml": fig})
    assert errors == [
        "recipes/b/b.yaml:3:5: figures[0].id: duplicate figure id 'same' (first used at "
        "recipes/b/a.yaml:3); ids must be unique within a book"
    ]


def test_yaml_syntax_errors_and_duplicate_keys_have_positions(tmp_path):
    errors = errors_of(
        tmp_path,
        {"b/book.yaml": BOOK, "b/a.yaml": "title: A\nfigures: [\n", "b/d.yaml": "title: A\ntitle: B\nfigures: []\n"},
    )
    assert any(e.startswith("recipes/b/a.yaml:3:1: YAML syntax") for e in errors), errors
    assert "recipes/b/d.yaml:2:1: title: duplicate key" in errors


def test_a_bad_default_is_reported_once_at_the_default(tmp_path):
    section = "title: A\ndefaults:\n  t: -4\nfigures:\n" + "".join(
        f"  - id: f{i}\n    mode: forward\n    image: a.png\n" for i in range(3)
    )
    errors = errors_of(tmp_path, {"b/book.yaml": BOOK, "b/a.yaml": section})
    assert errors[0] == "recipes/b/a.yaml:3:3: defaults.t: expected a value between 0 and 999, got -4"
    assert len([e for e in errors if "defaults.t" in e]) == 1


def test_yaml_is_loaded_safely(tmp_path):
    evil = "title: !!python/object/apply:os.system ['echo pwned']\nfigures: []\n"
    errors = errors_of(tmp_path, {"b/book.yaml": BOOK, "b/a.yaml": evil})
    assert any("unsupported YAML tag" in e for e in errors), errors


def test_a_bom_and_aliases_to_small_values_are_fine(tmp_path):
    section = "\ufefftitle: A\ndefaults: {seeds: &s [1, 2]}\nfigures:\n" + "".join(
        f"  - id: f{i}\n    mode: forward\n    image: a.png\n    t: &t{i} 5\n    seeds: *s\n" for i in range(2)
    )
    books, errors = load_books(write(tmp_path, {"b/book.yaml": BOOK, "b/a.yaml": section}), MODELS)
    assert errors == [] and [f.seeds for f in books[0].figures()] == [[1, 2], [1, 2]]


def test_a_folder_of_images_without_yaml_is_not_a_book(tmp_path):
    root = write(tmp_path, {"b/book.yaml": BOOK, "b/a.yaml": GOOD, "images/readme.txt": "pictures"})
    books, errors = load_books(root, MODELS)
    assert errors == [] and [b.slug for b in books] == ["b"]


def test_every_figure_key_keeps_where_it_was_written(tmp_path):
    books, _ = load_books(
        write(tmp_path, {"b/book.yaml": BOOK + "defaults: {resize: crop}\n", "b/10-forward.yaml": GOOD}), MODELS
    )
    (figure,) = books[0].figures()
    assert str(figure.error(("seeds", 1), "m")) == "recipes/b/10-forward.yaml:7:16: figures[0].seeds[1]: m"
    assert str(figure.error(("resize",), "m")) == "recipes/b/book.yaml:3:12: defaults.resize: m"
    assert str(figure.error(("t",), "m", {"t": 500})) == "recipes/b/10-forward.yaml:6:22: figures[0].sweep.t[1]: m"
    assert str(figure.error(("caption",), "m")) == "recipes/b/10-forward.yaml:3:5: figures[0]: m"


def test_hidden_files_are_ignored_and_a_missing_recipes_folder_is_an_error(tmp_path):
    root = write(tmp_path, {"b/book.yaml": BOOK, "b/a.yaml": GOOD, "b/.a.yaml.swp.yaml": "{{{"})
    assert load_books(root, MODELS)[1] == []
    assert [str(e) for e in load_books(tmp_path / "nowhere" / "recipes", MODELS)[1]] == [
        "recipes: missing: no recipes folder here; run from the project folder or pass --root"
    ]


# ---- modes that take no seed; inputs that say what they show ----

RECORD = '{"steps": 3, "epochs": 1, "wall_time_s": 1.0, "epoch_loss": [0.5], "step_loss": [1.0, 0.5, 0.25]}'


def test_a_mode_that_takes_no_seed_ignores_default_seeds_and_refuses_its_own(tmp_path):
    section = (
        "title: T\ndefaults: {seeds: [0, 1, 2]}\nfigures:\n  - id: loss\n    mode: loss_curve\n"
        "    record: r.json\n  - id: mine\n    mode: loss_curve\n    record: r.json\n    seeds: [4]\n"
        "    pick: 4\n"
    )
    root = write(tmp_path, {"b/book.yaml": BOOK, "b/10-a.yaml": section, "b/r.json": RECORD})
    books, errors = load_books(root, MODELS)
    assert [str(e) for e in errors] == [
        "recipes/b/10-a.yaml:10:5: figures[1].seeds: mode 'loss_curve' takes no seed (its picture is the same for "
        "every seed); remove 'seeds'",
        "recipes/b/10-a.yaml:11:5: figures[1].pick: mode 'loss_curve' takes no seed (its picture is the same for "
        "every seed); remove 'pick'",
    ]
    root = write(tmp_path, {"b/10-a.yaml": section.split("  - id: mine")[0]})
    (book,), errors = load_books(root, MODELS)
    assert errors == [] and [(f.seeds, f.pick) for f in book.figures()] == [([0], 0)]


def test_an_input_may_say_what_it_shows(tmp_path):
    from PIL import Image

    from generator.models.digits import digits_spec
    from generator.recipes.expand import expand_figure

    section = (
        "title: T\nfigures:\n  - id: f\n    mode: forward\n    t: 5\n"
        "    image: {path: a.png, alt: a grey square}\n  - id: g\n    mode: forward\n    t: 5\n"
        "    image: {path: a.png, alt: ''}\n"
    )
    root = write(tmp_path, {"b/book.yaml": BOOK, "b/10-a.yaml": section})
    Image.new("L", (8, 8), 128).save(root / "b" / "a.png")
    books, errors = load_books(root, MODELS)
    assert [str(e) for e in errors] == [
        "recipes/b/10-a.yaml:10:26: figures[1].image.alt: expected what the picture shows, in words (alt text), got ''"
    ]
    root = write(tmp_path, {"b/10-a.yaml": section.split("  - id: g")[0]})
    (book,), _ = load_books(root, MODELS)
    expanded, problems = expand_figure(book.figures()[0], digits_spec(), tmp_path, tmp_path / "downloads")
    (image,) = expanded.jobs[0].inputs
    assert problems == [] and image.alt == "a grey square" and image.source == "a.png"
    plain = section.split("  - id: g")[0].replace("{path: a.png, alt: a grey square}", "a.png")
    (book,), _ = load_books(write(tmp_path, {"b/10-a.yaml": plain}), MODELS)
    again, _ = expand_figure(book.figures()[0], digits_spec(), tmp_path, tmp_path / "downloads")
    assert again.jobs[0].key == expanded.jobs[0].key  # what the picture shows is not in the key
