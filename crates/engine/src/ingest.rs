//! Storing a text that arrived: what every channel's webhook goes through.
//!
//! The conversation is created or touched, the message stored, and the reply queued, all or nothing. The
//! provider's message id is unique, so a webhook delivered twice stores nothing the second time and queues
//! no second reply. Most texts are no keyword and go in one statement (`smsagent_store::inbound`); keywords
//! (STOP, START, HELP, goodbyes) are acted on in one transaction with the text, and so are media (MMS),
//! recorded with their fetch queued. No model or provider is
//! called: the webhook answers at once.

use std::time::Duration;

use smsagent_domain::keywords::{self, Standing};
use smsagent_store::inbound::{self, TakenIn};
use smsagent_store::messages::{self, NewInbound};
use smsagent_store::{PgPool, StoreError, conversations, media};
use tracing::{info, warn};
use uuid::Uuid;

use crate::compliance::{self, Handled};
use crate::queue::{Job, Queue};

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
    // Read as widely as possible (as if the contact had opted out, when a plain "yes" opts back in): most
    // texts are no keyword, and one statement takes them in; keywords need the transaction below.
    let stored = if !keywords::may_be_keyword(text.body) && text.media.is_empty() {
        ordinary(pool, queue, burst_window, text).await?
    } else {
        in_a_transaction(pool, queue, burst_window, text).await?
    };
    let Some(stored) = stored else {
        info!(provider = %text.provider, message_sid = text.message_sid, "duplicate delivery ignored");
        return Ok(Ingested::Duplicate);
    };
    if stored.wake {
        queue.wake();
    }
    if !stored.answered {
        warn!(to = text.to.masked(), message_id = %stored.message_id, "no assistant answers this number: text stored, no reply");
    }
    info!(
        provider = %text.provider,
        message_id = %stored.message_id,
        conversation_id = %stored.conversation_id,
        from = text.from.masked(),
        reply_queued = stored.reply_queued,
        "text received"
    );
    Ok(Ingested::Stored {
        message_id: stored.message_id,
        conversation_id: stored.conversation_id,
        reply_queued: stored.reply_queued,
    })
}

/// Texts one statement takes in at most: a batch's arrays stay a few hundred kilobytes.
const BATCH_STATEMENT_TEXTS: usize = 500;
/// Runs shorter than this go text by text: the one-text statement costs the database less CPU per text,
/// and a few commits are no burden (measured with 10-event deliveries at 16 clients: a fifth more texts a
/// second than one statement each, and half the p99).
const BATCH_STATEMENT_FROM: usize = 16;

