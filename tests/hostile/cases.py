"""The hostile-recipe corpus: each case is a small change to the valid base project (tests/hostile/project.py)
and a fragment the one-line error must contain. Every case must exit 2 before any work or write.

A case is (name, files, expected, positioned): `files` maps project paths to new content (see project.apply);
`positioned` says the message carries `file:line:column:` (False only where no position exists: a missing file
or folder). Figures written with `fig(...)` sit in recipes/b/20-c.yaml, whose line 4 is the figure's first key.
"""

from __future__ import annotations

import json
from typing import Any

from tests.hostile.project import Fifo, Folder, Link


SEC = "recipes/b/20-c.yaml"
IMG = "image: ../images/x.png\n"
FWD = "mode: forward\n" + IMG  # lines 4-5; line 6 is the next key
CFG = "mode: cfg\nprompts: ['3']\n"  # lines 4-5
INP = "mode: inpaint\n" + IMG + "prompts: ['3']\n"  # lines 4-6; line 7 is the next key
BLUR = "mode: blur_denoise\n" + IMG + "t: 300\n"  # lines 4-6
SHA = "ab" * 32
EVAL = json.dumps(
    {
        "classifier_test_accuracy": 0.98,
        "unconditional": {"shares": {"0": 1.0}, "all_present": True, "max_share": 0.1},
        "cfg": {"accuracy": 0.9, "samples": 10, "guidance": 4.0, "per_digit": {"0": 1}},
        "anagrams": [{"prompts": ["6", "9"], "view": "flip", "both": 0.5}],
    }
)
LAUGHS = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))


def fig(body: str, figure_id: str = "c", title: str = "C") -> dict[str, Any]:
    """A section file holding one figure whose keys are `body` (one key per line)."""
    lines = "".join(f"    {line}\n" for line in body.rstrip("\n").split("\n"))
    return {SEC: f"title: {title}\nfigures:\n  - id: {figure_id}\n{lines}"}


def raw(text: str | bytes, path: str = SEC) -> dict[str, Any]:
    return {path: text}


def case(name: str, files: dict[str, Any], expected: str, positioned: bool = True) -> tuple:
    return (name, files, expected, positioned)


YAML_SYNTAX = [
    case("unclosed-flow", raw("title: C\nfigures: [\n"), "20-c.yaml:3:1: YAML syntax"),
    case("bad-indent", raw("title: C\nfigures:\n  - id: c\n   mode: forward\n"), "20-c.yaml:4:4: YAML syntax"),
    case("tab-indent", raw("title: C\nfigures:\n\t- id: c\n"), "20-c.yaml:3:1: YAML syntax"),
    case("duplicate-key", raw("title: C\ntitle: D\nfigures: []\n"), "20-c.yaml:2:1: title: duplicate key"),
    case("duplicate-figure-key", fig(FWD + "t: 1\nt: 2"), "20-c.yaml:7:5: figures[0].t: duplicate key"),
    case("unterminated-quote", raw("title: 'C\nfigures: []\n"), "20-c.yaml:3:1: YAML syntax"),
    case("mapping-in-scalar", raw("title: a: b\nfigures: []\n"), "20-c.yaml:1:9: YAML syntax"),
    case("two-documents", raw("title: C\nfigures: []\n---\ntitle: D\n"), "20-c.yaml:3:1: YAML syntax"),
    case("undefined-alias", raw("title: *nope\nfigures: []\n"), "20-c.yaml:1:8: YAML syntax"),
    case("python-tag", raw("title: !!python/object/apply:os.system [ls]\nfigures: []\n"), "unsupported YAML tag"),
    case("binary-tag", raw("title: !!binary aGk=\nfigures: []\n"), "20-c.yaml:1:8: title: unsupported YAML tag"),
    case("set-tag", raw("title: C\nfigures: !!set {a, b}\n"), "20-c.yaml:2:10: figures: unsupported YAML tag"),
    case("custom-tag", raw("title: !mine C\nfigures: []\n"), "20-c.yaml:1:8: title: unsupported YAML tag"),
    case("empty-file", raw(""), "20-c.yaml:1:1: expected a mapping for a section, got nothing"),
    case("comment-only", raw("# nothing\n"), "20-c.yaml:1:1: expected a mapping for a section, got nothing"),
    case("scalar-document", raw("just words\n"), "20-c.yaml:1:1: expected a mapping for a section, got a "),
    case("list-document", raw("- a\n- b\n"), "20-c.yaml:1:1: expected a mapping for a section, got a "),
    case("figures-mapping", raw("title: C\nfigures: {id: c}\n"), "20-c.yaml:2:1: figures: expected a list"),
    case("figure-scalar", raw("title: C\nfigures: [forward]\n"), "20-c.yaml:2:11: figures[0]: expected a figure"),
    case("reserved-indicator", raw("title: @c\nfigures: []\n"), "20-c.yaml:1:8: YAML syntax"),
    case("yaml-directive", raw("%YAML 2.0\n---\ntitle: C\nfigures: []\n"), "YAML syntax"),
    case("complex-key", raw("title: C\n? [a, b]\n: 1\nfigures: []\n"), "20-c.yaml:2:3: keys must be plain strings"),
    case("int-key", raw("title: C\n1: x\nfigures: []\n"), "20-c.yaml:2:1: keys must be plain strings"),
    case("null-key", raw("title: C\n~: x\nfigures: []\n"), "20-c.yaml:2:1: keys must be plain strings"),
    case("book-syntax", raw("title: [B\n", "recipes/b/book.yaml"), "recipes/b/book.yaml:2:1: YAML syntax"),
    case("site-syntax", raw("title: {\n", "recipes/site.yaml"), "recipes/site.yaml:2:1: YAML syntax"),
]

