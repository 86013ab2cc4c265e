"""Stage III's 1024² pictures: the page shows a lighter WebP thumbnail that links to the full PNG."""

from __future__ import annotations

import re

import skimage.data
from PIL import Image

from generator.site.page import BookView, FigureView, Grid, Panel, SectionView, SiteView
from generator.site.render import render_site


def test_a_1024_picture_is_shown_as_a_linked_thumbnail(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    photo = Image.fromarray(skimage.data.astronaut())  # a real picture, 512²
    photo.resize((1024, 1024), Image.Resampling.BICUBIC).save(store / "big.png")  # as from stage III
    photo.resize((256, 256), Image.Resampling.LANCZOS).save(store / "small.png")  # as from stage II
    grid = Grid(rows=[[Panel(store / "small.png", "sample, 256×256"), Panel(store / "big.png", "sample, 1024×1024")]])
    figure = FigureView(id="f", caption="", mode="cfg", model="", grids=[grid])
    site = SiteView("t", "", [BookView("b", "B", "", "", [SectionView("s", "S", "", [figure])])])
    render_site(site, tmp_path / "public")
    page = next((tmp_path / "public").rglob("b/index.html")).read_text()
    links = re.findall(r'<a href="([^"]+)" title="1024×1024">\s*<img src="([^"]+)" width="(\d+)" height="(\d+)"', page)
    assert len(links) == 1
    full, thumb, width, height = links[0]
    assert full.endswith(".png") and thumb.endswith(".webp") and (width, height) == ("512", "512")
    public = tmp_path / "public"
    assert Image.open(public / full.lstrip("./").replace("../", "")).size == (1024, 1024)
    thumb_file = public / thumb.replace("../", "")
    assert thumb_file.stat().st_size * 4 < (store / "big.png").stat().st_size  # lighter by far
    assert re.search(r'<img src="[^"]+\.png" width="256" height="256"', page)  # 256² stays as it is
