//! Configuration: every setting comes from the environment (or `.env`), each documented in `.env.example`,
//! and can also be given as a command-line flag. Secrets are `SecretString`s and never reach a log.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use smsagent_domain::{PhoneNumber, Provider};
use smsagent_providers::acs::AcsCredentials;
use smsagent_providers::email::{Mailer, SendGridMailer, SmtpMailer};
use url::Url;

#[derive(clap::Args, Debug, Clone)]
pub struct Settings {
    /// Postgres connection URL.
    #[arg(long, env = "DATABASE_URL", value_parser = secret, hide_env_values = true)]
    pub database_url: SecretString,

    /// Most connections the service opens to Postgres.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 20)]
    pub database_max_connections: u32,

    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "0.0.0.0")]
    pub host: String,

    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8000)]
    pub port: u16,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HTTP_WORKERS")]
    pub http_workers: Option<usize>,

    /// The address the outside world reaches this service at, such as https://sms.example.com (a path
    /// prefix is allowed). Webhook signatures are checked against it, so they verify behind a
    /// TLS-terminating proxy, and delivery callbacks point at it. Required with Twilio.
    #[arg(long, env = "PUBLIC_BASE_URL", value_parser = public_base_url)]
    pub public_base_url: Option<String>,

    /// Twilio account SID (AC…). With TWILIO_AUTH_TOKEN, texts to Twilio numbers are sent through Twilio.
    #[arg(long, env = "TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,

    /// Twilio auth token: authenticates API calls and verifies Twilio's webhook signatures.
    #[arg(long, env = "TWILIO_AUTH_TOKEN", value_parser = secret, hide_env_values = true)]
    pub twilio_auth_token: Option<SecretString>,

    /// Twilio's REST API address; change it only to point at a mock.
    #[arg(long, env = "TWILIO_API_BASE", default_value = "https://api.twilio.com")]
    pub twilio_api_base: String,

    /// Twilio's Conversations API address; change it only to point at a mock.
    #[arg(long, env = "TWILIO_CONVERSATIONS_API_BASE", default_value = "https://conversations.twilio.com")]
    pub twilio_conversations_api_base: String,

    /// The identity replies are posted under in Twilio Conversations; messages by it are never answered.
    #[arg(long, env = "TWILIO_CONVERSATIONS_AUTHOR", default_value = "assistant")]
    pub twilio_conversations_author: String,

    /// Azure Communication Services connection string (endpoint=…;accesskey=…): ACS numbers send with it.
    #[arg(long, env = "AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING", value_parser = secret, hide_env_values = true)]
    pub acs_connection_string: Option<SecretString>,

    /// ACS endpoint alone: ACS numbers send with a managed identity's token instead of a key.
    #[arg(long, env = "AZURE_COMMUNICATION_SERVICE_ENDPOINT")]
    pub acs_endpoint: Option<String>,

    /// Where the managed identity's tokens come from (App Service sets this; else the metadata service).
    #[arg(long, env = "IDENTITY_ENDPOINT", default_value = "http://169.254.169.254/metadata/identity/oauth2/token")]
    pub identity_endpoint: String,

    /// App Service's identity secret (X-IDENTITY-HEADER), when tokens come from App Service.
    #[arg(long, env = "IDENTITY_HEADER", value_parser = secret, hide_env_values = true)]
    pub identity_header: Option<SecretString>,

    /// The secret Event Grid deliveries must carry (as ?code=… on the subscription's URL, or in the header
    /// EVENT_GRID_SECRET_HEADER names). Without it, Event Grid deliveries are refused.
    #[arg(long, env = "EVENT_GRID_SECRET", value_parser = secret, hide_env_values = true)]
    pub event_grid_secret: Option<SecretString>,

    /// The secret being rotated out, accepted alongside EVENT_GRID_SECRET until it is removed.
    #[arg(long, env = "EVENT_GRID_SECRET_PREVIOUS", value_parser = secret, hide_env_values = true)]
    pub event_grid_secret_previous: Option<SecretString>,

    /// A header that may carry the Event Grid secret (a delivery property set on the subscription).
    #[arg(long, env = "EVENT_GRID_SECRET_HEADER")]
    pub event_grid_secret_header: Option<String>,

    /// Where uploaded ID photos are kept (created if missing). Files there are never served publicly.
    /// Unset: `uploads` in the working directory or, where that cannot be made (a user who may not write
    /// there, as in a container started from `/`), `smsagent-uploads` in the temporary directory, with a
    /// warning, since a restart of the machine may empty it.
    #[arg(long, env = "UPLOAD_DIR")]
    pub upload_dir: Option<std::path::PathBuf>,

    /// The largest ID photo taken, in bytes.
    #[arg(long, env = "UPLOAD_MAX_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub upload_max_bytes: u64,

    /// How long an upload link works, in hours.
    #[arg(long, env = "UPLOAD_LINK_HOURS", default_value_t = 24)]
    pub upload_link_hours: u32,

    /// Signs upload links. Set the same value on every instance: without it each process makes its own,
    /// and links stop working when it restarts.
    #[arg(long, env = "UPLOAD_LINK_SECRET", value_parser = secret, hide_env_values = true)]
    pub upload_link_secret: Option<SecretString>,

    /// Minutes after an operator's last action on a conversation they took over (pause, or a text sent)
    /// before the assistant answers it again.
    #[arg(long, env = "TAKEOVER_IDLE_MINUTES", default_value_t = 120)]
    pub takeover_idle_minutes: u64,

    /// Calls one API key may make a minute (per instance of the service).
    #[arg(long, env = "API_RATE_LIMIT_PER_MINUTE", default_value_t = 600)]
    pub api_rate_limit_per_minute: u32,

    /// Texts the API may send to one contact a minute, per tenant (per instance of the service).
    #[arg(long, env = "CONTACT_RATE_LIMIT_PER_MINUTE", default_value_t = 10)]
    pub contact_rate_limit_per_minute: u32,

    /// Messages one chat session (or operator's test contact) may send a minute, per instance: sized for
    /// a person answering a form, corrections and all.
    #[arg(long, env = "CHAT_RATE_LIMIT_PER_MINUTE", default_value_t = 30)]
    pub chat_rate_limit_per_minute: u32,

    /// The reverse proxies in front of this service (comma-separated IP addresses): from them, the caller's
    /// address is the last X-Forwarded-For entry (the one the proxy added), for limits on wrong API keys.
    /// From anyone else, the header is ignored. None by default.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Origins (comma-separated, such as https://admin.example.com) whose pages may call the API from a
    /// browser. None by default: the API is for servers and the tools of operators.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,

    /// Hosts (comma-separated names or IP addresses) that tenants' URLs (completion URLs, later tools and
    /// calendars) may reach although they are private, loopback or link-local: for systems on the same
    /// network as an on-premises deployment. None by default: such URLs are refused.
    #[arg(long, env = "OUTBOUND_ALLOWED_HOSTS", value_delimiter = ',')]
    pub outbound_allowed_hosts: Vec<String>,

    /// An API key for the default tenant (at least 32 characters), so a deployment can be driven through the
    /// API without `smsagent tenant create`. Kept in the settings only; replacing it retires the old one.
    #[arg(long, env = "API_BOOTSTRAP_KEY", value_parser = secret, hide_env_values = true)]
    pub api_bootstrap_key: Option<SecretString>,

    /// OpenAI (or compatible) API key. Without it (or Azure OpenAI), an offline assistant answers.
    #[arg(long, env = "OPENAI_API_KEY", value_parser = secret, hide_env_values = true)]
    pub openai_api_key: Option<SecretString>,

    /// Chat completions base address, including /v1.
    #[arg(long, env = "OPENAI_BASE_URL", default_value = "https://api.openai.com/v1")]
    pub openai_base_url: String,

    /// Model for assistants that do not name one.
    #[arg(long, env = "OPENAI_MODEL", default_value = "gpt-4o-mini")]
    pub openai_model: String,

    /// Azure OpenAI resource endpoint, such as https://my-resource.openai.azure.com (instead of OpenAI).
    #[arg(long, env = "AZURE_OPENAI_ENDPOINT")]
    pub azure_openai_endpoint: Option<String>,

    /// Azure OpenAI key, sent as the api-key header.
    #[arg(long, env = "AZURE_OPENAI_KEY", value_parser = secret, hide_env_values = true)]
    pub azure_openai_key: Option<SecretString>,

    /// The Azure OpenAI deployment to ask (it decides the model).
    #[arg(long, env = "AZURE_OPENAI_MODEL")]
    pub azure_openai_model: Option<String>,

    /// The Azure OpenAI API version.
    #[arg(long, env = "AZURE_OPENAI_API_VERSION", default_value = "2024-10-21")]
    pub azure_openai_api_version: String,

    /// Longest wait for the model's answer, in seconds.
    #[arg(long, env = "OPENAI_TIMEOUT_SECONDS", default_value_t = 20)]
    pub openai_timeout_seconds: u64,

    /// The business's number (E.164). At start-up it is registered, answered by a default assistant.
    #[arg(long, env = "PHONE_NUMBER", value_parser = phone_number)]
    pub phone_number: Option<PhoneNumber>,

    /// Who carries PHONE_NUMBER: twilio, acs or simulator (default: whichever has credentials, Twilio first).
    #[arg(long, env = "PHONE_NUMBER_PROVIDER", value_parser = provider)]
    pub phone_number_provider: Option<Provider>,

    /// How long a reply waits for more texts, in milliseconds: texts arriving together get one reply.
    #[arg(long, env = "REPLY_BURST_WINDOW_MS", default_value_t = 2000)]
    pub reply_burst_window_ms: u64,

    /// Jobs the worker runs at once (0: no worker in this process). Replies spend most of their time
    /// waiting for the model, holding no database connection, so many can run at once.
    #[arg(long, env = "WORKER_CONCURRENCY", default_value_t = 32)]
    pub worker_concurrency: usize,

    /// How often an idle worker looks for due jobs, in milliseconds (new work wakes it at once).
    #[arg(long, env = "WORKER_POLL_MS", default_value_t = 500)]
    pub worker_poll_ms: u64,

    /// How long a worker holds a job before another may take it over, in seconds. Model calls are cut off
    /// at half of it, so a job normally ends well inside its lease.
    #[arg(long, env = "JOB_LEASE_SECONDS", default_value_t = 120)]
    pub job_lease_seconds: u64,

    /// Attempts before a job is left dead.
    #[arg(long, env = "JOB_MAX_ATTEMPTS", default_value_t = 8)]
    pub job_max_attempts: i32,

    /// First retry delay in milliseconds; it doubles each attempt, with jitter.
    #[arg(long, env = "JOB_RETRY_BASE_MS", default_value_t = 1000)]
    pub job_retry_base_ms: u64,

    /// Longest retry delay, in seconds.
    #[arg(long, env = "JOB_RETRY_MAX_SECONDS", default_value_t = 300)]
    pub job_retry_max_seconds: u64,

    /// Where appointment emails go out: `smtp://user:pass@host:port` (add `?tls=required` for STARTTLS), or
    /// `smtps://…` for TLS from the start. Needs EMAIL_FROM.
    #[arg(long, env = "SMTP_URL", value_parser = secret, hide_env_values = true)]
    pub smtp_url: Option<SecretString>,

    /// The sender of appointment emails: `bookings@example.com` or `Casa Dental <bookings@example.com>`.
    #[arg(long, env = "EMAIL_FROM")]
    pub email_from: Option<String>,

    /// A SendGrid API key: appointment emails go through SendGrid's v3 API instead of SMTP. Needs EMAIL_FROM.
    #[arg(long, env = "SENDGRID_API_KEY", value_parser = secret, hide_env_values = true)]
    pub sendgrid_api_key: Option<SecretString>,

    /// SendGrid's API address.
    #[arg(long, env = "SENDGRID_API_BASE", default_value = "https://api.sendgrid.com")]
    pub sendgrid_api_base: String,

    /// Microsoft's sign-in service, for assistants whose calendar is on Microsoft Graph.
    #[arg(long, env = "MICROSOFT_LOGIN_BASE", default_value = "https://login.microsoftonline.com")]
    pub microsoft_login_base: String,

    /// Microsoft Graph's address.
    #[arg(long, env = "MICROSOFT_GRAPH_BASE", default_value = "https://graph.microsoft.com")]
    pub microsoft_graph_base: String,

    /// Log format: text or json.
    #[arg(long, env = "LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

