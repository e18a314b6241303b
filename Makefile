# `make serve` and `make test` are the whole set-up on a fresh machine: each creates .venv if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test test-slow bench lint sample clean assets

# scripts/install.sh holds the install steps the Dockerfile runs too.
$(STAMP): pyproject.toml scripts/install.sh
	PYTHON=$(PYTHON) scripts/install.sh venv $(VENV) -e '.[dev]'
	touch $(STAMP)

# GraphiQL's scripts and styles, from pinned npm tarballs (integrity-checked; a no-op once present).
assets: $(STAMP)
	scripts/install.sh assets $(VENV)

# PYTHONMALLOC=malloc, as in the image: memory returns after a burst of large answers (api/memory.py).
serve: assets
	PYTHONMALLOC=malloc $(BIN)/moviegraph serve

# Lint first: a type error or a ruff finding fails `make test` before the suite starts.
test: assets lint
	$(BIN)/python -m pytest

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

bench: $(STAMP)
	$(BIN)/python -m pytest -m benchmark -s tests/benchmarks

# The linter and the type checker, as pyproject.toml configures them; both run even when the first
# fails, so one run lists every finding. Part of `test`.
lint: $(STAMP)
	$(BIN)/ruff check .; ruff=$$?; $(BIN)/mypy && exit $$ruff

sample: $(STAMP)
	$(BIN)/python -m data.build_sample ../shared/data/movies-dataset

clean:
	rm -rf $(VENV) var build *.egg-info api/static/graphiql
