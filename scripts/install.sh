#!/usr/bin/env bash
# The install and build steps, shared by the Makefile (a developer's .venv) and the Dockerfile
# (the image's /opt/venv and its baked-in catalogue and model), so the two cannot drift apart.
# Paths are relative to the checkout (the script runs from there). CI runs the Dockerfile's own
# RUN lines in a fresh virtual environment and serves from it (tests/test_container.py).
#
#   scripts/install.sh venv VENV PIP_ARGS...  create VENV if needed, then pip install PIP_ARGS
#   scripts/install.sh assets VENV            fetch GraphiQL's assets into the installed `api` package
#   scripts/install.sh seed VENV DIR          ingest data/sample into DIR/moviegraph.sqlite3, train DIR/model
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    sed -n 's/^#   //p' "$0" >&2
    exit 2
}

step=${1:-}
venv=${2:-}
[ -n "$step" ] && [ -n "$venv" ] || usage
shift 2

case "$step" in
venv)
    [ $# -gt 0 ] || usage
    [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
    # Not --quiet: a first install takes minutes, and pip's lines show it is getting on.
    "$venv/bin/python" -m pip install --upgrade pip
    "$venv/bin/python" -m pip install "$@"
    ;;
assets)
    # -P keeps this checkout off sys.path, so a regular (non-editable) install fetches into its own
    # package, where its server looks; an editable install's package is this checkout anyway.
    "$venv/bin/python" -P -m api.graphiql fetch
    ;;
seed)
    [ $# -eq 1 ] || usage
    dir=$1
    "$venv/bin/moviegraph" ingest --movies-dataset data/sample --db "$dir/moviegraph.sqlite3" --quiet
    "$venv/bin/moviegraph" train --db "$dir/moviegraph.sqlite3" --model-dir "$dir/model" --quiet
    ;;
*)
    usage
    ;;
esac