/// Stores a batch of texts (an Event Grid delivery) and queues their replies, as [`ingest`] would one by one,
/// in a few statements: each long run of ordinary texts in one, each keyword on its own in its place (so
/// the batch keeps its order). A run the statement cannot take (a text racing its twin from another
/// delivery) is taken in text by text.
pub async fn ingest_batch(
    pool: &PgPool,
    queue: &Queue,
    burst_window: Duration,
    texts: &[NewInbound<'_>],
) -> Result<Vec<Ingested>, StoreError> {
    let mut ingested = Vec::with_capacity(texts.len());
    let mut rest = texts;
    while let Some(first) = rest.first() {
        if keywords::may_be_keyword(first.body) {
            ingested.push(ingest(pool, queue, burst_window, first).await?);
            rest = &rest[1..];
            continue;
        }
        let run = rest.iter().take(BATCH_STATEMENT_TEXTS).take_while(|t| !keywords::may_be_keyword(t.body)).count();
        let (ordinary, after) = rest.split_at(run);
        rest = after;
        if ordinary.len() < BATCH_STATEMENT_FROM {
            // The one-text statement is the leaner one: a short run goes text by text.
            for text in ordinary {
                ingested.push(ingest(pool, queue, burst_window, text).await?);
            }
            continue;
        }
        match inbound::take_in_batch(pool, ordinary, queue.max_attempts(), burst_window).await {
            Ok(taken) => ingested.extend(taken.into_iter().map(|t| match t.taken {
                TakenIn::Duplicate => Ingested::Duplicate,
                TakenIn::Stored { message_id, conversation_id, reply_due, .. } => {
                    Ingested::Stored { message_id, conversation_id, reply_queued: reply_due }
                }
            })),
            Err(e) => {
                warn!(texts = ordinary.len(), error = %e, "a batch of texts could not be taken in at once; one by one");
                for text in ordinary {
                    ingested.push(ingest(pool, queue, burst_window, text).await?);
                }
            }
        }
    }
    let stored = ingested.iter().filter(|i| matches!(i, Ingested::Stored { .. })).count();
    if ingested.iter().any(|i| matches!(i, Ingested::Stored { reply_queued: true, .. })) {
        queue.wake();
    }
    // A single text was logged as it went in; a batch is worth a line of its own.
    if texts.len() > 1 {
        info!(texts = texts.len(), stored, duplicates = texts.len() - stored, "batch of texts received");
    }
    Ok(ingested)
}

/// A text taken in, committed.
struct Stored {
    message_id: Uuid,
    conversation_id: Uuid,
    reply_queued: bool,
    /// Something was queued that a worker should start on.
    wake: bool,
    /// Someone answers the number (or the text was a keyword, answered by the rules).
    answered: bool,
}

/// A text that is no keyword: one statement. `None` when it was stored before.
async fn ordinary(
    pool: &PgPool,
    queue: &Queue,
    burst_window: Duration,
    text: &NewInbound<'_>,
) -> Result<Option<Stored>, StoreError> {
    Ok(match inbound::take_in(pool, text, queue.max_attempts(), burst_window).await? {
        TakenIn::Duplicate => None,
        TakenIn::Stored { message_id, conversation_id, answered, reply_due } => {
            Some(Stored { message_id, conversation_id, reply_queued: reply_due, wake: reply_due, answered })
        }
    })
}

/// A text that may be a keyword, whose meaning can depend on the conversation (opted out or not), or that
/// carries media: read the conversation, then act, in one transaction (the media recorded and their fetch
/// queued with the text). `None` when it was stored before.
async fn in_a_transaction(
    pool: &PgPool,
    queue: &Queue,
    burst_window: Duration,
    text: &NewInbound<'_>,
) -> Result<Option<Stored>, StoreError> {
    let mut tx = pool.begin().await?;
    let conversation = conversations::touch_for_inbound(&mut *tx, text).await?;
    // Decided once, for the contact's standing now, and stored with the text.
    let keyword = keywords::classify(text.body, Standing::of(conversation.opted_out));
    let Some(message_id) =
        messages::insert_inbound(&mut *tx, conversation.id, text, keyword.map(|k| k.keyword)).await?
    else {
        tx.rollback().await?;
        return Ok(None);
    };

    let handled = match keyword {
        Some(keyword) => {
            let arrived = compliance::KeywordText { message_id, text: text.body, keyword };
            compliance::handle(&mut tx, queue, &conversation, text.to, text.from, arrived).await?
        }
        None => Handled::NotHandled,
    };
    if media::record(&mut *tx, message_id, conversation.id, text.media).await? > 0 {
        queue.push(&mut *tx, &Job::FetchMedia { conversation_id: conversation.id, message_id }).await?;
    }
    let reply_queued = handled == Handled::NotHandled
        && conversation.assistant_id.is_some()
        && !conversation.paused
        && !conversation.opted_out;
    if reply_queued {
        // When a reply is already waiting, it will answer this text too.
        queue.push_after(&mut *tx, &Job::GenerateReply { conversation_id: conversation.id }, burst_window).await?;
    }
    tx.commit().await?;
    Ok(Some(Stored {
        message_id,
        conversation_id: conversation.id,
        reply_queued,
        wake: reply_queued || handled == Handled::Answered || !text.media.is_empty(),
        answered: handled != Handled::NotHandled || conversation.assistant_id.is_some(),
    }))
}
