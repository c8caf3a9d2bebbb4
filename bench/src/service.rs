//! The service under test: the release binary in its own process (so its memory is its own), or, for the
//! smoke run inside `cargo test`, the same application in this process.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use smsagent_server::{Application, Settings};
use sqlx::PgPool;

use crate::mocks::{ACCOUNT_SID, AUTH_TOKEN};

/// Our number, as PHONE_NUMBER.
pub const BUSINESS: &str = "+15550100000";
/// What Event Grid deliveries carry as `?code=`.
pub const EVENT_GRID_SECRET: &str = "bench-event-grid-secret";
/// The default tenant's API key (API_BOOTSTRAP_KEY), for the booking runs' `/voice` calls.
pub const BENCH_KEY: &str = "sk_smsagent_bench_key_0123456789abcdef";
/// The server's pool, and the database-limit client's: the same size, so the comparison is fair.
pub const POOL_SIZE: u32 = 20;

/// How to start the service.
#[derive(Debug, Clone)]
pub enum Launch {
    /// `smsagent serve` from this binary, as deployed; its log kept in `log` (appended), or discarded.
    Binary { binary: PathBuf, log: Option<PathBuf> },
    /// `Application` in this process, on this pool.
    InProcess(PgPool),
}

/// One running instance.
#[derive(Debug)]
pub struct Service {
    pub base_url: String,
    running: Running,
}

#[derive(Debug)]
enum Running {
    Process(tokio::process::Child),
    InProcess(actix_web::dev::ServerHandle),
}

/// Settings that differ between scenarios.
#[derive(Debug, Clone)]
pub struct Options {
    /// 0: HTTP only, jobs stay queued (acknowledgement runs count them).
    pub worker_concurrency: usize,
    pub database_url: String,
    pub mocks_url: String,
}

impl Service {
    pub async fn start(launch: &Launch, options: &Options) -> anyhow::Result<Service> {
        let port = free_port()?;
        let flags = flags(port, options);
        let running = match launch {
            Launch::Binary { binary, log } => {
                // Logs are written as in production, then dropped (or kept): their cost is in the figures.
                let stdout = match log {
                    Some(path) => Stdio::from(std::fs::OpenOptions::new().create(true).append(true).open(path)?),
                    None => Stdio::null(),
                };
                let child = tokio::process::Command::new(binary)
                    .arg("serve")
                    .args(&flags)
                    // Nothing from this shell or a .env file: only what the flags say.
                    .env_clear()
                    // The service's own default, unless SERVICE_RUST_LOG asks for more (to trace a run).
                    .env("RUST_LOG", std::env::var("SERVICE_RUST_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()))
                    .current_dir(std::env::temp_dir())
                    .stdout(stdout)
                    .stderr(Stdio::inherit())
                    .kill_on_drop(true)
                    .spawn()
                    .with_context(|| format!("starting {}", binary.display()))?;
                Running::Process(child)
            }
            Launch::InProcess(pool) => {
                let settings =
                    SettingsFlags::try_parse_from(std::iter::once("smsagent".to_owned()).chain(flags))?.settings;
                let app = Application::build(settings, pool.clone()).await?;
                let handle = app.stop_handle();
                tokio::spawn(app.run_until_stopped());
                Running::InProcess(handle)
            }
        };
        let service = Service { base_url: format!("http://127.0.0.1:{port}"), running };
        service.wait_until_ready().await?;
        Ok(service)
    }

    /// The process id, when the service runs in its own process.
    pub fn pid(&self) -> Option<u32> {
        match &self.running {
            Running::Process(child) => child.id(),
            Running::InProcess(_) => None,
        }
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        match self.running {
            Running::Process(mut child) => {
                child.kill().await?;
            }
            Running::InProcess(handle) => handle.stop(true).await,
        }
        Ok(())
    }

    async fn wait_until_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = client.get(format!("{}/readyz", self.base_url)).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            anyhow::ensure!(tokio::time::Instant::now() < deadline, "the service did not become ready in 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The service's settings for one run, as `smsagent serve` flags.
fn flags(port: u16, options: &Options) -> Vec<String> {
    let base = format!("http://127.0.0.1:{port}");
    [
        ("--host", "127.0.0.1".to_owned()),
        ("--port", port.to_string()),
        ("--database-url", options.database_url.clone()),
        ("--database-max-connections", POOL_SIZE.to_string()),
        ("--public-base-url", base),
        ("--twilio-account-sid", ACCOUNT_SID.to_owned()),
        ("--twilio-auth-token", AUTH_TOKEN.to_owned()),
        ("--twilio-api-base", options.mocks_url.clone()),
        ("--openai-api-key", "sk-bench".to_owned()),
        ("--openai-base-url", format!("{}/v1", options.mocks_url)),
        ("--phone-number", BUSINESS.to_owned()),
        // Replies answer at once: the burst window is a chosen wait, not overhead.
        ("--reply-burst-window-ms", "0".to_owned()),
        ("--worker-concurrency", options.worker_concurrency.to_string()),
        ("--event-grid-secret", EVENT_GRID_SECRET.to_owned()),
        ("--api-bootstrap-key", BENCH_KEY.to_owned()),
        // The booking runs call the API as fast as it answers: the per-key limit is not what they measure.
        ("--api-rate-limit-per-minute", "100000000".to_owned()),
        ("--log-format", "json".to_owned()),
        // Nothing is uploaded in a run; the directory must still be somewhere writable.
        ("--upload-dir", std::env::temp_dir().join("smsagent-bench-uploads").display().to_string()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_owned(), value])
    .collect()
}

#[derive(Debug, Parser)]
struct SettingsFlags {
    #[command(flatten)]
    settings: Settings,
}

/// A port nobody listens on now.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
