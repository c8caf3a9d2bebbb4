//! Configuration: every setting comes from the environment (or `.env`), each documented in `.env.example`,
//! and can also be given as a command-line flag. Secrets are `SecretString`s and never reach a log.

use std::time::Duration;

use secrecy::SecretString;
use smsagent_domain::PhoneNumber;
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

    /// OpenAI (or compatible) API key. Without it, an offline assistant answers.
    #[arg(long, env = "OPENAI_API_KEY", value_parser = secret, hide_env_values = true)]
    pub openai_api_key: Option<SecretString>,

    /// Chat completions base address, including /v1.
    #[arg(long, env = "OPENAI_BASE_URL", default_value = "https://api.openai.com/v1")]
    pub openai_base_url: String,

    /// Model for assistants that do not name one.
    #[arg(long, env = "OPENAI_MODEL", default_value = "gpt-4o-mini")]
    pub openai_model: String,

    /// Longest wait for the model's answer, in seconds.
    #[arg(long, env = "OPENAI_TIMEOUT_SECONDS", default_value_t = 20)]
    pub openai_timeout_seconds: u64,

    /// The business's number (E.164). At start-up it is registered, answered by a default assistant.
    #[arg(long, env = "PHONE_NUMBER", value_parser = phone_number)]
    pub phone_number: Option<PhoneNumber>,

    /// How long a reply waits for more texts, in milliseconds: texts arriving together get one reply.
    #[arg(long, env = "REPLY_BURST_WINDOW_MS", default_value_t = 2000)]
    pub reply_burst_window_ms: u64,

    /// Jobs the worker runs at once (0: no worker in this process).
    #[arg(long, env = "WORKER_CONCURRENCY", default_value_t = 8)]
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
    #[error("JOB_LEASE_SECONDS must be at least 1")]
    NoLease,
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
        if self.job_lease_seconds < 1 {
            return Err(SettingsError::NoLease);
        }
        Ok(())
    }

    pub fn twilio_configured(&self) -> bool {
        self.twilio_account_sid.is_some() && self.twilio_auth_token.is_some()
    }

    pub fn job_lease(&self) -> Duration {
        Duration::from_secs(self.job_lease_seconds)
    }

    pub fn burst_window(&self) -> Duration {
        Duration::from_millis(self.reply_burst_window_ms)
    }
}

fn secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value))
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
