# quendoo-mcp: a small runtime image, built in two stages.
#   docker build -t quendoo-mcp .
#   docker run --rm -p 8000:8000 --env-file .env -e HOST=0.0.0.0 quendoo-mcp
# The server runs as an unprivileged user with a read-only root file
# system; only /data (the SQLite default) is written. In production use
# PostgreSQL (DATABASE_URL) and set PUBLIC_URL and ALLOWED_HOSTS.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin quendoo-mcp \
 && strip target/release/quendoo-mcp

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home quendoo
COPY --from=build /src/target/release/quendoo-mcp /usr/local/bin/quendoo-mcp
USER 10001
WORKDIR /data
ENV HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:///data/quendoo_mcp.db \
    LOG_FORMAT=json
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD curl -fsS "http://127.0.0.1:${PORT}/health/live" || exit 1
ENTRYPOINT ["/usr/local/bin/quendoo-mcp"]
CMD ["serve"]