/// A setting that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together")]
    PartialTwilio,
    #[error("PUBLIC_BASE_URL must be set when Twilio is configured: Twilio's signatures are checked against it")]
    MissingPublicBaseUrl,
    #[error("JOB_MAX_ATTEMPTS must be at least 1")]
    NoAttempts,
    #[error("API_BOOTSTRAP_KEY must be at least 32 characters (it opens the default tenant's data)")]
    ShortBootstrapKey,
    #[error(
        "CORS_ALLOWED_ORIGINS: {0:?} is not an origin such as https://admin.example.com (scheme and host, no path)"
    )]
    CorsOrigin(String),
    #[error("JOB_LEASE_SECONDS must be at least 1")]
    NoLease,
    #[error("AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_KEY and AZURE_OPENAI_MODEL must be set together")]
    PartialAzureOpenAi,
    #[error("AZURE_COMMUNICATION_SERVICE_CONNECTION_STRING is invalid: {0}")]
    AcsConnectionString(String),
    #[error("PHONE_NUMBER_PROVIDER is {0}, but its credentials are not configured")]
    ProviderWithoutCredentials(Provider),
    #[error("{0}")]
    Email(String),
}

impl Settings {
    /// Checks the settings that only make sense together.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.twilio_account_sid.is_some() != self.twilio_auth_token.is_some() {
            return Err(SettingsError::PartialTwilio);
        }
        if self.twilio_account_sid.is_some() && self.public_base_url.is_none() {
            return Err(SettingsError::MissingPublicBaseUrl);
        }
        if self.job_max_attempts < 1 {
            return Err(SettingsError::NoAttempts);
        }
        if self.api_bootstrap_key.as_ref().is_some_and(|key| key.expose_secret().len() < 32) {
            return Err(SettingsError::ShortBootstrapKey);
        }
        for origin in &self.cors_allowed_origins {
            let parsed = Url::parse(origin).map_err(|_| SettingsError::CorsOrigin(origin.clone()))?;
            if parsed.origin().ascii_serialization() != *origin {
                return Err(SettingsError::CorsOrigin(origin.clone()));
            }
        }
        if self.job_lease_seconds < 1 {
            return Err(SettingsError::NoLease);
        }
        let azure =
            [self.azure_openai_endpoint.is_some(), self.azure_openai_key.is_some(), self.azure_openai_model.is_some()];
        if azure.iter().any(|set| *set) && !azure.iter().all(|set| *set) {
            return Err(SettingsError::PartialAzureOpenAi);
        }
        self.mailer()?;
        if let Some(connection) = &self.acs_connection_string {
            AcsCredentials::from_connection_string(connection)
                .map_err(|e| SettingsError::AcsConnectionString(e.to_string()))?;
        }
        match self.phone_number_provider {
            Some(Provider::Twilio) if !self.twilio_configured() => {
                Err(SettingsError::ProviderWithoutCredentials(Provider::Twilio))
            }
            Some(Provider::Acs) if !self.acs_configured() => {
                Err(SettingsError::ProviderWithoutCredentials(Provider::Acs))
            }
            _ => Ok(()),
        }
    }

    pub fn acs_configured(&self) -> bool {
        self.acs_connection_string.is_some() || self.acs_endpoint.is_some()
    }

    /// Who carries PHONE_NUMBER: as configured, else the first provider with credentials; `None` when
    /// nothing says (the simulator stands in, unless a real provider already carries the number).
    pub fn phone_number_carrier(&self) -> Option<Provider> {
        self.phone_number_provider
            .or_else(|| self.twilio_configured().then_some(Provider::Twilio))
            .or_else(|| self.acs_configured().then_some(Provider::Acs))
    }

    pub fn twilio_configured(&self) -> bool {
        self.twilio_account_sid.is_some() && self.twilio_auth_token.is_some()
    }

    pub fn job_lease(&self) -> Duration {
        Duration::from_secs(self.job_lease_seconds)
    }

    /// Where appointment emails go: SMTP_URL, else SENDGRID_API_KEY; `None` without either (emails are then
    /// marked skipped).
    pub fn mailer(&self) -> Result<Option<Arc<dyn Mailer>>, SettingsError> {
        if self.smtp_url.is_some() && self.sendgrid_api_key.is_some() {
            return Err(SettingsError::Email("set SMTP_URL or SENDGRID_API_KEY, not both".into()));
        }
        let from = || {
            self.email_from
                .as_deref()
                .ok_or_else(|| SettingsError::Email("EMAIL_FROM must be set with SMTP_URL or SENDGRID_API_KEY".into()))
        };
        if let Some(url) = &self.smtp_url {
            return Ok(Some(Arc::new(SmtpMailer::new(url, from()?).map_err(SettingsError::Email)?)));
        }
        if let Some(key) = &self.sendgrid_api_key {
            return Ok(Some(Arc::new(SendGridMailer::new(&self.sendgrid_api_base, key.clone(), from()?))));
        }
        Ok(None)
    }

    /// How assistants' external calendars are reached: through the egress guard, like every tenant's URL.
    pub fn calendars(&self) -> smsagent_booking::calendar::Connector {
        smsagent_booking::calendar::Connector::new(
            self.egress().client(Duration::from_secs(10)),
            smsagent_booking::calendar::Endpoints {
                microsoft_login: self.microsoft_login_base.clone(),
                microsoft_graph: self.microsoft_graph_base.clone(),
            },
        )
    }

    /// What tenants' URLs may reach.
    pub fn egress(&self) -> smsagent_egress::Guard {
        smsagent_egress::Guard::new(&self.outbound_allowed_hosts)
    }

    /// The upload links' signer. Without UPLOAD_LINK_SECRET a random one is made, good for this process
    /// only; without PUBLIC_BASE_URL links point at HOST:PORT.
    pub fn upload_links(&self) -> smsagent_engine::uploads::UploadLinks {
        let secret = self.upload_link_secret.clone().unwrap_or_else(|| {
            tracing::warn!("UPLOAD_LINK_SECRET is not set: upload links work only until this process restarts");
            let random: [u8; 32] = rand::random();
            SecretString::from(random.iter().map(|b| format!("{b:02x}")).collect::<String>())
        });
        let base = self.public_base_url.clone().unwrap_or_else(|| format!("http://{}:{}", self.host, self.port));
        smsagent_engine::uploads::UploadLinks::new(
            secret,
            chrono::TimeDelta::hours(self.upload_link_hours.into()),
            &base,
        )
    }

    pub fn burst_window(&self) -> Duration {
        Duration::from_millis(self.reply_burst_window_ms)
    }
}

fn secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value))
}

fn provider(value: &str) -> Result<Provider, String> {
    Provider::parse(value).map_err(|e| e.to_string())
}

fn phone_number(value: &str) -> Result<PhoneNumber, String> {
    PhoneNumber::parse(value).map_err(|e| e.to_string())
}

/// An http(s) address without query or fragment, kept as written but for a trailing slash.
fn public_base_url(value: &str) -> Result<String, String> {
    let url = Url::parse(value).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("must be an http:// or https:// address".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_base_url_is_kept_as_written_without_its_trailing_slash() {
        assert_eq!(
            public_base_url("https://Sms.Example.com:8443/prefix/").unwrap(),
            "https://Sms.Example.com:8443/prefix"
        );
        assert!(public_base_url("ftp://example.com").is_err());
        assert!(public_base_url("https://example.com/?a=1").is_err());
        assert!(public_base_url("example.com").is_err());
    }
}
