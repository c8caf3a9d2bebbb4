//! A text an operator sends (`POST /api/v1/sms/send`): the conversation opened (or touched: a takeover's
//! idle clock restarts), the text through the outbox, and, with an Idempotency-Key, the first call's
//! answer kept for its repeats, all in one transaction.

use serde_json::Value;
use smsagent_domain::message_body::MessageBody;
use smsagent_domain::{Channel, Contact, PhoneNumber, Purpose};
use smsagent_store::idempotency::{self, Claim};
use smsagent_store::{PgPool, StoreError, takeover};
use tracing::info;
use uuid::Uuid;

use crate::outbox::{self, Dispatch, OutboxError, Queued};
use crate::queue::Queue;

/// An operator's text.
#[derive(Debug, Clone, Copy)]
pub struct OperatorText<'a> {
    pub tenant_id: Uuid,
    /// One of the tenant's numbers.
    pub from: &'a PhoneNumber,
    pub to: &'a Contact,
    pub channel: Channel,
    pub body: &'a MessageBody,
    /// The caller's Idempotency-Key and a hash of its request.
    pub idempotency: Option<(&'a str, [u8; 32])>,
}

/// What became of it.
#[derive(Debug)]
pub enum Sent {
    /// Queued: the answer given was `answer(&queued)`.
    Queued { queued: Queued, answer: Value },
    /// A repeat of an earlier call with the same key: its answer.
    Replay { status: u16, body: Value },
    /// The key was used for a different request.
    KeyReused,
}

/// Sends `text`; `answer` writes the caller's answer (status and body) for a queued text, kept for repeats.
pub async fn send(
    pool: &PgPool,
    queue: &Queue,
    text: OperatorText<'_>,
    answer: impl FnOnce(&Queued) -> (u16, Value),
) -> Result<Sent, OutboxError> {
    let mut tx = pool.begin().await.map_err(StoreError::from)?;
    if let Some((key, hash)) = &text.idempotency {
        match idempotency::claim(&mut tx, text.tenant_id, key, hash).await? {
            Claim::New => {}
            Claim::Replay { status, body } => return Ok(Sent::Replay { status, body }),
            Claim::Mismatch => return Ok(Sent::KeyReused),
        }
    }
    let conversation_id = takeover::open_for_send(&mut *tx, text.from, text.to, text.channel).await?;
    // A person answering ends a hand-off to one.
    smsagent_store::handoffs::resolve(&mut *tx, conversation_id, "operator_reply").await?;
    let outgoing = outbox::Text { body: text.body, purpose: Purpose::Operator, reply_to: None };
    let queued = outbox::queue(&mut tx, queue, conversation_id, outgoing, Dispatch::Queued).await?;
    let (status, body) = answer(&queued);
    if let Some((key, _)) = &text.idempotency {
        idempotency::finish(&mut tx, text.tenant_id, key, status, &body).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    if queued.send_at.is_none() {
        queue.wake();
    }
    info!(
        message_id = %queued.message_id,
        to = text.to.masked(),
        held_for_quiet_hours = queued.send_at.is_some(),
        "operator text queued"
    );
    Ok(Sent::Queued { queued, answer: body })
}
