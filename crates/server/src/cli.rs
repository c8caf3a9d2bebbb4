//! The `smsagent` command line: serve (HTTP and worker), worker (worker only), migrate (apply the schema),
//! tenant create. The binary is this and nothing else, so the tests can start the very same program.

use std::io::Write;

use crate::api_keys;
use crate::startup::{self, Application};
use crate::{Settings, telemetry};
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

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
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        action: TenantAction,
    },
}

#[derive(Debug, Subcommand)]
enum TenantAction {
    /// Create a tenant and print its id and a new API key (shown this once).
    Create {
        /// The business's name.
        name: String,
        #[command(flatten)]
        settings: Settings,
    },
}

/// Runs the command the arguments name, reading settings from the environment (and `.env`).
pub async fn run() -> anyhow::Result<()> {
    // A missing .env is normal; a malformed one is worth stopping for.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        anyhow::bail!("cannot read .env: {e}");
    }
    let cli = Cli::parse();
    let (Command::Serve(settings)
    | Command::Worker(settings)
    | Command::Migrate(settings)
    | Command::Tenant { action: TenantAction::Create { settings, .. } }) = &cli.command;
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
        Command::Tenant { action: TenantAction::Create { name, settings } } => {
            anyhow::ensure!(!name.trim().is_empty(), "a tenant needs a name");
            let pool = startup::connect(&settings).await?;
            let key = api_keys::new_key();
            let mut tx = pool.begin().await?;
            let tenant_id = smsagent_store::tenants::create(&mut *tx, name.trim()).await?;
            smsagent_store::tenants::add_key(&mut *tx, tenant_id, &key.hash, &key.prefix, "smsagent tenant create")
                .await?;
            tx.commit().await?;
            // The key goes to stdout, for the operator and nowhere else: it is not kept.
            writeln!(std::io::stdout(), "tenant_id: {tenant_id}\napi_key:   {}", key.key.expose_secret())?;
        }
    }
    Ok(())
}
