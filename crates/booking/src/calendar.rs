//! The calendars an assistant's appointments can be kept on, behind one trait. The built-in calendar is
//! Postgres alone; an external one (CalDAV, Microsoft Graph) is read for the times it holds busy before
//! slots are offered and again before a booking, and written with each appointment by a queued job.
//! Whatever the calendar, the booking itself is a Postgres row under the exclusion constraint on the
//! assistant's book (`builtin:<assistant id>`), so two bookings never take one time; another assistant (or
//! person) writing to the same external calendar is seen there as busy.

mod caldav;
mod graph;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use smsagent_egress::GuardedClient;

pub use caldav::CalDav;
pub use graph::Graph;

use crate::availability::Busy;

/// Where an assistant's appointments are kept, as operators write it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CalendarSettings {
    /// Postgres only: needs no account.
    #[default]
    Builtin,
    /// A CalDAV calendar collection (Nextcloud, iCloud, Fastmail, Radicale…), with Basic authentication.
    Caldav {
        /// The collection's address, ending in `/`.
        #[schema(example = "https://cloud.example.com/remote.php/dav/calendars/clinic/appointments/")]
        url: String,
        username: String,
        /// Write-only: never shown back.
        #[serde(serialize_with = "expose")]
        #[schema(value_type = String)]
        password: SecretString,
    },
    /// An Outlook calendar through Microsoft Graph, with an app registration's client credentials.
    MicrosoftGraph {
        /// The Entra ID (Azure AD) tenant.
        tenant: String,
        client_id: String,
        /// Write-only: never shown back.
        #[serde(serialize_with = "expose")]
        #[schema(value_type = String)]
        client_secret: SecretString,
        /// The mailbox whose calendar is used: `bookings@clinic.example`.
        user: String,
    },
}

impl PartialEq for CalendarSettings {
    /// The same calendar, whatever secret reaches it.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (CalendarSettings::Builtin, CalendarSettings::Builtin) => true,
            (
                CalendarSettings::Caldav { url: a, username: x, .. },
                CalendarSettings::Caldav { url: b, username: y, .. },
            ) => a == b && x == y,
            (
                CalendarSettings::MicrosoftGraph { tenant: a, client_id: x, user: u, .. },
                CalendarSettings::MicrosoftGraph { tenant: b, client_id: y, user: v, .. },
            ) => a == b && x == y && u == v,
            _ => false,
        }
    }
}

/// Secrets are kept in the stored settings (the database is the service's own); the API shows them as
/// [`CalendarSettings::redacted`].
fn expose<S: serde::Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    use secrecy::ExposeSecret;
    serializer.serialize_str(secret.expose_secret())
}

impl CalendarSettings {
    /// The settings as the API shows them: secrets replaced.
    pub fn redacted(&self) -> serde_json::Value {
        let mut shown = serde_json::to_value(self).unwrap_or_default();
        for secret in ["password", "client_secret"] {
            if shown.get(secret).is_some() {
                shown[secret] = serde_json::Value::from(MASKED);
            }
        }
        shown
    }

    /// What is wrong with the settings, if anything.
    pub fn check(&self) -> Result<(), String> {
        match self {
            CalendarSettings::Builtin => Ok(()),
            CalendarSettings::Caldav { url, username, .. } => {
                let parsed = url::Url::parse(url).map_err(|e| format!("calendar.url is not a URL: {e}"))?;
                if !matches!(parsed.scheme(), "http" | "https") || !url.ends_with('/') {
                    return Err("calendar.url must be the collection's http(s) address, ending in /".into());
                }
                if username.is_empty() {
                    return Err("calendar.username must be set".into());
                }
                Ok(())
            }
            CalendarSettings::MicrosoftGraph { tenant, client_id, user, .. } => {
                if tenant.is_empty() || client_id.is_empty() || !user.contains('@') {
                    return Err("calendar needs tenant, client_id, client_secret and the user's address".into());
                }
                Ok(())
            }
        }
    }

    /// The calendar to read and write, for an external one.
    pub fn connect(&self, connector: &Connector, zone: Tz) -> Option<Arc<dyn ExternalCalendar>> {
        let (http, endpoints) = (&connector.http, &connector.endpoints);
        let tokens = connector.tokens.clone();
        match self {
            CalendarSettings::Builtin => None,
            CalendarSettings::Caldav { url, username, password } => {
                Some(Arc::new(CalDav::new(http.clone(), url, username, password.clone(), zone)))
            }
            CalendarSettings::MicrosoftGraph { tenant, client_id, client_secret, user } => {
                let credentials = graph::Credentials { tenant, client_id, client_secret: client_secret.clone() };
                Some(Arc::new(Graph::new(http.clone(), endpoints, credentials, user, tokens)))
            }
        }
    }
}

