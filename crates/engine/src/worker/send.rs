//! `send_message`: hand a stored outbound text to its provider and record what it said.
//!
//! The text was stored as `queued` before this job ran, so a delivery report that arrives before the
//! provider's answer is recorded still finds it. Once a provider has taken a text, that is recorded before
//! anything else, and a text already taken, or already failed, is never sent again. Nothing is ever sent to
//! an opted-out contact.
//!
//! Each attempt is on record before the provider is called, and waits for the provider no longer than half
//! of what is left of the job's lease, so no other worker can take the job over while it is under way. An
//! attempt that follows one whose outcome was lost (a killed worker, a crashed database, a timeout) first
//! asks the provider whether it has the text, and records the text it has instead of sending it again.

use std::time::Duration;

use chrono::Utc;
use smsagent_domain::{
    Channel, Contact, MessageStatus, Provider, Purpose, SendReceipt, quiet_hours, whatsapp_window_closed,
};
use smsagent_providers::{OutboundSms, SendError, SmsSender, simulator};
use smsagent_store::jobs::{self, ClaimedJob};
use smsagent_store::messages::{self, OutboundMessage, SendAttempt};
use smsagent_store::opt_outs::{self, ConsentChange, ConsentSource};
use smsagent_store::{PgPool, StoreError};
use tracing::{error, info, warn};
use uuid::Uuid;

use super::{JobError, WorkerDeps, skip};

pub(super) async fn send_message(deps: &WorkerDeps, job: &ClaimedJob, message_id: Uuid) -> Result<(), JobError> {
    let pool = &deps.pool;
    let Some(message) = messages::outbound(pool, message_id).await? else {
        return skip(pool, job, "the text is gone").await;
    };
    if message.message_sid.is_some() || message.status != MessageStatus::Queued {
        return skip(pool, job, "the text was already handed over or has failed").await;
    }
    let confirms_opt_out = message.purpose == Some(Purpose::OptOutConfirmation);
    if !confirms_opt_out && message.recipient_opted_out {
        return fail(deps, job, &message, None, "not sent: the recipient has opted out", false).await;
    }
    // WhatsApp takes free text only within a day of the contact's last message; after that Twilio would
    // take it and fail it later (63016): it is not sent, and says why.
    if outside_whatsapp_window(&message) {
        return fail(deps, job, &message, None, WHATSAPP_WINDOW_CLOSED, false).await;
    }
    let now = Utc::now();
    if let Some(at) = held_until(&message, now) {
        let delay = (at - now).to_std().unwrap_or_default();
        jobs::retry_later(pool, job, delay, "held for the recipient's quiet hours").await?;
        info!(%message_id, until = %at, "a business text came due in the recipient's quiet hours; held");
        return Ok(());
    }

    // Whether an earlier attempt may have left the text at the provider: then it is never marked failed.
    let mut earlier_unknown = false;
    let sent = match &message.to {
        // A web chat reads its replies from the conversation, and an operator's test from the API: kept,
        // as the simulator keeps texts.
        Contact::Chat(_) | Contact::Test(_) => Ok(simulator::kept(&message.body)),
        Contact::Phone(_) | Contact::WhatsApp(_) => {
            let Some(to) = message.to.phone() else { return Err(JobError::Fatal("no number to send to".into())) };
            let attempt = match (job.attempt, message.send_attempts, message.first_send_attempt_at) {
                // A reply's send, run at once by the worker that wrote it: the reply's transaction recorded
                // this first attempt with the text.
                (1, 1, Some(first_at)) => SendAttempt { after_unknown_outcome: false, first_at },
                // `None`: the job is no longer ours (or the text was erased meanwhile; the next claim skips).
                _ => match messages::begin_send_attempt(pool, message.id, job).await? {
                    Some(attempt) => attempt,
                    None => return Err(JobError::LeaseLost),
                },
            };
            earlier_unknown = attempt.after_unknown_outcome;
            let sms = OutboundSms {
                id: message.id,
                first_attempt_at: attempt.first_at,
                from: message.from.clone(),
                to: to.clone(),
                body: message.body.clone(),
                status_callback: callback_url(deps, &message),
                conversation: message.external_id.clone(),
                deadline: Some(std::time::Instant::now() + job.lease_left() / 2),
                whatsapp: message.channel == Channel::WhatsApp,
                // Held at the provider no longer than until the recipient's quiet hours.
                validity: quiet_hours::deliver_within(to, Utc::now()).to_std().ok(),
            };
            match deps.senders.get(message.provider, message.channel) {
                Ok(sender) => match earlier_attempt(deps, sender, &sms, &message, &attempt).await {
                    Ok(Some(found)) => {
                        info!(%message_id, sid = ?found.message_sid, "an earlier attempt had reached the provider: recorded, not sent again");
                        Ok(found)
                    }
                    Ok(None) => sender.send(&sms).await,
                    // Whatever the lookup met, the earlier attempt's outcome is still unknown.
                    Err(SendError::Misconfigured(reason)) => Err(SendError::Misconfigured(reason)),
                    Err(e) => Err(SendError::Unanswered {
                        reason: format!("cannot tell whether an earlier attempt reached the provider: {e}"),
                        retry_after: match e {
                            SendError::Transient { retry_after, .. } | SendError::Unanswered { retry_after, .. } => {
                                retry_after
                            }
                            _ => None,
                        },
                    }),
                },
                Err(e) => Err(e),
            }
        }
    };

    let outcome = match &sent {
        Ok(_) => "accepted",
        Err(SendError::Rejected { .. }) => "rejected",
        Err(SendError::Transient { .. }) => "transient_failure",
        Err(SendError::Unanswered { .. }) => "unanswered",
        Err(SendError::Misconfigured(_)) => "misconfigured",
    };
    deps.metrics.send(message.provider.as_str(), outcome);
    match sent {
        Ok(receipt) => {
            let finished = match record_accepted(pool, message.id, &receipt, job, deps.lease / 2).await {
                Ok(finished) => finished,
                Err(e) => {
                    // Not sending again matters more than finishing the bookkeeping: the job dies with the
                    // provider's id in its error, and delivery reports (which carry our id) fill in the row.
                    error!(%message_id, sid = ?receipt.message_sid, error = %e, "the provider took the text but recording it failed");
                    return Err(JobError::Fatal(format!(
                        "the provider took the text ({:?}) but recording it failed, so it is not sent again: {e}",
                        receipt.message_sid
                    )));
                }
            };
            if !finished {
                return Err(JobError::LeaseLost);
            }
            info!(%message_id, sid = ?receipt.message_sid, status = %receipt.status, "text handed to the provider");
            Ok(())
        }
        Err(SendError::Rejected { code, message: reason, opted_out }) => {
            warn!(%message_id, ?code, opted_out, "the provider refused the text");
            fail(deps, job, &message, code.as_deref(), &reason, opted_out).await
        }
        Err(SendError::Transient { reason, retry_after }) if !job.is_last_attempt() => {
            messages::record_not_taken(pool, message.id, job).await?;
            Err(JobError::Retry { reason, retry_after })
        }
        Err(SendError::Unanswered { reason, retry_after }) if !job.is_last_attempt() => {
            Err(JobError::Retry { reason, retry_after })
        }
        Err(error @ (SendError::Transient { .. } | SendError::Unanswered { .. } | SendError::Misconfigured(_))) => {
            let maybe_sent = error.may_have_been_taken() || earlier_unknown;
            let reason = match error {
                SendError::Misconfigured(reason) => reason,
                other => format!("not sent after {} attempts: {other}", job.attempt),
            };
            give_up(deps, job, &message, &reason, maybe_sent).await
        }
    }
}

