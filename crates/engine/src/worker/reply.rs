//! `generate_reply`: answer the texts a conversation received since its last reply.
//!
//! One reply job waits per conversation, so a burst of texts gets one reply (see `crate::dialogue` for how
//! it is worked out). Everything the reply changes is stored in one transaction with it: the form's state,
//! a submission and its delivery, a booking and its notices, the contact's language, the outbound text and
//! its send. A text that
//! arrived while the reply was being written queued the next job; the reply in hand, written without it,
//! is then dropped (the conversation's counters decide, under its row lock), and the next job answers both.

use serde_json::Value;
use smsagent_domain::{Direction, Purpose, upload};
use smsagent_store::jobs::{self, ClaimedJob};
use smsagent_store::messages;
use smsagent_store::{assistants, conversations, forms, media, takeover, uploads};
use smsagent_tools::knowledge::answer::Found;
use tracing::info;
use uuid::Uuid;

use super::{JobError, WorkerDeps, booking, skip};
use crate::dialogue::{self, FormUpdate};
use crate::outbox::{self, Dispatch};
use crate::queue::Job;

/// Writes the reply. Its send comes back already claimed: the worker runs it next, without a round trip
/// through the queue.
pub(super) async fn generate_reply(
    deps: &WorkerDeps,
    job: &ClaimedJob,
    conversation_id: Uuid,
) -> Result<Option<ClaimedJob>, JobError> {
    let pool = &deps.pool;
    let Some(context) = conversations::reply_context(pool, conversation_id).await? else {
        return skip(pool, job, "the conversation is gone").await.map(|()| None);
    };
    if !context.progress.has_unanswered() {
        return skip(pool, job, "every text has been answered").await.map(|()| None);
    }
    if context.opted_out {
        return skip(pool, job, "the contact has opted out").await.map(|()| None);
    }
    if context.paused {
        return skip(pool, job, "a person has taken over the conversation").await.map(|()| None);
    }
    let (Some(assistant_id), Some(_provider)) = (context.assistant_id, context.provider) else {
        return skip(pool, job, "no assistant answers the number").await.map(|()| None);
    };
    let Some(assistant) = assistants::find(pool, assistant_id).await? else {
        return skip(pool, job, "the assistant was deleted").await.map(|()| None);
    };

    let history = messages::recent(pool, conversation_id, assistant.settings.history_limit.into()).await?;
    let newest = history.iter().rev().find(|m| m.direction == Direction::Inbound);
    if assistant.settings.id_photos > 0 && newest.is_some_and(|m| upload::asks_for_link(&m.body)) {
        return send_link(deps, job, &context).await.map(|()| None);
    }
    // What the reply is worked out from, read now: the dialogue itself reads nothing.
    let form_session = match &assistant.settings.form {
        Some(_) => forms::current(pool, conversation_id).await?,
        None => None,
    };
    let wordless = dialogue::wordless(&context, &history);
    let media = if wordless.is_empty() { Vec::new() } else { media::of_texts(pool, &wordless).await? };
    let photos_awaited =
        !media.is_empty() && assistant.settings.id_photos > 0 && uploads::photos_awaited(pool, conversation_id).await?;
    // Booking settings, read once: the calendar, the hours and the hand-off's "when" all come from them.
    let bookable = booking::bookable(pool, &deps.calendars, assistant_id).await?;
    let rules = bookable.as_ref().map(|(_, b)| b.rules.clone());
    // The calendar is read (an external one over the network) only when this reply may book.
    let calendar = match bookable {
        Some(found) if booking::in_play(assistant.settings.form.as_ref(), form_session.as_ref()) => {
            booking::calendar(pool, found, conversation_id, !job.is_last_attempt()).await?
        }
        _ => None,
    };
    let tools = smsagent_store::knowledge::builtin_tools(pool, assistant_id).await?;
    let knowledge = match tools.iter().any(|t| t == "knowledge_base") {
        true => Some(knowledge_for(pool, assistant_id, &dialogue::unanswered_words(&context, &history)).await?),
        false => None,
    };
    let hours = rules.as_ref().filter(|_| tools.iter().any(|t| t == "business_hours"));
    let handoff = tools
        .iter()
        .any(|t| t == "handoff_to_human")
        .then(|| crate::handoff::when_answered(rules.as_ref(), chrono::Utc::now()));
    let inputs = dialogue::Inputs {
        context: &context,
        assistant: &assistant,
        history: &history,
        form_session: form_session.as_ref(),
        media: &media,
        photos_awaited,
        may_retry: !job.is_last_attempt(),
        booking: calendar.as_ref(),
        knowledge: knowledge.as_deref(),
        handoff: handoff.as_ref(),
        hours,
    };
    let model = dialogue::Model {
        chat: deps.model.as_ref(),
        metrics: &deps.metrics,
        deadline: tokio::time::Instant::now() + deps.model_deadline,
    };
    let composed = dialogue::compose(&inputs, &model)
        .await
        .map_err(|dialogue::TryLater(reason)| JobError::Retry { reason, retry_after: None })?;
    let Some(mut reply) = composed else {
        return skip(pool, job, "no text to answer").await.map(|()| None);
    };

    let mut tx = pool.begin().await?;
    if !conversations::record_reply(&mut *tx, conversation_id, context.progress.inbound_count).await? {
        tx.rollback().await?;
        return skip(pool, job, "a text arrived while the reply was written; the next reply answers it too")
            .await
            .map(|()| None);
    }
    if let Some(update) = &reply.form {
        store_form(deps, &mut tx, conversation_id, &assistant, &context.contact, update).await?;
        // A completed form goes on to the ID photos, when the assistant asks for them.
        if update.submission.is_some() && assistant.settings.id_photos > 0 {
            queue_link(deps, &mut tx, conversation_id).await?;
        }
        // The reply says someone will follow up: from now on a person answers.
        if update.hand_over {
            takeover::hand_to_person(&mut *tx, conversation_id).await?;
            info!(%conversation_id, "the contact was stuck on a question; handed to a person");
        }
    }
    if let (Some(update), Some(calendar)) = (&reply.booking, &calendar) {
        let replying = booking::Replying {
            conversation_id,
            contact: &context.contact,
            language: reply.language,
            may_retry: !job.is_last_attempt(),
        };
        if let Some(instead) = booking::apply(deps, &mut tx, calendar, replying, update).await? {
            // The time was taken since the calendar was read: the reply says so, and what is free.
            reply.shaped = instead;
        }
    }
    if reply.handoff {
        crate::handoff::hand_over(&mut tx, &deps.queue, conversation_id, assistant_id, &history).await?;
    }
    if context.language != Some(reply.language) {
        conversations::set_language(&mut *tx, conversation_id, reply.language).await?;
    }
    // Finished before the send is claimed: the conversation's jobs run one at a time.
    jobs::complete(&mut *tx, job).await?;
    // This worker sends it next, without a round trip through the queue.
    let text = outbox::Text { body: &reply.shaped.text, purpose: Purpose::Reply, reply_to: Some(reply.reply_to) };
    let queued = outbox::queue(&mut tx, &deps.queue, conversation_id, text, Dispatch::ClaimedFor(deps.lease)).await?;
    let message_id = queued.message_id;
    tx.commit().await?;
    // A form submission's delivery may be waiting.
    deps.queue.wake();

    info!(%message_id, reply_to = %reply.reply_to, segments = reply.shaped.segments, "reply written");
    Ok(queued.claimed)
}

