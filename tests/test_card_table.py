"""bench/card_table.py (the card table of docs/deepfloyd.md) keeps running, and the docs show what it prints."""

import importlib.util
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_card_table_is_what_the_script_prints():
    spec = importlib.util.spec_from_file_location("card_table", ROOT / "bench" / "card_table.py")
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    rows = table.rows()
    assert rows[0].startswith("| card | settings | est. peak | est. time for the book |")
    assert len([r for r in rows if r.startswith("| ")]) == 1 + len(table.CARDS)  # the header, a row a card
    assert "\n".join(rows) in (ROOT / "docs" / "deepfloyd.md").read_text(), (
        "docs/deepfloyd.md's card table is stale: paste the output of `python bench/card_table.py`"
    )
