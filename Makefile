# `make serve` and `make test` are the whole set-up on a fresh machine: each creates .venv if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: serve test test-slow bench lint sample clean assets

# scripts/install.sh holds the install steps the Dockerfile runs too. `make serve` needs the
# runtime dependencies only (as the image); the test tools (schemathesis, hadolint, mypy, ...) come
# with `make test`. pip shows its progress: a first install takes minutes.
$(RUNTIME): pyproject.toml scripts/install.sh
	PYTHON=$(PYTHON) scripts/install.sh venv $(VENV) -e .
	touch $(RUNTIME)

$(DEV): $(RUNTIME)
	PYTHON=$(PYTHON) scripts/install.sh venv $(VENV) -e '.[dev]'
	touch $(DEV)

# GraphiQL's scripts and styles, from pinned npm tarballs (integrity-checked; a no-op once present).
assets: $(RUNTIME)
	scripts/install.sh assets $(VENV)

# PYTHONMALLOC=malloc, as in the image: memory returns after a burst of large answers (api/memory.py).
serve: assets
	PYTHONMALLOC=malloc $(BIN)/moviegraph serve

# Lint first: a type error or a ruff finding fails `make test` before the suite starts.
test: $(DEV) assets lint
	$(BIN)/python -m pytest

test-slow: $(DEV)
	$(BIN)/python -m pytest -m slow

bench: $(DEV)
	$(BIN)/python -m pytest -m benchmark -s tests/benchmarks

# The linter and the type checker, as pyproject.toml configures them; both run even when the first
# fails, so one run lists every finding. Part of `test`.
lint: $(DEV)
	$(BIN)/ruff check .; ruff=$$?; $(BIN)/mypy && exit $$ruff

sample: $(RUNTIME)
	$(BIN)/python -m data.build_sample ../shared/data/movies-dataset

clean:
	rm -rf $(VENV) var build *.egg-info api/static/graphiql
