use chrono::{DateTime, Utc};

use crate::MessageStatus;

/// What a provider said when it accepted an outbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct SendReceipt {
    /// The provider's id for the message (Twilio `SM…`, ACS `Outgoing_…`).
    pub message_sid: String,
    pub status: MessageStatus,
    pub num_segments: Option<i32>,
    /// A decimal as the provider wrote it, such as `-0.00750`.
    pub price: Option<String>,
    pub price_unit: Option<String>,
    pub date_created: Option<DateTime<Utc>>,
    pub date_sent: Option<DateTime<Utc>>,
    pub date_updated: Option<DateTime<Utc>>,
}
