//! Wiring: from settings and a database pool to a running service.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::Logger;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use secrecy::ExposeSecret;
use smsagent_ai::{ChatModel, OfflineModel, OpenAiChat, OpenAiSettings, Service};
use smsagent_engine::metrics::Measured;
use smsagent_engine::queue::Queue;
use smsagent_engine::uploads::UploadDir;
use smsagent_engine::worker::{RetryPolicy, Senders, Worker, WorkerDeps};
use smsagent_providers::acs::{AcsAuth, AcsCredentials, AcsSender, ManagedIdentity};
use smsagent_providers::simulator::SimulatorSender;
use smsagent_providers::twilio::{
    ConversationsSender, SignatureValidator, TwilioCredentials, TwilioNumbers, TwilioSender,
};
use smsagent_store::PgPool;
use sqlx::Connection;
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, Postgres};
use tokio_util::sync::CancellationToken;

use crate::routes::{self, STATUS_CALLBACK_PATH};
use crate::settings::Settings;
use crate::state::{AppState, ConversationsWebhook, EventGridAuth, TwilioNumberSetup, TwilioWebhooks};
use crate::{api, bootstrap, shutdown};

/// Browsers may call the API from `origins` only (none by default); webhooks send no Origin and pass.
fn cors(origins: &[String]) -> Cors {
    use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName};
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([AUTHORIZATION, CONTENT_TYPE, HeaderName::from_static("idempotency-key")])
        .expose_headers([HeaderName::from_static("retry-after"), HeaderName::from_static("idempotent-replayed")])
        .max_age(3600)
}

/// Opens the pool the service runs on; when the database cannot be reached, says where and why.
pub async fn connect(settings: &Settings) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions =
        settings.database_url.expose_secret().parse().context("DATABASE_URL is not a PostgreSQL URL")?;
    // Where, without the password.
    let place = format!(
        "{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    );
    let pool = PgPoolOptions::new()
        .max_connections(settings.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await;
    match pool {
        Ok(pool) => Ok(pool),
        // The pool retries until its timeout and then hides the cause: one plain connection tells it.
        Err(sqlx::Error::PoolTimedOut) => {
            let why = match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect_with(&options)).await {
                Ok(Err(error)) => error.to_string(),
                Ok(Ok(_)) | Err(_) => "no connection within 5 s".to_owned(),
            };
            anyhow::bail!("cannot reach the database at {place} (DATABASE_URL): {why}")
        }
        Err(error) => {
            Err(anyhow::anyhow!(error).context(format!("cannot reach the database at {place} (DATABASE_URL)")))
        }
    }
}

/// Creates the database when it does not exist yet, then applies the migrations.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let url = settings.database_url.expose_secret();
    if !Postgres::database_exists(url).await.context("cannot reach the database (DATABASE_URL)")? {
        Postgres::create_database(url).await?;
        tracing::info!("database created");
    }
    let pool = connect(settings).await?;
    smsagent_store::MIGRATOR.run(&pool).await?;
    tracing::info!("migrations applied");
    Ok(())
}

