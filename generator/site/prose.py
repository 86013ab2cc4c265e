"""Recipe prose: CommonMark → safe HTML (raw HTML disabled), and → plain text for descriptions."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup, escape


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """CommonMark with tables; raw HTML is shown as text, images become their alt text (nothing remote)."""
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.add_render_rule(
        "image",
        lambda self, tokens, idx, options, env: escape(
            self.renderInlineAsText(tokens[idx].children or [], options, env)
        ),
    )
    return md


def markdown(text: str) -> Markup:
    """Render recipe Markdown to HTML that cannot carry markup of its own (`<script>` shows as text)."""
    return Markup(_parser().render(text or "").strip())


def plain_text(text: str, limit: int = 200) -> str:
    """The first paragraph of some Markdown as one line of plain text, cut at `limit` characters."""
    tokens = _parser().parse(text or "")
    words: list[str] = []
    for token in tokens:
        if token.type == "paragraph_close" and words:
            break
        if token.type == "inline":
            words.append(_parser().renderer.renderInlineAsText(token.children or [], {}, {}))
    line = re.sub(r"\s+", " ", " ".join(words)).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
