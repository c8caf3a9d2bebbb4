use smsagent_providers::twilio::SignatureValidator;
use smsagent_store::PgPool;

use crate::jobs::Queue;

/// What every request handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub queue: Queue,
    /// How long a reply waits for more texts to answer with it.
    pub burst_window: std::time::Duration,
    /// `None` when Twilio is not configured: its webhooks cannot be verified and are refused.
    pub twilio: Option<TwilioWebhooks>,
}

/// How Twilio's webhooks are authenticated.
#[derive(Debug, Clone)]
pub struct TwilioWebhooks {
    pub validator: SignatureValidator,
    /// PUBLIC_BASE_URL: the request's path and query are appended to rebuild the URL Twilio signed.
    pub public_base_url: String,
}
