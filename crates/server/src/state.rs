use secrecy::SecretString;
use smsagent_domain::PhoneNumber;
use smsagent_engine::queue::Queue;
use smsagent_providers::twilio::SignatureValidator;
use smsagent_store::PgPool;

/// What every request handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub queue: Queue,
    /// How long a reply waits for more texts to answer with it.
    pub burst_window: std::time::Duration,
    /// How long `POST /chat` waits for the worker's reply: a job's lease, after which it would be retried.
    pub chat_wait: std::time::Duration,
    /// `None` when Twilio is not configured: its webhooks cannot be verified and are refused.
    pub twilio: Option<TwilioWebhooks>,
    pub event_grid: EventGridAuth,
    pub conversations: ConversationsWebhook,
    /// API_BOOTSTRAP_KEY: the default tenant's key from the settings.
    pub bootstrap_key: Option<crate::api_keys::BootstrapKey>,
    pub limits: std::sync::Arc<crate::api::limits::RateLimits>,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    /// ID photo uploads: links, UPLOAD_DIR and its limit.
    pub uploads: smsagent_engine::uploads::Uploads,
    /// The Twilio account's numbers, when Twilio is configured.
    pub twilio_numbers: Option<TwilioNumberSetup>,
    /// What tenants' URLs may reach (OUTBOUND_ALLOWED_HOSTS): checked when one is set.
    pub egress: smsagent_egress::Guard,
    /// How assistants' external calendars are reached.
    pub calendars: smsagent_booking::calendar::Connector,
    /// TRUSTED_PROXIES: whose X-Forwarded-For says who the caller is.
    pub trusted_proxies: std::sync::Arc<[std::net::IpAddr]>,
}

/// The Twilio account's numbers: which it holds, and setting one's webhook.
#[derive(Debug, Clone)]
pub struct TwilioNumberSetup {
    pub client: smsagent_providers::twilio::TwilioNumbers,
    /// PUBLIC_BASE_URL and the inbound webhook's path; `None` without PUBLIC_BASE_URL.
    pub webhook_url: Option<String>,
}

/// How Event Grid's deliveries are authenticated: a secret in the query (`code`) or in a header. Two
/// secrets are accepted while one is rotated out; with none configured, every delivery is refused.
#[derive(Debug, Clone, Default)]
pub struct EventGridAuth {
    pub secrets: Vec<SecretString>,
    pub header: Option<String>,
}

/// What Twilio Conversations' webhook needs to know.
#[derive(Debug, Clone)]
pub struct ConversationsWebhook {
    /// The assistant's own identity: its messages are never answered.
    pub author: String,
    /// Our number for conversations whose webhook does not name the participant's proxy address.
    pub default_business: Option<PhoneNumber>,
}

/// How Twilio's webhooks are authenticated.
#[derive(Debug, Clone)]
pub struct TwilioWebhooks {
    pub validator: SignatureValidator,
    /// PUBLIC_BASE_URL: the request's path and query are appended to rebuild the URL Twilio signed.
    pub public_base_url: String,
}
