//! `smsagent`: the service's command line (see `smsagent_server::cli`).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    smsagent_server::cli::run().await
}
