//! `send_message`: hand a stored outbound text to its provider and record what it said.
//!
//! The text was stored as `queued` before this job ran, so a delivery report that arrives before the
//! provider's answer is recorded still finds it. A text already handed over, or already failed, is not sent
//! again, and nothing is ever sent to an opted-out contact.

use smsagent_domain::{MessageStatus, Provider};
use smsagent_providers::{OutboundSms, SendError};
use smsagent_store::jobs::{self, ClaimedJob};
use smsagent_store::messages::{self, OutboundMessage};
use smsagent_store::opt_outs::{self, OptOutSource};
use tracing::{info, warn};
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
    if opt_outs::is_opted_out(pool, &message.from, &message.to).await? {
        return fail(deps, job, &message, None, "not sent: the recipient has opted out", false).await;
    }

    let sms = OutboundSms {
        from: message.from.clone(),
        to: message.to.clone(),
        body: message.body.clone(),
        status_callback: callback_url(deps, &message),
    };
    let sent = match deps.senders.get(message.provider) {
        Ok(sender) => sender.send(&sms).await,
        Err(e) => Err(e),
    };

    match sent {
        Ok(receipt) => {
            let mut tx = pool.begin().await?;
            messages::record_accepted(&mut *tx, message.id, &receipt).await?;
            jobs::complete(&mut *tx, job).await?;
            tx.commit().await?;
            info!(%message_id, message_sid = %receipt.message_sid, status = %receipt.status, "text handed to the provider");
            Ok(())
        }
        Err(SendError::Rejected { code, message: reason, opted_out }) => {
            warn!(%message_id, ?code, opted_out, "the provider refused the text");
            fail(deps, job, &message, code.as_deref(), &reason, opted_out).await
        }
        Err(SendError::Transient { reason, retry_after }) => {
            if job.is_last_attempt() {
                let gave_up = format!("not sent after {} attempts: {reason}", job.attempt);
                messages::record_failed(pool, message.id, None, &gave_up).await?;
            }
            Err(JobError::Retry { reason, retry_after })
        }
        Err(SendError::Misconfigured(reason)) => {
            messages::record_failed(pool, message.id, None, &reason).await?;
            Err(JobError::Fatal(reason))
        }
    }
}

/// Records a text that will never be sent, and the opt-out that caused it if there was one, with the job's end.
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
        opt_outs::record(&mut *tx, &message.from, &message.to, OptOutSource::Provider, code).await?;
    }
    jobs::complete(&mut *tx, job).await?;
    tx.commit().await?;
    Ok(())
}

/// Twilio reports delivery to the URL given with each message; ours carries the message's id.
fn callback_url(deps: &WorkerDeps, message: &OutboundMessage) -> Option<String> {
    match message.provider {
        Provider::Twilio => deps.status_callback_url.as_ref().map(|base| format!("{base}?message_id={}", message.id)),
        Provider::Acs | Provider::Simulator => None,
    }
}
