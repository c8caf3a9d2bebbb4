# Builds the smsagent binary against the committed query data (.sqlx/), then ships it alone.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked -p smsagent-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 smsagent
COPY --from=build /src/target/release/smsagent /usr/local/bin/smsagent
USER smsagent
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
ENTRYPOINT ["smsagent"]
CMD ["serve"]
