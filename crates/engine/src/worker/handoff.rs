//! `notify_handoff`: tells the business a contact asked for a person, at the assistant's completion URL,
//! signed as form deliveries are (`Smsagent-Signature`), with the conversation so far. The email to the
//! business's admin, when there is one, was queued with the hand-off.

use serde_json::json;
use smsagent_store::handoffs;
use smsagent_store::jobs::{self, ClaimedJob};
use tracing::{info, warn};
use uuid::Uuid;

use super::deliver::signed;
use super::{JobError, WorkerDeps, skip};

pub(super) async fn notify(deps: &WorkerDeps, job: &ClaimedJob, handoff_id: Uuid) -> Result<(), JobError> {
    let pool = &deps.pool;
    let Some(notice) = handoffs::notice(pool, handoff_id).await? else {
        return skip(pool, job, "the hand-off is gone").await;
    };
    if notice.notified {
        return skip(pool, job, "the business was told already").await;
    }
    let (Some(url), Some(secret)) = (&notice.url, &notice.secret) else {
        return skip(pool, job, "the assistant has no completion URL to tell").await;
    };
    let request = match deps.http.post(url) {
        Ok(request) => request,
        Err(refused) => return Err(JobError::Fatal(format!("the completion URL is refused: {refused}"))),
    };
    let body = json!({
        "type": "handoff",
        "handoff_id": notice.id,
        "conversation_id": notice.conversation_id,
        "contact": notice.contact_number,
        "business_number": notice.business_number,
        "requested_at": notice.requested_at,
        "summary": notice.summary,
    });
    let sent = signed(deps, job, request, notice.id, secret, &body).await?;
    match sent {
        Ok(response) if response.status().is_success() => {
            let mut tx = pool.begin().await?;
            handoffs::mark_notified(&mut *tx, handoff_id).await?;
            jobs::complete(&mut *tx, job).await?;
            tx.commit().await?;
            info!(%handoff_id, "the business was told of the hand-off");
            Ok(())
        }
        Ok(response) => {
            let reason = format!("the completion URL answered {}", response.status());
            warn!(%handoff_id, %reason, "the hand-off notice was not taken");
            Err(JobError::Retry { reason, retry_after: None })
        }
        Err(e) => Err(JobError::Retry { reason: format!("the completion URL: {e}"), retry_after: None }),
    }
}
