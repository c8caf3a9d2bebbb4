//! `generate_reply`: decide and word the answer to a conversation's new texts, then queue it for sending.
//!
//! The answer to texts that open a session is the assistant's greeting; otherwise the model words one from
//! the assistant's prompt and the conversation's newest messages. When the model keeps failing the offline
//! reply goes out instead, so the contact always hears back.
//!
//! One reply job waits per conversation, so a burst of texts gets one reply. A text that arrives while a
//! reply is being written queues the next job; the reply in hand, written without it, is then dropped
//! (the conversation's counters decide, under its row lock), and the next job answers everything.

use smsagent_ai::{ChatError, ChatRequest, ChatTurn, OFFLINE_REPLY, Speaker};
use smsagent_domain::session::{self, Turn};
use smsagent_domain::{Direction, segments};
use smsagent_store::assistants::{self, Assistant};
use smsagent_store::conversations;
use smsagent_store::jobs::{self, ClaimedJob};
use smsagent_store::messages::{self, HistoryEntry, NewOutbound};
use tracing::{info, warn};
use uuid::Uuid;

use super::{JobError, WorkerDeps, skip};
use crate::jobs::Job;

pub(super) async fn generate_reply(deps: &WorkerDeps, job: &ClaimedJob, conversation_id: Uuid) -> Result<(), JobError> {
    let pool = &deps.pool;
    let Some(context) = conversations::reply_context(pool, conversation_id).await? else {
        return skip(pool, job, "the conversation is gone").await;
    };
    if !context.progress.has_unanswered() {
        return skip(pool, job, "every text has been answered").await;
    }
    if context.opted_out {
        return skip(pool, job, "the contact has opted out").await;
    }
    if context.paused {
        return skip(pool, job, "a person has taken over the conversation").await;
    }
    let (Some(assistant_id), Some(provider)) = (context.assistant_id, context.provider) else {
        return skip(pool, job, "no assistant answers the number").await;
    };
    let Some(assistant) = assistants::find(pool, assistant_id).await? else {
        return skip(pool, job, "the assistant was deleted").await;
    };

    let history = messages::recent(pool, conversation_id, assistant.history_limit).await?;
    let Some(newest_text) = history.iter().rev().find(|m| m.direction == Direction::Inbound).map(|m| m.id) else {
        return skip(pool, job, "no text to answer").await;
    };
    let text = compose(deps, job, &assistant, &history).await?;
    let segments = segments::count(&text).segments;
    let reply = NewOutbound {
        provider,
        conversation_id,
        reply_to_message_id: Some(newest_text),
        from: &context.business,
        to: &context.contact,
        body: &text,
        num_segments: i32::try_from(segments).unwrap_or(i32::MAX),
    };

    let mut tx = pool.begin().await?;
    if !conversations::record_reply(&mut *tx, conversation_id, context.progress.inbound_count).await? {
        tx.rollback().await?;
        return skip(pool, job, "a text arrived while the reply was written; the next reply answers it too").await;
    }
    let message_id = messages::insert_outbound(&mut *tx, &reply).await?;
    deps.queue.push(&mut *tx, &Job::SendMessage { conversation_id, message_id }).await?;
    jobs::complete(&mut *tx, job).await?;
    tx.commit().await?;
    deps.queue.wake();

    info!(%message_id, reply_to = %newest_text, segments, "reply written");
    Ok(())
}

/// The reply's words: the greeting for a new session, else the model's, else the offline reply.
async fn compose(
    deps: &WorkerDeps,
    job: &ClaimedJob,
    assistant: &Assistant,
    history: &[HistoryEntry],
) -> Result<String, JobError> {
    let turns: Vec<Turn> = history.iter().map(|m| Turn { direction: m.direction, at: m.created_at }).collect();
    let greeting = assistant.first_sms.trim();
    if session::awaits_greeting(&turns, assistant.session_window) && !greeting.is_empty() {
        return Ok(greeting.to_owned());
    }

    let request = ChatRequest {
        system_prompt: assistant.sms_prompt.clone(),
        history: history
            .iter()
            .map(|m| ChatTurn {
                speaker: match m.direction {
                    Direction::Inbound => Speaker::Contact,
                    Direction::Outbound => Speaker::Business,
                },
                text: m.body.clone(),
            })
            .collect(),
        max_tokens: assistant.max_reply_tokens,
        model: assistant.model.clone(),
        temperature: assistant.temperature,
    };
    // The deadline keeps the whole job well inside its lease, whatever the client's own retries do.
    let answer = tokio::time::timeout(deps.model_deadline, deps.model.reply(&request))
        .await
        .unwrap_or_else(|_| Err(ChatError::Transient(format!("no answer within {:?}", deps.model_deadline))));
    match answer {
        Ok(text) => Ok(text),
        Err(ChatError::Transient(reason)) if !job.is_last_attempt() => {
            Err(JobError::Retry { reason, retry_after: None })
        }
        Err(e) => {
            warn!(error = %e, "the model gave no reply; sending the offline reply");
            Ok(OFFLINE_REPLY.to_owned())
        }
    }
}
