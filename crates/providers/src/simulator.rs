//! The simulator: a provider that stores outbound texts as sent and lets nothing leave the machine, so the
//! service runs without any account.

use async_trait::async_trait;
use chrono::Utc;
use smsagent_domain::{MessageStatus, SendReceipt, segments};
use uuid::Uuid;

use crate::{OutboundSms, SendError, SmsSender};

#[derive(Debug, Clone, Default)]
pub struct SimulatorSender;

#[async_trait]
impl SmsSender for SimulatorSender {
    async fn send(&self, sms: &OutboundSms) -> Result<SendReceipt, SendError> {
        Ok(kept(&sms.body))
    }
}

/// The receipt for a text kept rather than sent (the simulator's, and a web chat's replies).
pub fn kept(body: &str) -> SendReceipt {
    let now = Utc::now();
    SendReceipt {
        message_sid: Some(format!("SIM{}", Uuid::now_v7().simple())),
        status: MessageStatus::Sent,
        num_segments: i32::try_from(segments::count(body).segments).ok(),
        price: None,
        price_unit: None,
        date_created: Some(now),
        date_sent: Some(now),
        date_updated: Some(now),
    }
}
