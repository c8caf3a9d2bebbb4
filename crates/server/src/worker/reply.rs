//! `generate_reply`: decide and word the answer to a text, then queue it for sending.
//!
//! The answer to a text that opens a session is the assistant's greeting; otherwise the model words one
//! from the assistant's prompt and the conversation's newest messages. When the model keeps failing the
//! offline reply goes out instead, so the contact always hears back. A text followed by a newer one is not
//! answered on its own: the newer text's reply answers both.

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

pub(super) async fn generate_reply(deps: &WorkerDeps, job: &ClaimedJob, inbound_id: Uuid) -> Result<(), JobError> {
    let pool = &deps.pool;
    let Some(context) = messages::reply_context(pool, inbound_id).await? else {
        return skip(pool, job, "the text is gone").await;
    };
    if context.superseded {
        return skip(pool, job, "a newer text from the contact will be answered instead").await;
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

    let history = messages::recent(pool, context.conversation_id, assistant.history_limit).await?;
    let text = compose(deps, job, &assistant, &history).await?;
    let segments = segments::count(&text).segments;
    let reply = NewOutbound {
        provider,
        conversation_id: context.conversation_id,
        reply_to_message_id: Some(inbound_id),
        from: &context.business,
        to: &context.contact,
        body: &text,
        num_segments: i32::try_from(segments).unwrap_or(i32::MAX),
    };

    let mut tx = pool.begin().await?;
    let message_id = messages::insert_outbound(&mut *tx, &reply).await?;
    conversations::touch_for_outbound(&mut *tx, context.conversation_id).await?;
    deps.queue.push(&mut *tx, &Job::SendMessage { conversation_id: context.conversation_id, message_id }).await?;
    jobs::complete(&mut *tx, job).await?;
    tx.commit().await?;
    deps.queue.wake();

    info!(%message_id, reply_to = %inbound_id, segments, "reply written");
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
    match deps.model.reply(&request).await {
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
