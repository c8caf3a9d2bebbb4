//! `deliver_submission`: POST a completed form to the assistant's completion URL, signed.
//!
//! The body is JSON. `Smsagent-Signature` is `t=<unix seconds>,v1=<hex HMAC-SHA256>` over `"<t>.<body>"`
//! with the assistant's completion secret, as Stripe signs webhooks: the receiver recomputes it and refuses
//! old timestamps, which stops replays. `Smsagent-Event-Id` is the submission's id, the same on every
//! retry, so a receiver can ignore a repeat.

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use serde_json::json;
use sha2::Sha256;
use smsagent_providers::parse_retry_after;
use smsagent_store::forms::{self, Delivery};
use smsagent_store::jobs::{self, ClaimedJob};
use tracing::{error, info, warn};
use uuid::Uuid;

use super::{JobError, WorkerDeps, skip};

pub(super) async fn deliver_submission(
    deps: &WorkerDeps,
    job: &ClaimedJob,
    submission_id: Uuid,
) -> Result<(), JobError> {
    let pool = &deps.pool;
    let Some(delivery) = forms::delivery(pool, submission_id).await? else {
        return skip(pool, job, "the submission is gone").await;
    };
    if delivery.delivered {
        return skip(pool, job, "already delivered").await;
    }
    let (Some(url), Some(secret)) = (delivery.url.clone(), delivery.secret.clone()) else {
        return end(deps, job, submission_id, Err("the assistant has no completion URL and secret any more"), false)
            .await;
    };

    let request = match deps.http.post(&url) {
        Ok(request) => request,
        Err(refused) => {
            warn!(%submission_id, %refused, "the completion URL is refused");
            return end(deps, job, submission_id, Err(&format!("refused: {refused}")), false).await;
        }
    };
    let sent = signed(deps, job, request, submission_id, &secret, &payload(&delivery)).await?;

    let (retryable, reason, retry_after) = match sent {
        Ok(response) if response.status().is_success() => {
            info!(%submission_id, "submission delivered");
            return end(deps, job, submission_id, Ok(()), false).await;
        }
        Ok(response) => {
            let status = response.status();
            let retryable = matches!(status.as_u16(), 408 | 425 | 429) || status.is_server_error();
            (
                retryable,
                format!("the completion URL answered HTTP {status}"),
                parse_retry_after(response.headers(), Utc::now()),
            )
        }
        // A refused address shows as a failed connection: not worth retrying, and not worth detailing to the
        // tenant (that would tell them what answers inside).
        Err(e) if smsagent_egress::refusal(&e).is_some() => {
            (false, "refused: the completion URL resolves to an inside address".into(), None)
        }
        Err(e) => (true, format!("the completion URL did not answer: {e}"), None),
    };
    if retryable && !job.is_last_attempt() {
        warn!(%submission_id, %reason, "delivery failed; it will be retried");
        return Err(JobError::Retry { reason, retry_after });
    }
    error!(%submission_id, %reason, "the submission could not be delivered");
    end(deps, job, submission_id, Err(&reason), retryable).await
}

/// Records how the delivery ended, with the job's end: done, or dead when it ran out of attempts.
async fn end(
    deps: &WorkerDeps,
    job: &ClaimedJob,
    submission_id: Uuid,
    outcome: Result<(), &str>,
    out_of_attempts: bool,
) -> Result<(), JobError> {
    let mut tx = deps.pool.begin().await?;
    forms::record_delivery(&mut *tx, submission_id, outcome).await?;
    match outcome {
        Err(reason) if out_of_attempts => jobs::bury(&mut *tx, job, reason).await?,
        _ => jobs::complete(&mut *tx, job).await?,
    }
    tx.commit().await?;
    Ok(())
}

fn payload(delivery: &Delivery) -> serde_json::Value {
    json!({
        "type": "form.completed",
        "id": delivery.id,
        "assistant_id": delivery.assistant_id,
        "conversation_id": delivery.conversation_id,
        "contact_number": delivery.contact_number,
        "submitted_at": delivery.submitted_at,
        "answers": delivery.answers,
        "unverified": delivery.unverified,
    })
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"`.
/// Sends `payload` as JSON, signed with `secret` (`Smsagent-Signature`) under the event id `event_id`:
/// what every POST to a business's own endpoint looks like.
pub(super) async fn signed(
    deps: &WorkerDeps,
    job: &ClaimedJob,
    request: reqwest::RequestBuilder,
    event_id: Uuid,
    secret: &secrecy::SecretString,
    payload: &serde_json::Value,
) -> Result<reqwest::Result<reqwest::Response>, JobError> {
    let body = serde_json::to_vec(payload).map_err(|e| JobError::Fatal(e.to_string()))?;
    let timestamp = Utc::now().timestamp();
    let signature = sign(secret.expose_secret().as_bytes(), timestamp, &body);
    Ok(request
        // Within the lease, so the job cannot be taken over while the business is still being called.
        .timeout((job.lease_left() / 2).min(deps.http.timeout()))
        .header("content-type", "application/json")
        .header("Smsagent-Event-Id", event_id.to_string())
        .header("Smsagent-Signature", format!("t={timestamp},v1={signature}"))
        .body(body)
        .send()
        .await)
}

pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts a key of any length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_stripes_scheme() {
        // Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_test', b'1700000000.{}', hashlib.sha256).hexdigest())"
        assert_eq!(
            sign(b"whsec_test", 1_700_000_000, b"{}"),
            "35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }
}
