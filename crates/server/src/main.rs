//! `smsagent`: serve (HTTP and worker), worker (worker only), migrate (apply the schema).

use clap::{Parser, Subcommand};
use smsagent_server::startup::{self, Application};
use smsagent_server::{Settings, telemetry};

#[derive(Debug, Parser)]
#[command(name = "smsagent", version, about = "AI assistants over SMS")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API and webhooks, and run the worker.
    Serve(Settings),
    /// Run only the worker (replies and sends).
    Worker(Settings),
    /// Apply the database migrations and exit.
    Migrate(Settings),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A missing .env is normal; a malformed one is worth stopping for.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        anyhow::bail!("cannot read .env: {e}");
    }
    let cli = Cli::parse();
    let (Command::Serve(settings) | Command::Worker(settings) | Command::Migrate(settings)) = &cli.command;
    telemetry::init(&settings.log_format);

    match cli.command {
        Command::Migrate(settings) => startup::migrate(&settings).await?,
        Command::Serve(settings) => {
            let pool = startup::connect(&settings).await?;
            Application::build(settings, pool).await?.run_until_stopped().await?;
        }
        Command::Worker(settings) => {
            let pool = startup::connect(&settings).await?;
            startup::run_worker(settings, pool).await?;
        }
    }
    Ok(())
}
