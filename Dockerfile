# syntax=docker/dockerfile:1
# The mcg image: the package, the stage notebooks, the stage list and the
# rendered stage Jobs, run by papermill on the cluster. Every dependency is a
# wheel from uv.lock with builds for x86_64 and aarch64, mcg's own search
# kernel is compiled in the build stage, and both base images are multi-arch, so one recipe builds for linux/amd64 (the ZimaBoard) and
# linux/arm64 (the Pis):
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/mcg:VERSION --push .

# python:3.12.12-slim-bookworm, pinned by digest of its multi-arch index.
ARG PYTHON_IMAGE=python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c

FROM ${PYTHON_IMAGE} AS build
# A C compiler for the graph search kernel and the release converter, built when the project installs.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
# The uv release that wrote uv.lock.
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
WORKDIR /app
# Dependencies first, so a code change does not rebuild them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project --no-cache
COPY hatch_build.py ./
COPY mcg_lib ./mcg_lib
RUN uv sync --locked --no-dev --no-editable --no-cache

FROM ${PYTHON_IMAGE}
# A fixed numeric id, so that pods can require runAsNonRoot and the Ansible
# storage role can give this user the data root.
RUN groupadd --gid 10001 mcg \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin mcg
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY pipelines ./pipelines
COPY notebooks/pipeline ./notebooks/pipeline
COPY site_templates ./site_templates
COPY k8s/jobs ./k8s/jobs
ENV PATH=/app/.venv/bin:$PATH \
    MCG_PROJECT_DIR=/app \
    PYTHONUNBUFFERED=1
USER 10001:10001
CMD ["mcg", "--help"]
