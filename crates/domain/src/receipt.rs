use chrono::{DateTime, Utc};

use crate::MessageStatus;

/// What a provider said when it accepted an outbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct SendReceipt {
    /// The provider's id for the message (Twilio `SM…`, ACS `Outgoing_…`). `None` when the provider took
    /// the message but its answer could not be read: delivery reports, which carry our id, fill it in.
    pub message_sid: Option<String>,
    pub status: MessageStatus,
    pub num_segments: Option<i32>,
    /// A decimal as the provider wrote it, such as `-0.00750`.
    pub price: Option<String>,
    pub price_unit: Option<String>,
    pub date_created: Option<DateTime<Utc>>,
    pub date_sent: Option<DateTime<Utc>>,
    pub date_updated: Option<DateTime<Utc>>,
}

impl SendReceipt {
    /// A provider took the message but said nothing we could read about it.
    pub fn accepted_without_details() -> Self {
        SendReceipt {
            message_sid: None,
            status: MessageStatus::Accepted,
            num_segments: None,
            price: None,
            price_unit: None,
            date_created: None,
            date_sent: None,
            date_updated: None,
        }
    }
}
