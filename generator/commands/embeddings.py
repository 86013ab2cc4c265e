"""`gallery import-embeddings FILE`: the course's prompt_embeds_dict.pth into the DeepFloyd IF prompt cache, so
those prompts skip T5."""

from __future__ import annotations

from pathlib import Path

from generator.errors import GalleryError
from generator.project import Project


def import_embeddings(project: Project, file: Path) -> int:
    from generator.models.deepfloyd import EMBEDDING_FAMILY
    from generator.models.embeddings import embedding_cache, import_prompt_embeds

    try:
        prompts = import_prompt_embeds(file, embedding_cache(project.store_root, EMBEDDING_FAMILY))
    except (OSError, ValueError, RuntimeError) as exc:
        raise GalleryError(f"cannot import {file}: {exc}") from None
    print(f"imported {len(prompts)} prompt embedding(s) into {project.store_root / 'embeddings'}")
    return 0
