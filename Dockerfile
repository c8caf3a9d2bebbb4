# Builds the smsagent binary against the committed query data (.sqlx/), then ships it alone.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
# Stripped: the shipped binary carries no debug info (about a third of the size).
RUN cargo build --release --locked -p smsagent-server && strip target/release/smsagent

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/smsagent smsagent \
    && mkdir -p /var/lib/smsagent/uploads && chown -R smsagent: /var/lib/smsagent
COPY --from=build /src/target/release/smsagent /usr/local/bin/smsagent
# The service's own directory, which it owns: ID photos live in its volume.
WORKDIR /var/lib/smsagent
VOLUME /var/lib/smsagent
USER smsagent
ENV HOST=0.0.0.0 PORT=8000 UPLOAD_DIR=/var/lib/smsagent/uploads
EXPOSE 8000
ENTRYPOINT ["smsagent"]
CMD ["serve"]
