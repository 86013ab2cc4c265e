# diffusion-gallery — `make gallery` builds the site, `make test` runs the tests. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# CPU build of torch where there is no NVIDIA GPU; the CUDA build otherwise. Override: make TORCH=torch==X.
TORCH  ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo torch || echo torch==2.13.0)
PORT   ?= 8000

.PHONY: setup gallery render plan test test-fast lint serve watch eval embedded-model bench browser gc atlas hugo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

setup: $(STAMP)

gallery: $(STAMP)            ## generate what is pending (what this machine can run), render public/
	$(BIN)/gallery build

render: $(STAMP)             ## render public/ from stored results only
	$(BIN)/gallery render

plan: $(STAMP)               ## list every figure: stored or pending
	$(BIN)/gallery plan

gc: $(STAMP)                 ## remove stored results no recipe references
	$(BIN)/gallery gc

serve: $(STAMP)              ## browse the built site on http://127.0.0.1:$(PORT)/
	$(BIN)/gallery serve --port $(PORT)

watch: $(STAMP)              ## build, serve, and rebuild + reload the browser on every recipe change
	$(BIN)/gallery serve --watch --port $(PORT)

test: $(STAMP) browser       ## the test suite (CPU only; GPU/weights tests are skipped)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)          ## the tests not marked slow (about 2 min on 2 cores): while you work
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)               ## ruff (diffusers' rules) and ruff format --check; mypy on models/, modes/, diffusion/, commands/, cli.py
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy

browser:                     ## Debian's chromium and hugo, for the real-browser and Hugo-export tests
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	  || echo "warning: could not install chromium; the browser test will be skipped"
	@command -v hugo >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq hugo >/dev/null; } \
	  || echo "warning: could not install hugo; the Hugo export test will be skipped"

hugo: $(STAMP)               ## the books as Hugo page bundles in hugo/ (copy into a Hugo site's content/)
	$(BIN)/gallery hugo

embedded-model: $(STAMP)     ## retrain the embedded digits model and its judge (≈ 30 min on 2 CPU cores)
	$(BIN)/python -m generator.digits.train --out models/digits
	$(BIN)/python -m generator.digits.judge --out models/digits

eval: $(STAMP)               ## measure the digits model: classifier, CFG accuracy, class balance, illusions
	$(BIN)/python -m generator.digits.evaluate

atlas: $(STAMP)              ## the digits model's illusion atlas: models/digits/atlas.json + heatmaps (≈ 1 h, 2 cores)
	$(BIN)/python -m generator.digits.atlas

bench: $(STAMP)              ## benchmarks: stage-I engine vs IFPipeline (tiny on CPU), digits book from empty, no-op builds
	$(BIN)/python bench/bench_stage1.py
	$(BIN)/python bench/bench_digits_book.py
	$(BIN)/python bench/bench_noop.py