/// What connecting to a calendar takes: the guarded HTTP client every tenant's URL goes through, and where
/// Microsoft's services are.
#[derive(Debug, Clone)]
pub struct Connector {
    pub http: GuardedClient,
    pub endpoints: Endpoints,
    /// Microsoft's tokens, kept across requests until they expire.
    pub tokens: graph::Tokens,
}

impl Connector {
    pub fn new(http: GuardedClient, endpoints: Endpoints) -> Connector {
        Connector { http, endpoints, tokens: graph::Tokens::default() }
    }
}

/// Where Microsoft's services are (their mocks in tests).
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub microsoft_login: String,
    pub microsoft_graph: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            microsoft_login: "https://login.microsoftonline.com".into(),
            microsoft_graph: "https://graph.microsoft.com".into(),
        }
    }
}

/// An appointment as a calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// The appointment's id: the event's UID (CalDAV) or transaction id (Graph), so writing it twice
    /// writes one event.
    pub id: uuid::Uuid,
    pub summary: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Why a calendar did not answer as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// Not now (unreachable, throttled, a server error): worth another try.
    #[error("the calendar is unavailable: {reason}")]
    Unavailable { reason: String, retry_after: Option<std::time::Duration> },
    /// Refused for good (credentials, a missing calendar): a person must fix the settings.
    #[error("the calendar refused: {0}")]
    Refused(String),
}

/// A calendar outside Postgres.
#[async_trait]
pub trait ExternalCalendar: Send + Sync + std::fmt::Debug {
    /// The times it holds busy that meet `[from, to)`.
    async fn busy(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Busy>, CalendarError>;
    /// Writes the event, replacing the version written before (`existing`: the calendar's id for it, as this
    /// returned it then). Returns the calendar's id for the event, when it makes its own.
    async fn put(&self, event: &CalendarEvent, existing: Option<&str>) -> Result<Option<String>, CalendarError>;
    /// Removes the event, if it is there.
    async fn remove(&self, id: uuid::Uuid, existing: Option<&str>) -> Result<(), CalendarError>;
}

/// Classes a failed HTTP exchange: 429 and 5xx are for later, the rest for a person.
fn from_status(status: reqwest::StatusCode, headers: &reqwest::header::HeaderMap, what: &str) -> CalendarError {
    let reason = format!("{what}: HTTP {status}");
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| std::time::Duration::from_secs(s.min(3600)));
        CalendarError::Unavailable { reason, retry_after }
    } else {
        CalendarError::Refused(reason)
    }
}

fn unreachable(what: &str, error: &reqwest::Error) -> CalendarError {
    match smsagent_egress::refusal(error) {
        Some(refused) => CalendarError::Refused(format!("{what}: {refused}")),
        None => CalendarError::Unavailable { reason: format!("{what}: {error}"), retry_after: None },
    }
}

/// The password the API shows in place of a secret. Sent back unchanged (settings read, edited and saved),
/// it keeps the secret stored for the same calendar.
pub const MASKED: &str = "********";

impl CalendarSettings {
    /// These settings, with a secret sent back masked replaced by the one `stored` holds for the same
    /// calendar; `Err` when there is none to keep.
    pub fn keeping_secret_of(self, stored: Option<&CalendarSettings>) -> Result<CalendarSettings, String> {
        use secrecy::ExposeSecret;
        let same = stored.filter(|s| **s == self);
        let kept = |secret: SecretString, name: &str, from: Option<&SecretString>| {
            if secret.expose_secret() != MASKED {
                return Ok(secret);
            }
            from.cloned().ok_or_else(|| {
                format!("calendar.{name}: send the secret itself ({MASKED} keeps it only for the same calendar)")
            })
        };
        Ok(match self {
            CalendarSettings::Caldav { url, username, password } => {
                let from = match same {
                    Some(CalendarSettings::Caldav { password, .. }) => Some(password),
                    _ => None,
                };
                CalendarSettings::Caldav { password: kept(password, "password", from)?, url, username }
            }
            CalendarSettings::MicrosoftGraph { tenant, client_id, client_secret, user } => {
                let from = match same {
                    Some(CalendarSettings::MicrosoftGraph { client_secret, .. }) => Some(client_secret),
                    _ => None,
                };
                let client_secret = kept(client_secret, "client_secret", from)?;
                CalendarSettings::MicrosoftGraph { tenant, client_id, client_secret, user }
            }
            CalendarSettings::Builtin => CalendarSettings::Builtin,
        })
    }
}
