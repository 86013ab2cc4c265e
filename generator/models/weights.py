"""Where a model's weights come from — a Hub repository or a local directory with the same layout — and the
checks that say, before any work starts and without writing anything, whether they can be loaded.

A `Part` is one `from_pretrained` subfolder (unet, vae, text_encoder, tokenizer, a scheduler). Each check returns a list of
problems (strings that say what is missing and what to do); callers gather them and raise one
`ModelUnavailable`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

import huggingface_hub


# Weight file names by subfolder kind, preferred first; "{v}" is "" or ".fp16" (the Hub's half-precision
# variant). Index files name the shards of a sharded checkpoint.
_DIFFUSERS_WEIGHTS = (
    "diffusion_pytorch_model{v}.safetensors",
    "diffusion_pytorch_model.safetensors.index{v}.json",
    "diffusion_pytorch_model{v}.bin",
)
_WEIGHTS = {
    "unet": _DIFFUSERS_WEIGHTS,
    "vae": _DIFFUSERS_WEIGHTS,
    "text_encoder": (
        "model{v}.safetensors",
        "model.safetensors.index{v}.json",
        "pytorch_model{v}.bin",
        "pytorch_model.bin.index{v}.json",
    ),
}
_TOKENIZER_FILES = ("tokenizer.json", "spiece.model", "vocab.json")  # fast, T5's sentencepiece, CLIP's BPE
SCHEDULERS = ("scheduler", "low_res_scheduler", "image_noising_scheduler")  # a config, no weights


@dataclass(frozen=True)
class Part:
    """One subfolder of a model: from the Hub (`repo` @ `revision`) or from a local directory (`path`)."""

    kind: str  # "unet", "vae", "text_encoder", "tokenizer" or a scheduler (the subfolder name)
    repo: str  # Hub repository id; named in messages even when loading locally
    revision: str = "main"
    path: str | None = None  # local directory holding <kind>/… in the Hub layout

    @property
    def where(self) -> str:
        return f"local directory {self.path}" if self.path else f"{self.repo}@{self.revision}"


def variants(hub: bool) -> tuple[str, ...]:
    """Weight variants to look for: the Hub is always read as fp16; a local copy may hold either."""
    return (".fp16",) if hub else (".fp16", "")


def weight_names(kind: str, hub: bool) -> list[str]:
    return [name.format(v=v) for v in variants(hub) for name in _WEIGHTS[kind]]


def local_variant(path: str | Path, kind: str) -> str | None:
    """ "fp16" when the local <kind>/ folder holds half-precision variant files, else None."""
    folder = Path(path) / kind
    return "fp16" if any((folder / n).exists() for n in weight_names(kind, hub=True)) else None


# ---------------------------------------------------------------------------------------------- local


def check_local(part: Part) -> list[str]:
    """Problems with a local directory: missing folder, config or weight files (named exactly)."""
    assert part.path is not None, "check_local is for a part with a local path"
    root = Path(part.path)
    if not root.is_dir():
        return [
            f"local model directory {root} does not exist (expected the layout of {part.repo}: "
            f"unet/, text_encoder/, tokenizer/): check the path"
        ]
    folder = root / part.kind
    if not folder.is_dir():
        return [f"{folder} is missing: copy {part.kind}/ from {part.repo}"]
    config, weights = _wanted(part.kind, hub=False)
    problems = []
    if not (folder / config).exists():
        problems.append(f"{folder / config} is missing: copy {part.kind}/ from {part.repo}")
    found = next((folder / n for n in weights if (folder / n).exists()), None)
    if found is None and weights:
        problems.append(
            f"no {'tokenizer' if part.kind == 'tokenizer' else 'weight'} file in {folder} "
            f"(looked for {', '.join(weights)}): copy {part.kind}/ from {part.repo}"
        )
    elif found is not None and _is_index(found.name):
        problems += _missing_shards(found, lambda shard: (folder / shard).exists())
    return problems


def _wanted(kind: str, hub: bool) -> tuple[str, tuple[str, ...]]:
    """(config file, candidate weight or vocabulary files) that `from_pretrained` reads for one part."""
    if kind == "tokenizer":
        return "tokenizer_config.json", _TOKENIZER_FILES
    if kind in SCHEDULERS:
        return "scheduler_config.json", ()
    return "config.json", tuple(weight_names(kind, hub))


def _is_index(name: str) -> bool:
    return ".index" in Path(name).name


def _missing_shards(index_file: Path | str, exists) -> list[str]:
    shards = sorted(set(json.loads(Path(index_file).read_text())["weight_map"].values()))
    return [f"shard {shard} named in {index_file} is missing" for shard in shards if not exists(shard)]


def fingerprint(path: str | Path, kind: str = "unet", chunk: int = 1 << 20) -> str:
    """Cheap identity of local weights: config plus each weight file's name, size, first and last MiB."""
    folder = Path(path) / kind
    h = hashlib.sha256((folder / "config.json").read_bytes())
    for file in sorted(f for f in folder.iterdir() if f.suffix in (".safetensors", ".bin")):
        size = file.stat().st_size
        h.update(f"{file.name}:{size}".encode())
        with file.open("rb") as fh:
            h.update(fh.read(chunk))
            fh.seek(max(size - chunk, 0))
            h.update(fh.read(chunk))
    return h.hexdigest()[:16]