/// How far before the first attempt (by our database's clock) the provider's records are searched: room
/// for the two clocks to disagree.
const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

/// The text an earlier attempt left at the provider, if any earlier attempt may have. Of the provider's
/// texts that look like this one, the oldest that no other message of ours has recorded.
async fn earlier_attempt(
    deps: &WorkerDeps,
    sender: &dyn SmsSender,
    sms: &OutboundSms,
    message: &OutboundMessage,
    attempt: &SendAttempt,
) -> Result<Option<SendReceipt>, SendError> {
    if !attempt.after_unknown_outcome {
        return Ok(None);
    }
    let candidates = sender.find_sent(sms, attempt.first_at - CLOCK_SKEW).await?;
    let sids: Vec<String> = candidates.iter().filter_map(|c| c.message_sid.clone()).collect();
    if sids.is_empty() {
        return Ok(None);
    }
    let unclaimed =
        messages::first_unrecorded(&deps.pool, message.provider, &sids).await.map_err(|e| SendError::Transient {
            reason: format!("cannot check the provider's texts against ours: {e}"),
            retry_after: None,
        })?;
    Ok(unclaimed.and_then(|sid| candidates.into_iter().find(|c| c.message_sid.as_ref() == Some(&sid))))
}

/// Records the provider's receipt and finishes the job, trying again for a while if the database is briefly
/// unavailable. Returns whether the job was still ours to finish.
async fn record_accepted(
    pool: &PgPool,
    id: Uuid,
    receipt: &SendReceipt,
    job: &ClaimedJob,
    patience: Duration,
) -> Result<bool, StoreError> {
    let deadline = tokio::time::Instant::now() + patience;
    let mut pause = Duration::from_millis(50);
    loop {
        match messages::record_accepted(pool, id, receipt, job).await {
            Err(StoreError::Database(e)) if tokio::time::Instant::now() + pause < deadline => {
                warn!(error = %e, "cannot record the provider's receipt yet; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            done => return done,
        }
    }
}

/// The provider refused the text for good: record why (and the opt-out, if that was why) with the job's end.
async fn fail(
    deps: &WorkerDeps,
    job: &ClaimedJob,
    message: &OutboundMessage,
    code: Option<&str>,
    reason: &str,
    opted_out: bool,
) -> Result<(), JobError> {
    let mut tx = deps.pool.begin().await?;
    messages::record_failed(&mut *tx, message.id, code, reason).await?;
    if opted_out {
        let change = ConsentChange { source: ConsentSource::Provider, detail: code, message_id: Some(message.id) };
        opt_outs::record(&mut *tx, &message.from, &message.to, &change).await?;
    }
    jobs::complete(&mut *tx, job).await?;
    tx.commit().await?;
    Ok(())
}

/// Sending cannot succeed (out of attempts, or our settings are wrong): the text is marked failed and the
/// job left dead for an operator, together. A text the provider may have all the same (`maybe_sent`: an
/// attempt's outcome was never learned) keeps its `queued` status, with the reason, so a delivery report
/// can still move it on.
async fn give_up(
    deps: &WorkerDeps,
    job: &ClaimedJob,
    message: &OutboundMessage,
    reason: &str,
    maybe_sent: bool,
) -> Result<(), JobError> {
    let mut tx = deps.pool.begin().await?;
    if maybe_sent {
        let reason = format!("{reason}; the provider may have the text");
        messages::record_outcome_unknown(&mut *tx, message.id, &reason).await?;
    } else {
        messages::record_failed(&mut *tx, message.id, None, reason).await?;
    }
    jobs::bury(&mut *tx, job, reason).await?;
    tx.commit().await?;
    error!(message_id = %message.id, %reason, maybe_sent, "the text could not be sent; the job is left dead");
    Ok(())
}

/// When a text the business starts (an operator's, an upload link) may go, if not now. It was held for the
/// recipient's quiet hours when queued; one that comes due again only later (retried after a failure,
/// delayed by an outage) is held again rather than sent at night. Replies are never held.
fn held_until(message: &OutboundMessage, now: chrono::DateTime<Utc>) -> Option<chrono::DateTime<Utc>> {
    message.purpose.and_then(|purpose| quiet_hours::text_due_at(purpose, &message.to, message.last_inbound_at, now))
}

/// What a WhatsApp text that missed the window records.
const WHATSAPP_WINDOW_CLOSED: &str = "not sent: WhatsApp takes free text only within 24 hours of the contact's last message; after that only an approved template";

/// Whether the contact last wrote more than WhatsApp's 24 hours ago (or never).
fn outside_whatsapp_window(message: &OutboundMessage) -> bool {
    matches!(message.to, Contact::WhatsApp(_)) && whatsapp_window_closed(message.last_inbound_at, Utc::now())
}

/// Twilio reports delivery to the URL given with each message; ours carries the message's id.
fn callback_url(deps: &WorkerDeps, message: &OutboundMessage) -> Option<String> {
    match (message.provider, message.channel) {
        // WhatsApp goes through the same Messages API, and reports through the same callback.
        (Provider::Twilio, Channel::Sms) | (_, Channel::WhatsApp) => {
            deps.status_callback_url.as_ref().map(|base| format!("{base}?message_id={}", message.id))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use smsagent_domain::PhoneNumber;

    use super::*;

    fn to_new_york(purpose: Purpose, last_inbound_at: Option<chrono::DateTime<Utc>>) -> OutboundMessage {
        OutboundMessage {
            id: Uuid::now_v7(),
            conversation_id: Uuid::now_v7(),
            provider: Provider::Twilio,
            from: PhoneNumber::parse("+15557654321").unwrap(),
            to: Contact::Phone(PhoneNumber::parse("+12125550123").unwrap()),
            body: "Your viewing is at 10.".into(),
            status: MessageStatus::Queued,
            message_sid: None,
            purpose: Some(purpose),
            created_at: Utc::now(),
            channel: Channel::Sms,
            external_id: None,
            recipient_opted_out: false,
            send_attempts: 0,
            first_send_attempt_at: None,
            last_inbound_at,
        }
    }

    #[test]
    fn a_business_text_due_in_the_night_is_held_a_reply_is_not() {
        // 03:00 in New York; its window opens at 08:00 (13:00 UTC).
        let night = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let opens = Utc.with_ymd_and_hms(2026, 12, 1, 13, 0, 0).unwrap();
        assert_eq!(held_until(&to_new_york(Purpose::Operator, None), night), Some(opens));
        assert_eq!(held_until(&to_new_york(Purpose::UploadLink, None), night), Some(opens));
        assert_eq!(held_until(&to_new_york(Purpose::Reply, None), night), None, "a reply answers their text");
        let they_wrote = Some(night - TimeDelta::hours(2));
        assert_eq!(held_until(&to_new_york(Purpose::Operator, they_wrote), night), None, "within a day of theirs");
    }
}
