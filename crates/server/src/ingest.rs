//! Storing a text that arrived: the one transaction every channel's webhook goes through.
//!
//! The conversation is created or touched, the message stored, and the reply queued, all or nothing. The
//! provider's message id is unique, so a webhook delivered twice stores nothing the second time and queues
//! no second reply. Keywords (STOP, START, HELP, goodbyes) are acted on here, in the same transaction. No
//! model or provider is called: the webhook answers at once.

use std::time::Duration;

use smsagent_domain::keywords;
use smsagent_store::messages::{self, NewInbound};
use smsagent_store::{PgPool, StoreError, conversations};
use tracing::{info, warn};
use uuid::Uuid;

use crate::compliance::{self, Handled};
use crate::jobs::{Job, Queue};

/// What became of an arriving text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// Already stored: a retried webhook. Nothing was done.
    Duplicate,
    Stored {
        message_id: Uuid,
        conversation_id: Uuid,
        reply_queued: bool,
    },
}

/// Stores `text` and queues its reply, which waits `burst_window` for more texts to answer with it.
pub async fn ingest(
    pool: &PgPool,
    queue: &Queue,
    burst_window: Duration,
    text: &NewInbound<'_>,
) -> Result<Ingested, StoreError> {
    let mut tx = pool.begin().await?;
    let conversation = conversations::touch_for_inbound(&mut *tx, text).await?;
    let Some(message_id) = messages::insert_inbound(&mut *tx, conversation.id, text).await? else {
        tx.rollback().await?;
        info!(provider = %text.provider, message_sid = text.message_sid, "duplicate delivery ignored");
        return Ok(Ingested::Duplicate);
    };

    let handled = match keywords::classify(text.body, conversation.opted_out) {
        Some(keyword) => {
            compliance::handle(&mut tx, queue, &conversation, text.to, text.from, text.body, keyword).await?
        }
        None => Handled::NotHandled,
    };
    let reply_queued = handled == Handled::NotHandled
        && conversation.assistant_id.is_some()
        && !conversation.paused
        && !conversation.opted_out;
    if reply_queued {
        // When a reply is already waiting, it will answer this text too.
        queue.push_after(&mut *tx, &Job::GenerateReply { conversation_id: conversation.id }, burst_window).await?;
    }
    tx.commit().await?;

    if reply_queued || handled == Handled::Answered {
        queue.wake();
    }
    if handled == Handled::NotHandled && conversation.assistant_id.is_none() {
        warn!(to = text.to.masked(), %message_id, "no assistant answers this number: text stored, no reply");
    }
    info!(
        provider = %text.provider,
        %message_id,
        conversation_id = %conversation.id,
        from = text.from.masked(),
        reply_queued,
        "text received"
    );
    Ok(Ingested::Stored { message_id, conversation_id: conversation.id, reply_queued })
}
