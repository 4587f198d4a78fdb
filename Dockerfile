# syntax=docker/dockerfile:1
# Meridian: one Go binary plus libchdb.so (ClickHouse as a library).
#
# libchdb.so is REQUIRED in the image even when Meridian talks to ClickHouse servers
# (MERIDIAN_CLICKHOUSE_ADDRS set): github.com/chdb-io/chdb-go/chdb-purego dlopens it in a
# package init() and panics when it is missing, before main() runs. It is fetched from the npm
# package @chdb/lib-linux-x64-gnu exactly as scripts/fetch-chdb.sh does, and installed at
# /usr/local/lib/libchdb.so, one of the paths chdb-go looks at (CHDB_LIB_PATH is set too).
# Only linux/amd64 is built: the npm package is x86-64 glibc.
#
#   docker build -t meridian .
#   docker run --rm meridian version

ARG GO_VERSION=1.26.8
ARG CHDB_VERSION=26.5.3

# --- libchdb.so from the npm registry -----------------------------------------------------
FROM --platform=linux/amd64 node:22-bookworm-slim AS chdb
ARG CHDB_VERSION
WORKDIR /tmp/chdb
RUN npm pack --silent "@chdb/lib-linux-x64-gnu@${CHDB_VERSION}" >/dev/null \
 && tar -xzf chdb-lib-linux-x64-gnu-*.tgz \
 && test -s package/libchdb.so \
 && mv package/libchdb.so /libchdb.so \
 && echo "${CHDB_VERSION}" > /libchdb.VERSION \
 && rm -rf /tmp/chdb

# --- the GraphQL playground's files from the npm registry (embedded in the binary) ----------
FROM --platform=linux/amd64 node:22-bookworm-slim AS playground
WORKDIR /playground
COPY graphql/playground/package.json graphql/playground/package-lock.json graphql/playground/build.mjs ./
RUN npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && npm run --silent build

# --- the web console's build from the npm registry (embedded in the binary) -----------------
FROM --platform=linux/amd64 node:22-bookworm-slim AS console
WORKDIR /src/console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
COPY console/ ./
# vite.config.ts writes the build to ../webconsole/dist.
RUN npm run --silent build

# --- the Go binary -------------------------------------------------------------------------
FROM --platform=linux/amd64 golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
COPY --from=playground /playground/assets/ graphql/playground/assets/
COPY --from=console /src/webconsole/dist/ webconsole/dist/
ARG VERSION=dev
# CGO is not needed: chdb-go loads libchdb.so through purego at run time.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=${VERSION}" \
      -o /meridian ./cmd/meridian

# --- runtime -------------------------------------------------------------------------------
FROM --platform=linux/amd64 debian:bookworm-slim
# ca-certificates: HTTPS to translation/LLM providers and connectors; tzdata: time zones for
# follow-the-sun shifts; curl: container healthchecks against /readyz.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 meridian \
 && useradd --system --uid 10001 --gid meridian --home-dir /var/lib/meridian --shell /usr/sbin/nologin meridian \
 && mkdir -p /var/lib/meridian \
 && chown meridian:meridian /var/lib/meridian \
 && chmod 0750 /var/lib/meridian
COPY --from=chdb /libchdb.so /usr/local/lib/libchdb.so
COPY --from=chdb /libchdb.VERSION /usr/local/lib/libchdb.VERSION
COPY --from=build /meridian /usr/local/bin/meridian
ENV CHDB_LIB_PATH=/usr/local/lib/libchdb.so \
    MERIDIAN_ADDR=0.0.0.0:8080 \
    MERIDIAN_DATA_DIR=/var/lib/meridian \
    MERIDIAN_LOG_FORMAT=json
USER 10001:10001
WORKDIR /var/lib/meridian
VOLUME ["/var/lib/meridian"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD curl -fsS http://127.0.0.1:8080/readyz >/dev/null || exit 1
ENTRYPOINT ["/usr/local/bin/meridian"]
CMD ["serve"]
