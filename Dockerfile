# moviegraph: the GraphQL API with the embedded sample catalogue and a model trained on it.
#   docker build -t moviegraph .
#   docker run -p 8000:8000 -v moviegraph-data:/data -e MOVIEGRAPH_AUTH=jwt -e MOVIEGRAPH_JWKS=https://... \
#       -e MOVIEGRAPH_JWT_ISSUER=https://... -e MOVIEGRAPH_JWT_AUDIENCE=... moviegraph
#   docker run -p 127.0.0.1:8000:8000 -v moviegraph-data:/data -e MOVIEGRAPH_AUTH=none moviegraph   # open, on your machine only
# The build steps are scripts/install.sh's, the ones `make` runs; CI runs this file's RUN lines
# that call it in a fresh virtual environment and serves from it (tests/test_container.py).

# Where the virtual environment and the seed (catalogue + model) live, in both stages.
ARG VENV=/opt/venv
ARG SEED=/opt/moviegraph/seed

# Builder: compiles LightFM into a virtual environment, fetches GraphiQL's assets into the
# installed package, and builds the sample catalogue and model the runtime starts from.
FROM python:3.11-slim-bookworm AS builder
# Debian's compiler, only to build LightFM's C extension (no wheel on PyPI); versions follow the base image.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
ARG VENV
ARG SEED
WORKDIR /src
COPY . .
# One layer per step: a failed or changed later step does not recompile LightFM.
RUN scripts/install.sh venv "$VENV" .
# hadolint ignore=DL3059
RUN scripts/install.sh assets "$VENV"
# hadolint ignore=DL3059
RUN scripts/install.sh seed "$VENV" "$SEED"

# Runtime: the virtual environment and the seed, no compiler, run as an unprivileged user.
FROM python:3.11-slim-bookworm
ARG VENV
ARG SEED
RUN useradd --create-home --uid 1000 --user-group moviegraph \
    && install -d -o moviegraph -g moviegraph /data
# The same path as in the builder: a virtual environment's scripts name their interpreter by it.
COPY --from=builder $VENV $VENV
COPY --from=builder --chown=moviegraph:moviegraph $SEED $SEED
# A user's own catalogue and models live in /data; an empty /data gets a copy of the seed on the
# first start, so what the service writes (ratings, retrained models, the identity table) stays in
# the volume. MOVIEGRAPH_AUTH is deliberately left unset: the server listens on 0.0.0.0, so it
# refuses to start until `-e MOVIEGRAPH_AUTH=jwt` (with a JWKS or secret) or `=none` says who may call it.
# PYTHONMALLOC=malloc: freed memory goes back to the OS after a burst of large answers (api/memory.py).
ENV PATH=$VENV/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONMALLOC=malloc \
    MOVIEGRAPH_DB_PATH=/data/moviegraph.sqlite3 \
    MOVIEGRAPH_MODEL_DIR=/data/model \
    MOVIEGRAPH_SEED_DIR=$SEED \
    MOVIEGRAPH_HOST=0.0.0.0 \
    MOVIEGRAPH_PORT=8000
VOLUME /data
WORKDIR /data
# Numeric, so a cluster's "run as non-root" check can verify it without the image's /etc/passwd.
USER 1000:1000
EXPOSE 8000
# Liveness from inside the container; the slim image has no curl, Python's urllib does (no proxy: loopback).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.build_opener(r.ProxyHandler({})).open('http://127.0.0.1:%s/health' % os.environ['MOVIEGRAPH_PORT'], timeout=4)"]
CMD ["moviegraph", "serve"]