ENCODINGS = [
    case("latin-1", raw(b"title: caf\xe9\nfigures: []\n"), "20-c.yaml:1:11: not UTF-8 (byte 0xe9)"),
    case("latin-1-book", raw(b"title: B\xe4r\nmodel: digits\n", "recipes/b/book.yaml"), "book.yaml:1:9: not UTF-8"),
    case("latin-1-site", raw(b"title: \xff\n", "recipes/site.yaml"), "recipes/site.yaml:1:8: not UTF-8"),
    case("utf-16", raw("title: C\nfigures: []\n".encode("utf-16")), "20-c.yaml:1:1: not UTF-8 (byte 0xff)"),
    case("nul-byte", raw(b"title: C\x00\nfigures: []\n"), "20-c.yaml:1:9: control character U+0000"),
    case("soh-byte", raw(b"title: C\nfigures: []\x01\n"), "20-c.yaml:2:12: control character U+0001"),
    case("escape-byte", raw(b"title: \x1b[31mC\nfigures: []\n"), "20-c.yaml:1:8: control character U+001B"),
    case("del-byte", raw(b"title: C\x7f\nfigures: []\n"), "20-c.yaml:1:9: control character U+007F"),
    case("escaped-control", raw('title: "C\\x01"\nfigures: []\n'), "20-c.yaml:1:8: title: control character"),
    case(
        "escaped-nul-path",
        fig('mode: forward\nimage: "x\\0.png"\nt: 5'),
        "20-c.yaml:5:12: figures[0].image: control character",
    ),
    case("lone-surrogate", raw('title: "\\ud800"\nfigures: []\n'), "20-c.yaml:1:8: title: control character"),
    case("bom-then-latin-1", raw(b"\xef\xbb\xbftitle: \xe9\nfigures: []\n"), "20-c.yaml:1:8: not UTF-8"),
    case("bom-then-error", raw("\ufefftitle: C\nfigures: []\ncolour: red\n"), "20-c.yaml:3:1: colour: unknown key"),
]