/// The HTTP server and the worker, built and bound but not yet running.
pub struct Application {
    port: u16,
    server: Server,
    worker: Worker,
    worker_concurrency: usize,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Application {
    /// Binds HOST:PORT (port 0 picks a free port), wires providers and model, and registers PHONE_NUMBER.
    pub async fn build(settings: Settings, pool: PgPool) -> anyhow::Result<Self> {
        settings.validate()?;
        let queue = Queue::new(settings.job_max_attempts);
        if let Some(number) = &settings.phone_number {
            bootstrap::ensure_phone_number(&pool, number, settings.phone_number_carrier()).await?;
        }
        // Only a help to the reader of the log: a database that is not up yet does not stop the start.
        if let Some(key) = &settings.api_bootstrap_key
            && let Err(error) = bootstrap::announce_bootstrap_key(&pool, key).await
        {
            tracing::warn!(%error, "cannot say what API_BOOTSTRAP_KEY speaks for");
        }

        let metrics = crate::metrics::Metrics::new();
        let uploads = uploads(&settings).await?;
        // One connector for the API and the worker: they share Microsoft's tokens.
        let calendars = settings.calendars();
        let parts = WorkerParts { queue: queue.clone(), metrics: metrics.engine.clone(), uploads: uploads.clone() };
        let worker = build_worker(&settings, pool.clone(), parts, calendars.clone());

        let twilio =
            settings.twilio_auth_token.clone().zip(settings.public_base_url.clone()).map(|(token, public_base_url)| {
                TwilioWebhooks { validator: SignatureValidator::new(token), public_base_url }
            });
        let event_grid = EventGridAuth {
            secrets: [settings.event_grid_secret.clone(), settings.event_grid_secret_previous.clone()]
                .into_iter()
                .flatten()
                .collect(),
            header: settings.event_grid_secret_header.clone(),
        };
        let conversations = ConversationsWebhook {
            author: settings.twilio_conversations_author.clone(),
            default_business: settings.phone_number.clone(),
        };
        let state = web::Data::new(AppState {
            pool,
            queue,
            burst_window: settings.burst_window(),
            chat_wait: settings.job_lease(),
            uploads,
            twilio,
            event_grid,
            conversations,
            bootstrap_key: settings.api_bootstrap_key.as_ref().map(crate::api_keys::BootstrapKey::new),
            limits: Arc::new(api::limits::RateLimits::new(
                settings.api_rate_limit_per_minute,
                settings.contact_rate_limit_per_minute,
                settings.chat_rate_limit_per_minute,
            )),
            metrics,
            twilio_numbers: settings.twilio_account_sid.clone().zip(settings.twilio_auth_token.clone()).map(
                |(account_sid, auth_token)| TwilioNumberSetup {
                    client: TwilioNumbers::new(
                        TwilioCredentials { account_sid, auth_token },
                        &settings.twilio_api_base,
                    ),
                    webhook_url: settings
                        .public_base_url
                        .as_ref()
                        .map(|base| format!("{base}{}", routes::INBOUND_SMS_PATH)),
                },
            ),
            egress: settings.egress(),
            calendars,
            trusted_proxies: settings.trusted_proxies.clone().into(),
        });
        let listener = TcpListener::bind((settings.host.as_str(), settings.port))
            .with_context(|| format!("cannot listen on {}:{} (HOST, PORT)", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let origins = settings.cors_allowed_origins.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(cors(&origins))
                // Path only (query strings can carry secrets and ids), with phone numbers masked.
                .wrap(
                    Logger::new(r#"%{r}a "%{METHOD}xi %{PATH}xi" %s %b %Dms"#)
                        .custom_request_replace("METHOD", |req| req.method().to_string())
                        .custom_request_replace("PATH", |req| crate::telemetry::loggable_path(req.path())),
                )
                .app_data(state.clone())
                .wrap(actix_web::middleware::from_fn(routes::metrics::count_webhooks))
                .configure(routes::configure)
                .configure(api::configure)
                .configure(crate::uploads::configure)
                .default_service(web::to(routes::not_found))
        })
        .listen(listener)?;
        if let Some(workers) = settings.http_workers {
            server = server.workers(workers);
        }
        let local = if ["0.0.0.0", "::"].contains(&settings.host.as_str()) { "127.0.0.1" } else { &settings.host };
        tracing::info!(port, "listening on http://{local}:{port} (the API's docs at /api/docs)");
        if settings.public_base_url.is_none() {
            tracing::warn!(
                "PUBLIC_BASE_URL is not set: upload links and webhook addresses use http://{}:{port}, which \
                 phones and providers cannot reach; set it to the address the internet uses",
                settings.host
            );
        }
        Ok(Application { port, server: server.run(), worker, worker_concurrency: settings.worker_concurrency })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server, and with it the worker, as SIGTERM would: for embedding (benchmarks, tests).
    pub fn stop_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The worker, to drive by hand (tests) alongside or instead of the running one.
    pub fn worker(&self) -> Worker {
        self.worker.clone()
    }

    /// Serves HTTP and runs the worker until SIGINT or SIGTERM; the worker finishes the jobs in hand.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let stop = CancellationToken::new();
        let worker = {
            let (worker, stop) = (self.worker.clone(), stop.clone());
            tokio::spawn(async move { worker.run(self.worker_concurrency, stop).await })
        };
        let served = self.server.await;
        stop.cancel();
        worker.await?;
        Ok(served?)
    }
}

/// A sender for each provider and channel with credentials configured.
fn senders(settings: &Settings) -> Senders {
    let credentials = settings
        .twilio_account_sid
        .clone()
        .zip(settings.twilio_auth_token.clone())
        .map(|(account_sid, auth_token)| TwilioCredentials { account_sid, auth_token });
    let acs = match (&settings.acs_connection_string, &settings.acs_endpoint) {
        // Checked when the settings were validated.
        (Some(connection), _) => AcsCredentials::from_connection_string(connection).ok().map(AcsAuth::Key),
        (None, Some(endpoint)) => Some(AcsAuth::Identity {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            identity: ManagedIdentity::new(&settings.identity_endpoint, settings.identity_header.clone()),
        }),
        (None, None) => None,
    };
    Senders {
        twilio: credentials.clone().map(|c| TwilioSender::new(c, &settings.twilio_api_base)),
        conversations: credentials.map(|c| {
            ConversationsSender::new(c, &settings.twilio_conversations_api_base, &settings.twilio_conversations_author)
        }),
        acs: acs.map(AcsSender::new),
        simulator: SimulatorSender,
    }
}

/// Azure OpenAI or OpenAI, whichever is configured; the offline model without either.
fn model(settings: &Settings) -> Arc<dyn ChatModel> {
    let timeout = Duration::from_secs(settings.openai_timeout_seconds);
    let azure = match (&settings.azure_openai_endpoint, &settings.azure_openai_key, &settings.azure_openai_model) {
        (Some(endpoint), Some(key), Some(deployment)) => Some((endpoint, key, deployment)),
        _ => None,
    };
    match (azure, &settings.openai_api_key) {
        (Some((endpoint, key, deployment)), openai_key) => {
            if openai_key.is_some() {
                tracing::warn!("both Azure OpenAI and OPENAI_API_KEY are configured: Azure OpenAI is used");
            }
            Arc::new(OpenAiChat::new(OpenAiSettings {
                api_key: key.clone(),
                service: Service::Azure {
                    endpoint: endpoint.clone(),
                    deployment: deployment.clone(),
                    api_version: settings.azure_openai_api_version.clone(),
                },
                model: deployment.clone(),
                timeout,
            }))
        }
        (None, Some(api_key)) => Arc::new(OpenAiChat::new(OpenAiSettings {
            api_key: api_key.clone(),
            service: Service::OpenAi { base_url: settings.openai_base_url.clone() },
            model: settings.openai_model.clone(),
            timeout,
        })),
        (None, None) => {
            tracing::warn!("neither OPENAI_API_KEY nor Azure OpenAI is configured: the offline assistant answers");
            Arc::new(OfflineModel)
        }
    }
}

/// Runs only the worker (`smsagent worker`) until SIGINT or SIGTERM.
pub async fn run_worker(settings: Settings, pool: PgPool) -> anyhow::Result<()> {
    settings.validate()?;
    let queue = Queue::new(settings.job_max_attempts);
    let metrics = smsagent_engine::metrics::Metrics::default();
    let parts = WorkerParts { queue, metrics, uploads: uploads(&settings).await? };
    let worker = build_worker(&settings, pool, parts, settings.calendars());
    let stop = CancellationToken::new();
    let waiter = {
        let stop = stop.clone();
        tokio::spawn(async move {
            shutdown::signal().await;
            stop.cancel();
        })
    };
    tracing::info!(concurrency = settings.worker_concurrency, "worker started");
    worker.run(settings.worker_concurrency.max(1), stop).await;
    waiter.abort();
    Ok(())
}

/// Upload links, UPLOAD_DIR (created if missing) and its limit.
async fn uploads(settings: &Settings) -> anyhow::Result<smsagent_engine::uploads::Uploads> {
    Ok(smsagent_engine::uploads::Uploads {
        links: settings.upload_links(),
        dir: upload_dir(settings.upload_dir.as_deref()).await?,
        max_bytes: settings.upload_max_bytes,
    })
}

/// UPLOAD_DIR, which must work when it is set. Unset, a first run still starts wherever it is run from
/// and says how to keep the photos for good.
async fn upload_dir(configured: Option<&std::path::Path>) -> anyhow::Result<UploadDir> {
    if let Some(dir) = configured {
        return UploadDir::open(dir.to_owned())
            .await
            .with_context(|| format!("cannot use UPLOAD_DIR {}", dir.display()));
    }
    // An ./uploads that exists holds photos already: it must work, or the start fails as when it is set.
    let default = std::path::Path::new("uploads");
    if default.exists() {
        return UploadDir::open(default.to_owned()).await.context("cannot use ./uploads (UPLOAD_DIR is not set)");
    }
    let error = match UploadDir::open(default.to_owned()).await {
        Ok(dir) => return Ok(dir),
        Err(error) if matches!(error.kind(), ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem) => error,
        Err(error) => return Err(error).context("cannot make ./uploads (UPLOAD_DIR is not set)"),
    };
    let fallback = std::env::temp_dir().join("smsagent-uploads");
    // The temporary directory is everyone's: never follow a link someone else left under our name.
    if std::fs::symlink_metadata(&fallback).is_ok_and(|m| m.file_type().is_symlink()) {
        anyhow::bail!("cannot make ./uploads ({error}), and {} is a symbolic link: set UPLOAD_DIR", fallback.display());
    }
    let dir = UploadDir::open(fallback.clone())
        .await
        .with_context(|| format!("cannot make ./uploads ({error}) nor {}: set UPLOAD_DIR", fallback.display()))?;
    tracing::warn!(
        %error, dir = %fallback.display(),
        "UPLOAD_DIR is not set and ./uploads cannot be made here: ID photos are kept in the temporary directory, \
         which a restart of the machine may empty; set UPLOAD_DIR to a directory this user owns"
    );
    Ok(dir)
}

/// What a worker shares with the rest of its process.
struct WorkerParts {
    queue: Queue,
    metrics: smsagent_engine::metrics::Metrics,
    uploads: smsagent_engine::uploads::Uploads,
}

fn build_worker(
    settings: &Settings,
    pool: PgPool,
    parts: WorkerParts,
    calendars: smsagent_booking::calendar::Connector,
) -> Worker {
    let WorkerParts { queue, metrics, uploads } = parts;
    Worker::new(WorkerDeps {
        pool,
        queue,
        senders: senders(settings),
        model: Arc::new(Measured { model: model(settings), metrics: metrics.clone() }),
        metrics,
        model_deadline: Duration::from_secs(settings.openai_timeout_seconds).min(settings.job_lease() / 2),
        status_callback_url: settings.public_base_url.as_ref().map(|base| format!("{base}{STATUS_CALLBACK_PATH}")),
        lease: settings.job_lease(),
        retry: RetryPolicy {
            base: Duration::from_millis(settings.job_retry_base_ms),
            max: Duration::from_secs(settings.job_retry_max_seconds),
        },
        poll: Duration::from_millis(settings.worker_poll_ms),
        takeover_idle: Duration::from_secs(settings.takeover_idle_minutes.saturating_mul(60)),
        http: settings.egress().client(Duration::from_secs(15)),
        uploads,
        // Checked when the settings were validated.
        mailer: settings.mailer().ok().flatten(),
        calendars,
    })
}