/// The passages the knowledge base holds on `said`.
async fn knowledge_for(pool: &sqlx::PgPool, assistant_id: Uuid, said: &str) -> Result<Vec<Found>, JobError> {
    let Some(tenant_id) = assistants::tenant_of(pool, assistant_id).await? else { return Ok(Vec::new()) };
    // Three passages: enough to answer from, few enough for the prompt.
    let hits = smsagent_store::knowledge::search(pool, tenant_id, said, 3).await?;
    Ok(hits.into_iter().map(|h| Found { title: h.title, heading: h.heading, body: h.body }).collect())
}

/// Answers a request for the upload link with the link.
async fn send_link(deps: &WorkerDeps, job: &ClaimedJob, context: &conversations::ReplyContext) -> Result<(), JobError> {
    let mut tx = deps.pool.begin().await?;
    if !conversations::record_reply(&mut *tx, context.conversation_id, context.progress.inbound_count).await? {
        tx.rollback().await?;
        return skip(&deps.pool, job, "a text arrived while the link was written; the next reply answers it too").await;
    }
    queue_link(deps, &mut tx, context.conversation_id).await?;
    jobs::complete(&mut *tx, job).await?;
    tx.commit().await?;
    deps.queue.wake();
    info!(conversation_id = %context.conversation_id, "upload link sent on request");
    Ok(())
}

async fn queue_link(deps: &WorkerDeps, tx: &mut smsagent_store::Tx, conversation_id: Uuid) -> Result<(), JobError> {
    let Some(target) = uploads::target(&mut **tx, conversation_id).await? else {
        return Err(JobError::Fatal("the conversation has no number of the tenant's to send the link from".into()));
    };
    // A reply to the contact's text: it goes now.
    crate::uploads::queue_link(tx, &deps.queue, &deps.uploads.links, &target).await?;
    Ok(())
}

/// The form's new state, and its submission (with the delivery to the completion URL) if it completed.
async fn store_form(
    deps: &WorkerDeps,
    tx: &mut smsagent_store::Tx,
    conversation_id: Uuid,
    assistant: &assistants::Assistant,
    contact: &smsagent_domain::Contact,
    update: &FormUpdate,
) -> Result<(), JobError> {
    let session_id = match update.session_id {
        Some(id) => {
            forms::save(&mut **tx, id, &update.state).await?;
            id
        }
        None => forms::begin(tx, conversation_id, assistant.id, &update.state).await?,
    };
    let Some(values) = &update.submission else { return Ok(()) };
    let answers: serde_json::Map<String, Value> = values.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
    let deliver = assistant.settings.completion_url.is_some();
    let submission = forms::NewSubmission {
        form_session_id: session_id,
        conversation_id,
        assistant_id: assistant.id,
        contact,
        answers: Value::Object(answers),
        unverified: update.state.unverified.iter().filter(|key| values.contains_key(*key)).cloned().collect(),
        deliver,
    };
    let submission_id = forms::insert_submission(&mut **tx, &submission).await?;
    if deliver {
        deps.queue.push(&mut **tx, &Job::DeliverSubmission { conversation_id, submission_id }).await?;
    }
    info!(%submission_id, deliver, "form completed");
    Ok(())
}