BOMBS = [
    case("billion-laughs", raw("l0: &l0 lol\n" + LAUGHS + "title: C\nfigures: []\n"), "expands to more than"),
    case(
        "billion-laughs-book",
        raw("title: B\nmodel: digits\nl0: &l0 lol\n" + LAUGHS, "recipes/b/book.yaml"),
        "book.yaml:1:1: the document expands to more than",
    ),
    case("laughs-in-sweep", raw("l0: &l0 1\n" + LAUGHS + fig(FWD + "sweep: {t: *l8}")[SEC]), "expands to more"),
    case("recursive-alias", raw("title: C\nfigures: &f [*f]\n"), "20-c.yaml:2:10: figures[0]: nesting deeper than 64"),
    case(
        "deep-flow",
        raw("title: C\nfigures: " + "[" * 900 + "]" * 900 + "\n"),
        "20-c.yaml:2:73: YAML syntax: nesting deeper than 64",
    ),
    case(
        "deep-block",
        raw("title: C\n" + "".join(" " * i + f"k{i}:\n" for i in range(100))),
        "YAML syntax: nesting deeper than 64",
    ),
    case(
        "deep-json-style",
        raw("title: C\nfigures: []\nx: " + '{"a": ' * 70 + "1" + "}" * 70 + "\n"),
        "nesting deeper than 64",
    ),
    case(
        "alias-depth-chain",
        raw("title: C\nfigures: []\na0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 80))),
        "nesting deeper than 64",
    ),
    case(
        "huge-file",
        raw("title: C\nfigures: []\n" + "# padding\n" * 30_000),
        "20-c.yaml:1:1: cannot read the file: .* more than the limit",
    ),
    case(
        "many-seeds-file",
        fig(FWD + "t: 5\nseeds: [" + ", ".join(map(str, range(100_000))) + "]"),
        "more than the limit of 262,144",
    ),
]

TYPES = [
    case("mode-list", fig("mode: [forward]\n" + IMG + "t: 5"), "20-c.yaml:4:5: figures[0].mode: expected a mode name"),
    case("mode-map", fig("mode: {a: b}\n" + IMG + "t: 5"), "20-c.yaml:4:5: figures[0].mode: expected a mode name"),
    case("mode-int", fig("mode: 5\n" + IMG + "t: 5"), "20-c.yaml:4:5: figures[0].mode: expected a mode name"),
    case("mode-unknown", fig("mode: fourier\n" + IMG), "20-c.yaml:4:5: figures[0].mode: unknown mode 'fourier'"),
    case("mode-missing", fig(IMG + "t: 5"), "20-c.yaml:3:5: figures[0]: missing required key 'mode'"),
    case("model-list", fig(FWD + "t: 5\nmodel: [digits]"), "20-c.yaml:7:5: figures[0].model: expected a string"),
    case("model-unknown", fig(FWD + "t: 5\nmodel: dalle"), "20-c.yaml:7:5: figures[0].model: unknown model"),
    case(
        "book-model-list",
        raw("title: B\nmodel: [digits]\n", "recipes/b/book.yaml"),
        "book.yaml:2:1: model: expected a string",
    ),
    case("book-model-missing", raw("title: B\n", "recipes/b/book.yaml"), "book.yaml:1:1: missing required key"),
    case(
        "book-title-list",
        raw("title: [B]\nmodel: digits\n", "recipes/b/book.yaml"),
        "book.yaml:1:1: title: expected a string",
    ),
    case(
        "book-order-string",
        raw("title: B\nmodel: digits\norder: first\n", "recipes/b/book.yaml"),
        "book.yaml:3:1: order: expected an integer",
    ),
    case(
        "book-unknown-key",
        raw("title: B\nmodel: digits\nmodle: x\n", "recipes/b/book.yaml"),
        "book.yaml:3:1: modle: unknown key 'modle'",
    ),
    case(
        "book-date-invalid",
        raw("title: B\nmodel: digits\ndate: 2026-13-45\n", "recipes/b/book.yaml"),
        "book.yaml:3:7: date: '2026-13-45' is not a valid timestamp",
    ),
    case(
        "book-date-feb-30",
        raw("title: B\nmodel: digits\ndate: 2026-02-30\n", "recipes/b/book.yaml"),
        "book.yaml:3:7: date: '2026-02-30' is not a valid timestamp",
    ),
    case(
        "book-date-words",
        raw("title: B\nmodel: digits\ndate: yesterday\n", "recipes/b/book.yaml"),
        "book.yaml:3:1: date: expected a date written YYYY-MM-DD",
    ),
    case(
        "book-tags-ints",
        raw("title: B\nmodel: digits\ntags: [1, 2]\n", "recipes/b/book.yaml"),
        "book.yaml:3:8: tags[0]: expected a string",
    ),
    case(
        "book-defaults-list",
        raw("title: B\nmodel: digits\ndefaults: [1]\n", "recipes/b/book.yaml"),
        "book.yaml:3:1: defaults: expected a mapping",
    ),
    case(
        "book-defaults-unknown",
        raw("title: B\nmodel: digits\ndefaults: {colour: red}\n", "recipes/b/book.yaml"),
        "book.yaml:3:12: defaults.colour: unknown key",
    ),
    case(
        "site-title-list", raw("title: [a]\n", "recipes/site.yaml"), "recipes/site.yaml:1:1: title: expected a string"
    ),
    case(
        "site-unknown-key",
        raw("title: S\ntheme: dark\n", "recipes/site.yaml"),
        "recipes/site.yaml:2:1: theme: unknown key 'theme'",
    ),
    case("site-list", raw("- a\n", "recipes/site.yaml"), "recipes/site.yaml:1:1: expected a mapping"),
    case("section-title-list", raw("title: [C]\nfigures: []\n"), "20-c.yaml:1:1: title: expected a string"),
    case("section-missing-figures", raw("title: C\n"), "20-c.yaml:1:1: missing required key 'figures'"),
    case(
        "section-unknown-key",
        raw("title: C\nfigures: []\nfigure: []\n"),
        "20-c.yaml:3:1: figure: unknown key 'figure'",
    ),
    case(
        "id-int",
        raw("title: C\nfigures:\n  - id: 5\n    " + FWD.replace("\n", "\n    ") + "t: 5\n"),
        "20-c.yaml:3:5: figures[0].id: expected an id",
    ),
    case(
        "id-list",
        raw("title: C\nfigures:\n  - id: [x]\n    mode: forward\n    " + IMG + "    t: 5\n"),
        "20-c.yaml:3:5: figures[0].id: expected an id",
    ),
    case(
        "id-missing",
        raw("title: C\nfigures:\n  - mode: forward\n    " + IMG + "    t: 5\n"),
        "20-c.yaml:3:5: figures[0]: missing required key 'id'",
    ),
    case("t-string", fig(FWD + "t: '5'"), "20-c.yaml:6:5: figures[0].t: expected an integer, got '5'"),
    case("t-bool", fig(FWD + "t: true"), "20-c.yaml:6:5: figures[0].t: expected an integer, got True"),
    case("t-float", fig(FWD + "t: 5.5"), "20-c.yaml:6:5: figures[0].t: expected an integer, got 5.5"),
    case("t-null", fig(FWD + "t: null"), "20-c.yaml:6:5: figures[0].t: expected an integer, got None"),
    case("guidance-string", fig(CFG + "guidance: high"), "20-c.yaml:6:5: figures[0].guidance: expected a number"),
    case("seeds-scalar", fig(FWD + "t: 5\nseeds: 5"), "20-c.yaml:7:5: figures[0].seeds: expected a list"),
    case("seeds-strings", fig(FWD + "t: 5\nseeds: [a]"), "20-c.yaml:7:13: figures[0].seeds[0]: expected an integer"),
    case("seeds-empty", fig(FWD + "t: 5\nseeds: []"), "20-c.yaml:7:5: figures[0].seeds: expected at least one seed"),
    case("prompts-string", fig("mode: cfg\nprompts: '3'"), "20-c.yaml:5:5: figures[0].prompts: expected a list"),
    case("prompts-int", fig("mode: cfg\nprompts: [3]"), "20-c.yaml:5:15: figures[0].prompts[0]: expected a string"),
    case("sweep-list", fig(FWD + "sweep: [t]"), "20-c.yaml:6:5: figures[0].sweep: expected a mapping"),
    case(
        "sweep-scalar-values",
        fig(FWD + "sweep: {t: 5}"),
        "20-c.yaml:6:13: figures[0].sweep.t: expected a non-empty list",
    ),
    case(
        "sweep-empty-values",
        fig(FWD + "sweep: {t: []}"),
        "20-c.yaml:6:13: figures[0].sweep.t: expected a non-empty list",
    ),
    case(
        "image-int",
        fig("mode: forward\nimage: 5\nt: 5"),
        "20-c.yaml:5:5: figures[0].image: expected a string or a mapping",
    ),
    case("image-list", fig("mode: forward\nimage: [a.png]\nt: 5"), "20-c.yaml:5:5: figures[0].image: expected"),
    case(
        "resize-unknown",
        fig(FWD + "t: 5\nresize: stretch"),
        "20-c.yaml:7:5: figures[0].resize: expected one of squash, crop",
    ),
    case(
        "upsample-string", fig(CFG + "upsample: 'yes'"), "20-c.yaml:6:5: figures[0].upsample: expected true or false"
    ),
    case(
        "thresholding-unknown",
        fig(CFG + "thresholding: soft"),
        "20-c.yaml:6:5: figures[0].thresholding: expected one of",
    ),
    case("unknown-param", fig(FWD + "t: 5\ncolour: red"), "20-c.yaml:7:5: figures[0].colour: unknown key 'colour'"),
    case("param-of-other-mode", fig(FWD + "t: 5\nguidance: 4"), "20-c.yaml:7:5: figures[0].guidance: unknown key"),
    case(
        "section-defaults-bad",
        raw("title: C\ndefaults: {t: x}\nfigures: []\n"),
        "20-c.yaml:2:12: defaults.t: expected an integer",
    ),
    case(
        "section-order-float", raw("title: C\norder: 1.5\nfigures: []\n"), "20-c.yaml:2:1: order: expected an integer"
    ),
]

RANGES = [
    case(
        "guidance-nan",
        fig(CFG + "guidance: .nan"),
        "20-c.yaml:6:15: figures[0].guidance: expected a finite number, got '.nan'",
    ),
    case("guidance-inf", fig(CFG + "guidance: .inf"), "20-c.yaml:6:15: figures[0].guidance: expected a finite"),
    case("guidance-minus-inf", fig(CFG + "guidance: -.Inf"), "20-c.yaml:6:15: figures[0].guidance: expected a finite"),
    case(
        "guidance-overflow", fig(CFG + "guidance: 1.0e+400"), "20-c.yaml:6:15: figures[0].guidance: expected a finite"
    ),
    case(
        "guidance-too-big",
        fig(CFG + "guidance: 51"),
        "20-c.yaml:6:5: figures[0].guidance: expected a value between 0.0 and 50.0",
    ),
    case("guidance-negative", fig(CFG + "guidance: -1"), "20-c.yaml:6:5: figures[0].guidance: expected a value"),
    case("sigma-nan", fig(BLUR + "sigma: .NaN"), "20-c.yaml:7:12: figures[0].sigma: expected a finite number"),
    case("sigma-zero", fig(BLUR + "sigma: 0"), "20-c.yaml:7:5: figures[0].sigma: expected a value between 0.1"),
    case(
        "search-sigma-nan",
        fig(BLUR + "search_sigma: [1, .nan]"),
        "20-c.yaml:7:23: figures[0].search_sigma[1]: expected a finite",
    ),
    case(
        "t-2-70",
        fig(FWD + "t: 1180591620717411303424"),
        "20-c.yaml:6:8: figures[0].t: integer 1180591620717411303424 is out of range",
    ),
    case("t-negative", fig(FWD + "t: -1"), "20-c.yaml:6:5: figures[0].t: expected a value between 0 and 999"),
    case("t-1000", fig(FWD + "t: 1000"), "20-c.yaml:6:5: figures[0].t: expected a value between 0 and 999"),
    case("t-hex-huge", fig(FWD + "t: 0xffffffffffffffffff"), "20-c.yaml:6:8: figures[0].t: integer"),
    case(
        "sweep-t-out",
        fig(FWD + "sweep: {t: [1, 2000]}"),
        "20-c.yaml:6:20: figures[0].sweep.t[1]: expected a value between 0 and 999",
    ),
    case(
        "seed-2-64", fig(FWD + "t: 5\nseeds: [18446744073709551616]"), "20-c.yaml:7:13: figures[0].seeds[0]: integer"
    ),
    case(
        "seed-2-63-minus-1",
        fig(FWD + "t: 5\nseeds: [9223372036854775807]"),
        "20-c.yaml:7:13: figures[0].seeds[0]: expected a value between 0 and 4294967295",
    ),
    case(
        "seed-2-32",
        fig(FWD + "t: 5\nseeds: [4294967296]"),
        "figures[0].seeds[0]: expected a value between 0 and 4294967295",
    ),
    case("seed-negative", fig(FWD + "t: 5\nseeds: [-1]"), "20-c.yaml:7:13: figures[0].seeds[0]: expected a value"),
    case("seeds-repeat", fig(FWD + "t: 5\nseeds: [1, 1]"), "20-c.yaml:7:5: figures[0].seeds: seeds repeat: [1]"),
    case("pick-2-70", fig(FWD + "t: 5\npick: 1180591620717411303424"), "20-c.yaml:7:11: figures[0].pick: integer"),
    case("pick-not-a-seed", fig(FWD + "t: 5\nseeds: [1]\npick: 2"), "20-c.yaml:8:5: figures[0].pick: pick 2 is not"),
    case(
        "i-start-huge",
        fig("mode: sdedit\n" + IMG + "prompts: ['3']\ni_start: 2000"),
        "20-c.yaml:7:5: figures[0].i_start: expected a value",
    ),
    case(
        "noise-level-negative", fig(CFG + "noise_level: -5"), "20-c.yaml:6:5: figures[0].noise_level: expected a value"
    ),
    case(
        "kernel-zero",
        fig(BLUR + "kernel_size: 0"),
        "20-c.yaml:7:5: figures[0].kernel_size: expected a value between 1 and 65",
    ),
    case("kernel-66", fig(BLUR + "kernel_size: 66"), "20-c.yaml:7:5: figures[0].kernel_size: expected a value"),
    case(
        "show-every-zero",
        fig("mode: iterative\n" + IMG + "prompts: ['3']\nshow_every: 0"),
        "20-c.yaml:7:5: figures[0].show_every",
    ),
    case("order-2-70", raw("title: C\norder: 1180591620717411303424\nfigures: []\n"), "20-c.yaml:2:8: order: integer"),
    case(
        "steps-not-decreasing",
        fig(CFG + "steps: [5, 10]"),
        "20-c.yaml:6:5: figures[0].steps: steps [5, 10]: timesteps must be strictly decreasing",
    ),
    case(
        "steps-1000",
        fig(CFG + "steps: [1000, 0]"),
        "20-c.yaml:6:13: figures[0].steps[0]: expected a value between 0 and 999",
    ),
    case(
        "steps-empty",
        fig(CFG + "steps: []"),
        "20-c.yaml:6:5: figures[0].steps: steps: the explicit timestep list is empty",
    ),
    case(
        "steps-strided-0",
        fig(CFG + "steps: strided-0"),
        "20-c.yaml:6:5: figures[0].steps: steps 'strided-0': the stride must be",
    ),
    case("steps-words", fig(CFG + "steps: wiggly"), "20-c.yaml:6:5: figures[0].steps: steps 'wiggly' not understood"),
    case(
        "steps-swept-bad",
        fig(CFG + "sweep: {steps: [strided-30, strided-0]}"),
        "20-c.yaml:6:33: figures[0].sweep.steps[1]: steps 'strided-0'",
    ),
    case(
        "steps-nan-item",
        fig(CFG + "steps: [990, .nan]"),
        "20-c.yaml:6:18: figures[0].steps[1]: expected a finite number",
    ),
    case(
        "view-seed-negative",
        fig("mode: anagram\nprompts: ['6', '9']\nview_seed: -1"),
        "20-c.yaml:6:5: figures[0].view_seed",
    ),
]

MODE_PARAMETERS = [
    case(
        "rect-inverted",
        fig(INP + "rect: [20, 20, 10, 10]"),
        "20-c.yaml:7:5: figures[0].rect: rect [20, 20, 10, 10] must be [top, left, bottom, right]",
    ),
    case(
        "rect-out-of-bounds",
        fig(INP + "rect: [0, 0, 33, 16]"),
        "20-c.yaml:7:5: figures[0].rect: rect [0, 0, 33, 16] must be",
    ),
    case("rect-three-items", fig(INP + "rect: [0, 0, 10]"), "20-c.yaml:7:5: figures[0].rect: rect [0, 0, 10]"),
    case("rect-five-items", fig(INP + "rect: [0, 0, 10, 10, 1]"), "20-c.yaml:7:5: figures[0].rect: rect"),
    case("rect-negative", fig(INP + "rect: [-1, 0, 10, 10]"), "20-c.yaml:7:12: figures[0].rect[0]: expected a value"),
    case("rect-empty-box", fig(INP + "rect: [5, 5, 5, 10]"), "20-c.yaml:7:5: figures[0].rect: rect [5, 5, 5, 10]"),
    case(
        "rect-and-mask",
        fig(INP + "rect: [0, 0, 10, 10]\nmask: ../images/mask.png"),
        "20-c.yaml:7:5: figures[0].rect: give the hole either",
    ),
    case("rect-nor-mask", fig(INP), "20-c.yaml:3:5: figures[0]: give the hole either as a `mask` image"),
    case(
        "rect-from-defaults",
        {SEC: "title: C\ndefaults: {rect: [30, 0, 10, 10]}\nfigures:\n  - id: c\n    " + INP.replace("\n", "\n    ")},
        "20-c.yaml:2:12: defaults.rect: rect [30, 0, 10",
    ),
    case(
        "blur-kernel-65-on-32",
        fig(BLUR + "kernel_size: 65"),
        "20-c.yaml:7:5: figures[0].kernel_size: kernel_size 65 is too wide for the model's 32×32 images",
    ),
    case(
        "iterative-blur-kernel-65",
        fig("mode: iterative\n" + IMG + "prompts: ['3']\nblur_kernel: 64"),
        "20-c.yaml:7:5: figures[0].blur_kernel: kernel_size 65 is too wide",
    ),
    case(
        "hybrid-kernel-65",
        fig("mode: hybrid\nprompts: ['0', '8']\nkernel_size: 65"),
        "20-c.yaml:6:5: figures[0].kernel_size: kernel_size 65",
    ),
    case(
        "i-start-past-steps",
        fig("mode: sdedit\n" + IMG + "prompts: ['3']\nsteps: strided-500\ni_start: 5"),
        "20-c.yaml:8:5: figures[0].i_start: i_start 5 is past the end of the 2 timesteps",
    ),
    case(
        "i-start-swept-past",
        fig("mode: sdedit\n" + IMG + "prompts: ['3']\nsteps: strided-500\nsweep: {i_start: [1, 9]}"),
        "20-c.yaml:8:26: figures[0].sweep.i_start[1]: i_start 9 is past",
    ),
    case(
        "upsample-on-digits",
        fig(CFG + "upsample: true"),
        "20-c.yaml:6:5: figures[0].upsample: upsample is on, but model 'digits' has no stage II",
    ),
    case(
        "anagram-unknown-view",
        fig("mode: anagram\nprompts: ['6', '9']\nviews: [identity, spin]"),
        "20-c.yaml:6:5: figures[0].views: mode 'anagram': unknown view(s) ['spin']",
    ),
    case(
        "anagram-views-prompts",
        fig("mode: anagram\nprompts: ['6', '9', '1']\nviews: [identity, flip]"),
        "20-c.yaml:5:5: figures[0].prompts:",
    ),
    case(
        "anagram-one-prompt",
        fig("mode: anagram\nprompts: ['6']"),
        "20-c.yaml:5:5: figures[0].prompts: mode 'anagram' takes between 2 and 6",
    ),
    case(
        "cfg-two-prompts",
        fig("mode: cfg\nprompts: ['1', '2']"),
        "20-c.yaml:5:5: figures[0].prompts: mode 'cfg' takes exactly 1 prompt(s), got 2",
    ),
    case("cfg-no-prompts", fig("mode: cfg"), "20-c.yaml:3:5: figures[0]: mode 'cfg' takes exactly 1"),
    case("digits-unknown-prompt", fig("mode: cfg\nprompts: ['a cat']"), "20-c.yaml:5:5: figures[0].prompts:"),
    case("digits-unknown-uncond", fig(CFG + "uncond: 'a dog'"), "20-c.yaml:6:5: figures[0].uncond:"),
    case("t-missing", fig(FWD), "20-c.yaml:3:5: figures[0]: missing required parameter 't'"),
    case(
        "image-missing",
        fig("mode: forward\nt: 5"),
        "20-c.yaml:3:5: figures[0]: mode 'forward' needs an input image 'image'",
    ),
    case(
        "sweep-not-sweepable",
        fig(BLUR + "sweep: {kernel_size: [3, 5]}"),
        "20-c.yaml:7:13: figures[0].sweep.kernel_size: cannot sweep",
    ),
    case(
        "sweep-unknown",
        fig(FWD + "sweep: {colour: [1]}"),
        "20-c.yaml:6:13: figures[0].sweep.colour: cannot sweep 'colour'",
    ),
    case(
        "sweep-prompts-count",
        fig("mode: cfg\nsweep: {prompts: [['1'], ['1', '2']]}"),
        "20-c.yaml:5:30: figures[0].sweep.prompts[1]",
    ),
    case(
        "sweep-prompts-forward",
        fig(FWD + "t: 5\nsweep: {prompts: [['1']]}"),
        "figures[0].sweep.prompts: cannot sweep 'prompts'",
    ),
    case(
        "prompts-on-forward",
        fig(FWD + "t: 5\nprompts: [hello]"),
        "20-c.yaml:7:5: figures[0].prompts: mode 'forward' takes exactly 0",
    ),
]

FILES = [
    case("section-fifo", {SEC: Fifo}, "20-c.yaml:1:1: cannot read the file: .* not a regular file"),
    case(
        "book-fifo",
        {"recipes/b/book.yaml": Fifo},
        "recipes/b/book.yaml:1:1: cannot read the file: .* not a regular file",
    ),
    case("site-fifo", {"recipes/site.yaml": Fifo}, "recipes/site.yaml:1:1: cannot read the file: .* not a regular"),
    case(
        "folder-of-fifo",
        {"recipes/x/10-a.yaml": Fifo},
        "recipes/x/book.yaml: missing: the folder holds 10-a.yaml",
        False,
    ),
    case(
        "book-folder", {"recipes/b/book.yaml": Folder}, "recipes/b/book.yaml:1:1: cannot read the file: .* is a folder"
    ),
    case(
        "book-symlink-out",
        {"recipes/b/book.yaml": Link("/etc/hostname")},
        "recipes/b/book.yaml:1:1: cannot read the file: .* outside the project",
    ),
    case("section-symlink-loop", {SEC: Link("20-c.yaml")}, "20-c.yaml:1:1: cannot read the file: "),
    case(
        "site-symlink-out",
        {"recipes/site.yaml": Link("/etc/passwd")},
        "recipes/site.yaml:1:1: cannot read the file: .* outside the project",
    ),
    case(
        "section-dev-zero",
        {SEC: Link("/dev/zero")},
        "20-c.yaml:1:1: cannot read the file: .* links to /dev/zero, outside the project",
    ),
    case(
        "section-link-to-fifo",
        {"recipes/b/pipe": Fifo, SEC: Link("pipe")},
        "20-c.yaml:1:1: cannot read the file: .* not a regular file",
    ),
    case("section-folder", {"recipes/b/20-c.yaml/x": "a"}, "20-c.yaml:1:1: cannot read the file: .* is a folder"),
    case("site-missing", {"recipes/site.yaml": None}, "recipes/site.yaml:1:1: cannot read the file: recipe not found"),
    case(
        "book-yml",
        {"recipes/b/book.yaml": None, "recipes/b/book.yml": "title: B\nmodel: digits\n"},
        "recipes/b/book.yaml: missing: the folder holds 10-s.yaml, book.yml but no book.yaml; rename book.yml to "
        "book.yaml",
        False,
    ),
    case(
        "book-yaml-missing",
        {"recipes/b/book.yaml": None},
        "recipes/b/book.yaml: missing: the folder holds 10-s.yaml but no book.yaml; add a book.yaml",
        False,
    ),
    case(
        "section-yml",
        {"recipes/b/20-c.yml": "title: C\nfigures: []\n"},
        "recipes/b/20-c.yml:1:1: not read: rename 20-c.yml to 20-c.yaml",
    ),
    case(
        "section-upper-yaml",
        {"recipes/b/20-c.YAML": "title: C\nfigures: []\n"},
        "recipes/b/20-c.YAML:1:1: not read: rename",
    ),
    case(
        "stray-top-level",
        {"recipes/10-s.yaml": "title: S\nfigures: []\n"},
        "recipes/10-s.yaml:1:1: not read: move it into a book folder",
    ),
    case("site-yml", {"recipes/site.yml": "title: S\n"}, "recipes/site.yml:1:1: not read: rename it to site.yaml"),
    case(
        "image-fifo",
        {"recipes/images/p.png": Fifo, **fig("mode: forward\nimage: ../images/p.png\nt: 5")},
        "20-c.yaml:5:5: figures[0].image: .*p.png is not a regular file",
    ),
    case(
        "image-folder",
        {"recipes/images/d.png/x": "a", **fig("mode: forward\nimage: ../images/d.png\nt: 5")},
        "20-c.yaml:5:5: figures[0].image: .*d.png is a folder",
    ),
    case(
        "image-missing-file",
        fig("mode: forward\nimage: ../images/nope.png\nt: 5"),
        "20-c.yaml:5:5: figures[0].image: image file not found",
    ),
    case(
        "image-not-an-image",
        {"recipes/images/t.png": "text", **fig("mode: forward\nimage: ../images/t.png\nt: 5")},
        "20-c.yaml:5:5: figures[0].image: .*t.png is not a readable image",
    ),
    case(
        "image-empty-file",
        {"recipes/images/e.png": b"", **fig("mode: forward\nimage: ../images/e.png\nt: 5")},
        "figures[0].image: .*e.png is not a readable image",
    ),
    case(
        "image-dev-zero",
        fig("mode: forward\nimage: /dev/zero\nt: 5"),
        "20-c.yaml:5:5: figures[0].image: '/dev/zero' resolves to /dev/zero, outside",
    ),
    case(
        "image-etc-passwd",
        fig("mode: forward\nimage: /etc/passwd\nt: 5"),
        "figures[0].image: '/etc/passwd' resolves to /etc/passwd, outside",
    ),
    case(
        "image-dotdot",
        fig("mode: forward\nimage: ../../../../../../etc/hostname\nt: 5"),
        "figures[0].image: .* outside the project",
    ),
    case(
        "image-symlink-out",
        {"recipes/images/l.png": Link("/etc/passwd"), **fig("mode: forward\nimage: ../images/l.png\nt: 5")},
        "figures[0].image: '../images/l.png' resolves to /etc/passwd, outside the project",
    ),
    case(
        "image-symlink-loop",
        {"recipes/images/o.png": Link("o.png"), **fig("mode: forward\nimage: ../images/o.png\nt: 5")},
        "figures[0].image: cannot resolve",
    ),
    case("image-empty-path", fig("mode: forward\nimage: ''\nt: 5"), "20-c.yaml:5:5: figures[0].image: an empty path"),
    case(
        "mask-fifo",
        {"recipes/images/m.png": Fifo, **fig(INP + "mask: ../images/m.png")},
        "20-c.yaml:7:5: figures[0].mask: .*FIFO",
    ),
    case(
        "default-image-missing",
        {
            "recipes/b/book.yaml": "title: B\nmodel: digits\ndefaults: {image: ../images/gone.png}\n",
            **fig("mode: forward\nt: 5"),
        },
        "recipes/b/book.yaml:3:12: defaults.image: image file not found",
    ),
]

SLUGS = [
    case(
        "book-space",
        {"recipes/my book/book.yaml": "title: M\nmodel: digits\n"},
        "recipes/my book/book.yaml:1:1: book folder 'my book' is not a valid name",
    ),
    case("book-upper", {"recipes/Book/book.yaml": "title: M\nmodel: digits\n"}, "book folder 'Book' is not a valid"),
    case("book-lt", {"recipes/a<b/book.yaml": "title: M\nmodel: digits\n"}, "book folder 'a<b' is not a valid"),
    case("book-dots", {"recipes/a..b/book.yaml": "title: M\nmodel: digits\n"}, "book folder 'a..b' is not a valid"),
    case(
        "book-img",
        {"recipes/img/book.yaml": "title: M\nmodel: digits\n"},
        "recipes/img/book.yaml:1:1: book folder 'img' is reserved",
    ),
    case("book-hugo", {"recipes/hugo/book.yaml": "title: M\nmodel: digits\n"}, "book folder 'hugo' is reserved"),
    case("book-leading-dash", {"recipes/-b/book.yaml": "title: M\nmodel: digits\n"}, "book folder '-b' is not"),
    case("book-unicode", {"recipes/bücher/book.yaml": "title: M\nmodel: digits\n"}, "book folder 'bücher' is not"),
    case(
        "section-space",
        {"recipes/b/20-a b.yaml": "title: C\nfigures: []\n"},
        "recipes/b/20-a b.yaml:1:1: section name 'a b' is not a valid",
    ),
    case("section-upper", {"recipes/b/20-Guide.yaml": "title: C\nfigures: []\n"}, "section name 'Guide' is not"),
    case("section-lt", {"recipes/b/20-<x>.yaml": "title: C\nfigures: []\n"}, "section name '<x>' is not"),
    case("section-dots", {"recipes/b/20-a..b.yaml": "title: C\nfigures: []\n"}, "section name 'a..b' is not"),
    case("section-img", {"recipes/b/20-img.yaml": "title: C\nfigures: []\n"}, "section name 'img' is reserved"),
    case(
        "section-duplicate",
        {"recipes/b/20-s.yaml": "title: C\nfigures: []\n"},
        "recipes/b/20-s.yaml:1:1: section name 's' is already taken by 10-s.yaml",
    ),
    case(
        "figure-id-duplicate",
        fig(FWD + "t: 5", figure_id="fwd"),
        "20-c.yaml:3:5: figures[0].id: duplicate figure id 'fwd' (first used at recipes/b/10-s.yaml:3)",
    ),
    case("figure-id-upper", fig(FWD + "t: 5", figure_id="Fwd"), "20-c.yaml:3:5: figures[0].id: expected an id"),
    case("figure-id-space", fig(FWD + "t: 5", figure_id="'a b'"), "20-c.yaml:3:5: figures[0].id: expected an id"),
    case("figure-id-lt", fig(FWD + "t: 5", figure_id="'<script>'"), "20-c.yaml:3:5: figures[0].id: expected"),
    case("figure-id-long", fig(FWD + "t: 5", figure_id="a" * 70), "20-c.yaml:3:5: figures[0].id: expected an id"),
    case("figure-id-dotdot", fig(FWD + "t: 5", figure_id="'..'"), "20-c.yaml:3:5: figures[0].id: expected an id"),
    case("figure-id-slash", fig(FWD + "t: 5", figure_id="a/b"), "20-c.yaml:3:5: figures[0].id: expected an id"),
]

INPUTS = [
    case(
        "url-http",
        fig(f"mode: forward\nimage: {{url: 'http://example.com/x.png', sha256: '{SHA}'}}\nt: 5"),
        "20-c.yaml:5:13: figures[0].image.url: expected an https:// URL, got 'http://example.com/x.png'",
    ),
    case(
        "url-ftp",
        fig(f"mode: forward\nimage: {{url: 'ftp://h/x.png', sha256: '{SHA}'}}\nt: 5"),
        "figures[0].image.url: expected an https:// URL",
    ),
    case(
        "url-empty",
        fig(f"mode: forward\nimage: {{url: '', sha256: '{SHA}'}}\nt: 5"),
        "figures[0].image.url: expected an https:// URL",
    ),
    case(
        "url-int",
        fig(f"mode: forward\nimage: {{url: 5, sha256: '{SHA}'}}\nt: 5"),
        "figures[0].image.url: expected an https:// URL",
    ),
    case(
        "url-file-passwd",
        fig(f"mode: forward\nimage: {{url: 'file:///etc/passwd', sha256: '{SHA}'}}\nt: 5"),
        "20-c.yaml:5:5: figures[0].image: '/etc/passwd' resolves to /etc/passwd, outside the project",
    ),
    case(
        "url-file-dev-zero",
        fig(f"mode: forward\nimage: {{url: 'file:///dev/zero', sha256: '{SHA}'}}\nt: 5"),
        "figures[0].image: '/dev/zero' resolves to /dev/zero, outside the project",
    ),
    case(
        "url-https-no-host",
        fig(f"mode: forward\nimage: {{url: 'https://', sha256: '{SHA}'}}\nt: 5"),
        "figures[0].image: expected an https:// URL, got 'https://'",
    ),
    case(
        "sha-path",
        fig("mode: forward\nimage: {url: 'https://e.org/x.png', sha256: '/some/outside.png'}\nt: 5"),
        "20-c.yaml:5:41: figures[0].image.sha256: expected the file's sha256 as 64 hex digits",
    ),
    case(
        "sha-dotdot",
        fig("mode: forward\nimage: {url: 'https://e.org/x.png', sha256: '../../x.png'}\nt: 5"),
        "figures[0].image.sha256: expected the file's sha256 as 64 hex digits",
    ),
    case(
        "sha-63",
        fig(f"mode: forward\nimage: {{url: 'https://e.org/x.png', sha256: '{SHA[:63]}'}}\nt: 5"),
        "figures[0].image.sha256: expected the file's sha256 as 64 hex digits",
    ),
    case(
        "sha-65",
        fig(f"mode: forward\nimage: {{url: 'https://e.org/x.png', sha256: '{SHA}a'}}\nt: 5"),
        "figures[0].image.sha256: expected",
    ),
    case(
        "sha-not-hex",
        fig(f"mode: forward\nimage: {{url: 'https://e.org/x.png', sha256: '{'zz' * 32}'}}\nt: 5"),
        "figures[0].image.sha256: expected",
    ),
    case(
        "sha-int",
        fig("mode: forward\nimage: {url: 'https://e.org/x.png', sha256: 12345}\nt: 5"),
        "figures[0].image.sha256: expected",
    ),
    case(
        "sha-missing",
        fig("mode: forward\nimage: {url: 'https://e.org/x.png'}\nt: 5"),
        "20-c.yaml:5:5: figures[0].image: expected",
    ),
    case(
        "input-extra-key",
        fig(f"mode: forward\nimage: {{url: 'https://e.org/x', sha256: '{SHA}', x: 1}}\nt: 5"),
        "figures[0].image: expected a path relative to the recipe",
    ),
    case(
        "builtin-unknown",
        fig("mode: forward\nimage: {builtin: mona}\nt: 5"),
        "20-c.yaml:5:13: figures[0].image.builtin: unknown built-in image 'mona'",
    ),
    case(
        "builtin-list",
        fig("mode: forward\nimage: {builtin: [cat]}\nt: 5"),
        "figures[0].image.builtin: unknown built-in image",
    ),
    case(
        "builtin-and-url",
        fig(f"mode: forward\nimage: {{builtin: cat, url: 'https://e', sha256: '{SHA}'}}\nt: 5"),
        "figures[0].image: expected a path relative",
    ),
    case(
        "file-url-mismatch",
        fig("mode: forward\nimage: {url: 'file://PROJECT/recipes/images/x.png', sha256: '" + SHA + "'}\nt: 5"),
        "figures[0].image: .*has sha256 .* but the recipe pins",
    ),
    case(
        "file-url-fifo",
        {
            "recipes/images/f.png": Fifo,
            **fig("mode: forward\nimage: {url: 'file://PROJECT/recipes/images/f.png', sha256: '" + SHA + "'}\nt: 5"),
        },
        "figures[0].image: .*f.png is not a regular file",
    ),
    case(
        "file-url-not-image",
        {
            "recipes/images/n.txt": "hello",
            **fig(
                "mode: forward\nimage: {url: 'file://PROJECT/recipes/images/n.txt', sha256: "
                "'2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'}\nt: 5"
            ),
        },
        "is not a readable image",
    ),
    case(
        "mask-url-http",
        fig(INP + f"mask: {{url: 'http://e/m.png', sha256: '{SHA}'}}"),
        "20-c.yaml:7:12: figures[0].mask.url",
    ),
    case(
        "default-url-bad",
        {
            "recipes/b/book.yaml": f"title: B\nmodel: digits\ndefaults: {{image: {{url: 'http://e/"
            f"x', sha256: '{SHA}'}}}}\n"
        },
        "recipes/b/book.yaml:3:20: defaults.image.url: expected an https:// URL",
    ),
]

RECORDS = [
    case(
        "record-not-json",
        {"recipes/b/model/training.json": "not json"},
        "recipes/b/10-s.yaml:9:5: figures[1].record: model/training.json is not a JSON training record",
    ),
    case(
        "record-missing-keys",
        {"recipes/b/model/training.json": "{}"},
        "recipes/b/10-s.yaml:9:5: figures[1].record: model/training.json: missing key",
    ),
    case(
        "record-list",
        {"recipes/b/model/training.json": "[1, 2]"},
        "figures[1].record: model/training.json: the record: expected a JSON object",
    ),
    case(
        "record-negative-loss",
        {"recipes/b/model/training.json": lambda t: t.replace("0.25", "-0.25")},
        "figures[1].record: model/training.json: step_loss[2]: expected a number > 0",
    ),
    case(
        "record-empty-loss",
        {"recipes/b/model/training.json": lambda t: t.replace("[1.0, 0.5, 0.25]", "[]")},
        "figures[1].record: model/training.json: step_loss: expected a non-empty list",
    ),
    case(
        "record-nan",
        {"recipes/b/model/training.json": lambda t: t.replace("0.25", "NaN")},
        "figures[1].record: model/training.json is not a JSON training record: NaN is not a number",
    ),
    case(
        "record-string-steps",
        {"recipes/b/model/training.json": lambda t: t.replace('"steps": 3', '"steps": "3"')},
        "figures[1].record: model/training.json: steps: expected int",
    ),
    case(
        "record-deep",
        {"recipes/b/model/training.json": "[" * 100_000 + "]" * 100_000},
        "figures[1].record: model/training.json is not",
    ),
    case(
        "record-latin-1",
        {"recipes/b/model/training.json": b'{"a": "\xe9"}'},
        "figures[1].record: model/training.json is not a JSON",
    ),
    case(
        "record-fifo",
        {"recipes/b/model/t2.json": Fifo, **fig("mode: loss_curve\nrecord: model/t2.json")},
        "20-c.yaml:5:5: figures[0].record: .*t2.json is not a regular file",
    ),
    case(
        "record-missing",
        fig("mode: loss_curve\nrecord: model/gone.json"),
        "20-c.yaml:5:5: figures[0].record: file not found",
    ),
    case(
        "record-folder",
        fig("mode: loss_curve\nrecord: model"),
        "20-c.yaml:5:5: figures[0].record: .*model is a folder",
    ),
    case("record-outside", fig("mode: loss_curve\nrecord: /etc/passwd"), "figures[0].record: '/etc/passwd' resolves"),
    case(
        "evaluation-missing-cfg",
        {
            "recipes/b/model/eval.json": '{"classifier_test_accuracy": 0.9}',
            **fig("mode: evaluation\nrecord: model/eval.json"),
        },
        "20-c.yaml:5:5: figures[0].record: model/eval.json: missing key 'cfg'",
    ),
    case(
        "evaluation-one-prompt",
        {
            "recipes/b/model/eval.json": EVAL.replace('["6", "9"]', '["6"]'),
            **fig("mode: evaluation\nrecord: model/eval.json"),
        },
        "20-c.yaml:5:5: figures[0].record: model/eval.json: anagrams[0].prompts: expected a list of 2",
    ),
    case(
        "evaluation-nan-share",
        {
            "recipes/b/model/eval.json": EVAL.replace('"max_share": 0.1', '"max_share": NaN'),
            **fig("mode: evaluation\nrecord: model/eval.json"),
        },
        "NaN is not a number",
    ),
    case(
        "samples-folder-etc",
        fig("mode: epoch_samples\nrecord: model/training.json\nfolder: /etc"),
        "20-c.yaml:6:5: figures[0].folder: '/etc' resolves to /etc, outside the project",
    ),
    case(
        "samples-folder-dotdot",
        fig("mode: epoch_samples\nrecord: model/training.json\nfolder: ../../../../.."),
        "figures[0].folder: '../../../../..' resolves to",
    ),
    case(
        "samples-folder-missing",
        fig("mode: epoch_samples\nrecord: model/training.json\nfolder: nope"),
        "20-c.yaml:6:5: figures[0].folder: .*nope is not a folder of sample sheets",
    ),
    case(
        "samples-odd-name",
        {"recipes/b/model/samples/epoch-abc.png": b"x", **fig("mode: epoch_samples\nrecord: model/training.json")},
        "20-c.yaml:3:5: figures[0]: .*expected regular files named epoch-NNN.png, found epoch-abc.png",
    ),
    case(
        "samples-not-png",
        {"recipes/b/model/samples/epoch-002.png": "text", **fig("mode: epoch_samples\nrecord: model/training.json")},
        "figures[0]: .*epoch-002.png is not a readable image",
    ),
    case(
        "samples-none",
        {"recipes/b/model/empty/x.txt": "x", **fig("mode: epoch_samples\nrecord: model/training.json\nfolder: empty")},
        "figures[0].folder: .*found none",
    ),
]

RESOURCES = [
    case(
        "seeds-2000",
        fig(FWD + "t: 5\nseeds: [" + ", ".join(map(str, range(2000))) + "]"),
        "20-c.yaml:7:5: figures[0].seeds: 2,000 seeds, more than 1,000",
    ),
    case(
        "sweep-10-7",
        fig(
            "mode: blur_denoise\n" + IMG + "seeds: [" + ", ".join(map(str, range(100))) + "]\nsweep: "
            "{t: ["
            + ", ".join(map(str, range(1000)))
            + "], sigma: ["
            + ", ".join(f"{1 + i / 10}" for i in range(100))
            + "]}"
        ),
        "20-c.yaml:7:5: figures[0].sweep: this figure expands to 10,000,000 jobs (100 seeds × 1000 t × 100 sigma), "
        "more than 10,000",
    ),
    case(
        "sweep-just-over",
        fig(
            FWD
            + "seeds: ["
            + ", ".join(map(str, range(11)))
            + "]\nsweep: {t: ["
            + ", ".join(map(str, range(1000)))
            + "]}"
        ),
        "expands to 11,000 jobs",
    ),
    case(
        "sweep-prompts-many",
        fig(
            "mode: cfg\nseeds: ["
            + ", ".join(map(str, range(500)))
            + "]\nsweep: {prompts: ["
            + ", ".join(["['1']"] * 100)
            + "], guidance: [1, 2, 3]}"
        ),
        "expands to 150,000",
    ),
    case(
        "default-seeds-many",
        {
            "recipes/b/book.yaml": "title: B\nmodel: digits\ndefaults: {seeds: ["
            + ", ".join(map(str, range(1001)))
            + "]}\n"
        },
        "recipes/b/book.yaml:3:12: defaults.seeds: 1,001 seeds",
    ),
    case(
        "steps-huge-list",
        fig(CFG + "steps: [" + ", ".join(map(str, range(999, -1, -1))) + ", 0]"),
        "figures[0].steps: steps [999, 998, … 1001 values]: timesteps must be strictly decreasing",
    ),
]

CASES = [
    *YAML_SYNTAX,
    *ENCODINGS,
    *BOMBS,
    *TYPES,
    *RANGES,
    *MODE_PARAMETERS,
    *FILES,
    *SLUGS,
    *INPUTS,
    *RECORDS,
    *RESOURCES,
]
