//! The `smsagent` command line, built beside the black-box suite so that its fault tests can start the
//! service in a process of its own and kill it (Cargo hands a package's tests the paths of its own
//! binaries only). It is the server's binary, line for line.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    smsagent_server::cli::run().await
}