# ------------------------------------------------------------------------------------------------ hub


def hub_offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) as huggingface_hub reads it, but read now, not at import."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.upper() in {"1", "ON", "YES", "TRUE"}


def check_cached(part: Part) -> list[str]:
    """Problems when offline: the files `from_pretrained` would read are not all in the Hub cache."""

    def cached(name: str) -> str | None:
        found = huggingface_hub.try_to_load_from_cache(part.repo, f"{part.kind}/{name}", revision=part.revision)
        return found if isinstance(found, str) else None

    config, weights = _wanted(part.kind, hub=True)
    problems = []
    found = next((f for f in map(cached, weights) if f), None)
    if not cached(config):
        problems.append(f"{part.repo}/{part.kind}/{'' if found is None else config} is not in the local Hub cache")
    elif found is None and weights:
        problems.append(f"none of {', '.join(weights)} from {part.repo}/{part.kind} is in the local Hub cache")
    elif found is not None and _is_index(found):
        problems += _missing_shards(found, lambda shard: cached(shard) is not None)
    if problems:
        problems.append(
            f"HF_HUB_OFFLINE is set: download {part.repo} once while online, unset "
            f"HF_HUB_OFFLINE, or give a local directory with the Hub layout"
        )
    return problems


def check_access(repo: str) -> list[str]:
    """Problems reaching a Hub repository: gated without an accepted licence, no token, not found, no network."""
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    token = huggingface_hub.get_token()
    login = "" if token else " No Hugging Face token was found: run `hf auth login` or set HF_TOKEN."
    try:
        huggingface_hub.HfApi().auth_check(repo, token=token)
    except GatedRepoError:
        return [
            f"{repo} is gated and this account has not accepted its licence: open "
            f"https://huggingface.co/{repo}, log in and accept it (one acceptance covers every "
            f"DeepFloyd IF model).{login}"
        ]
    except RepositoryNotFoundError:
        return [f"{repo} was not found or is not visible to this account.{login}"]
    except Exception as err:  # the HTTP client's own errors differ between huggingface_hub versions
        return [
            f"could not reach the Hugging Face Hub for {repo} ({type(err).__name__}: {err}): connect "
            f"to the internet, or set HF_HUB_OFFLINE=1 if the weights are already in the local cache"
        ]
    return []


def check_part(part: Part) -> list[str]:
    """Problems loading one part from where it is configured to come from (local, cache or Hub)."""
    problems = check_local(part) if part.path else check_cached(part) if hub_offline() else []
    return problems + (check_sentencepiece(part) if part.kind == "tokenizer" else [])


def check_sentencepiece(part: Part) -> list[str]:
    """A T5 tokenizer shipped as spiece.model only (as on the Hub) needs sentencepiece and protobuf to load."""
    if part.path and any((Path(part.path) / part.kind / name).exists() for name in ("tokenizer.json", "vocab.json")):
        return []
    absent = [
        name
        for name, module in (("sentencepiece", "sentencepiece"), ("protobuf", "google.protobuf"))
        if not _importable(module)
    ]
    if not absent:
        return []
    return [
        f"reading {part.repo}'s T5 tokenizer (spiece.model) needs the {' and '.join(absent)} package"
        f"{'s' if len(absent) > 1 else ''}: pip install {' '.join(absent)}"
    ]


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a missing parent package (google)
        return False
