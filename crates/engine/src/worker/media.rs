//! The fetch of an inbound text's media (MMS): each item is downloaded with the account's credentials,
//! judged by its first bytes and kept under UPLOAD_DIR like an uploaded ID photo, under the same limits
//! (UPLOAD_MAX_BYTES a file, a few files a conversation). While the assistant is waiting for ID photos, a
//! photo texted in counts as one: the front first, then the back, each confirmed by text as the upload
//! page does.

use chrono::{TimeDelta, Utc};
use smsagent_domain::upload::{self, FileKind, SNIFF_BYTES, Side, receipt_text};
use smsagent_providers::twilio::{MediaError, TwilioSender};
use smsagent_store::media::{self, Kept, Pending};
use smsagent_store::uploads::{self, NewUpload};
use smsagent_store::{PgPool, jobs};
use tracing::{info, warn};
use uuid::Uuid;

use super::{JobError, WorkerDeps, skip};
use crate::queue::Job;
use crate::uploads::storage::{Incoming, Stored};
use smsagent_store::jobs::ClaimedJob;

pub(super) async fn fetch_media(
    deps: &WorkerDeps,
    job: &ClaimedJob,
    conversation_id: Uuid,
    message_id: Uuid,
) -> Result<(), JobError> {
    let pool = &deps.pool;
    let pending = media::pending(pool, message_id).await?;
    if pending.is_empty() {
        return skip(pool, job, "no media left to fetch").await;
    }
    let Some(twilio) = deps.senders.twilio.as_ref() else {
        for item in &pending {
            media::mark_not_kept(pool, item.id, true, "Twilio is not configured here").await?;
        }
        return skip(pool, job, "media to fetch, but Twilio is not configured").await;
    };
    for item in &pending {
        // No download outlives the lease (else another worker fetches the same item alongside): each gets
        // half of what is left of it, and what does not fit waits for the next attempt.
        let budget = job.lease_left() / 2;
        let fetched = tokio::time::timeout(budget, download(deps, twilio, item))
            .await
            .unwrap_or_else(|_| Err(Fetch::Unavailable("the download did not finish within the lease".into())));
        match fetched {
            Ok((incoming, kind)) => keep(deps, conversation_id, item, *incoming, kind).await?,
            Err(Fetch::Refused(reason)) => {
                info!(media_id = %item.id, %reason, "media not kept");
                media::mark_not_kept(pool, item.id, false, &reason).await?;
            }
            Err(Fetch::Unavailable(reason)) if job.is_last_attempt() => {
                warn!(media_id = %item.id, %reason, "media could not be fetched; giving up");
                media::mark_not_kept(pool, item.id, true, &reason).await?;
            }
            // What was kept stays kept; the next attempt fetches the rest.
            Err(Fetch::Unavailable(reason)) => return Err(JobError::Retry { reason, retry_after: None }),
        }
    }
    // A text of photos alone waits for its photos' fate while ID photos are awaited: answered by a receipt
    // when one counted, else by the reply queued here (it skips when the text was answered meanwhile).
    let mut tx = pool.begin().await?;
    deps.queue.push(&mut *tx, &Job::GenerateReply { conversation_id }).await?;
    jobs::complete(&mut *tx, job).await?;
    tx.commit().await?;
    deps.queue.wake();
    Ok(())
}

/// Why an item was not downloaded.
enum Fetch {
    /// Not worth another try: not a kind we keep, too big, not there.
    Refused(String),
    Unavailable(String),
}

/// Downloads an item to a temporary file: refused by its first bytes, or the moment it is too big.
async fn download(
    deps: &WorkerDeps,
    twilio: &TwilioSender,
    item: &Pending,
) -> Result<(Box<Incoming>, FileKind), Fetch> {
    let mut response = twilio.fetch_media(&item.url).await.map_err(|e| match e {
        MediaError::Unavailable(reason) => Fetch::Unavailable(reason),
        other => Fetch::Refused(other.to_string()),
    })?;
    let max = deps.uploads.max_bytes;
    let unreadable = |e: reqwest::Error| Fetch::Unavailable(format!("the media stopped arriving: {e}"));
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut file: Option<(Box<Incoming>, FileKind)> = None;
    let outcome = async {
        while let Some(chunk) = response.chunk().await.map_err(unreadable)? {
            match file.as_mut() {
                None => {
                    head.extend_from_slice(&chunk);
                    if head.len() < SNIFF_BYTES {
                        continue;
                    }
                    let kind = FileKind::sniff(&head).ok_or_else(|| not_kept(&item.declared_type))?;
                    let mut incoming = deps.uploads.dir.begin().await.map_err(|e| Fetch::Unavailable(e.to_string()))?;
                    incoming.write(&head).await.map_err(|e| Fetch::Unavailable(e.to_string()))?;
                    file = Some((Box::new(incoming), kind));
                }
                Some((incoming, _)) => incoming.write(&chunk).await.map_err(|e| Fetch::Unavailable(e.to_string()))?,
            }
            if file.as_ref().is_some_and(|(incoming, _)| incoming.size > max) {
                return Err(Fetch::Refused(format!("larger than UPLOAD_MAX_BYTES ({max} bytes)")));
            }
        }
        Ok(())
    }
    .await;
    match (outcome, file) {
        (Ok(()), Some(file)) => Ok(file),
        (Ok(()), None) => Err(not_kept(&item.declared_type)),
        (Err(refusal), file) => {
            if let Some((incoming, _)) = file {
                incoming.discard();
            }
            Err(refusal)
        }
    }
}

fn not_kept(declared: &str) -> Fetch {
    Fetch::Refused(format!("not a photo or PDF (declared {declared}): only those are kept"))
}

/// Keeps a downloaded file: under the conversation's lock, within its limit, as an ID photo when one is
/// awaited. The row and the photo's receipt are one transaction; should it fail, the file goes.
async fn keep(
    deps: &WorkerDeps,
    conversation_id: Uuid,
    item: &Pending,
    incoming: Incoming,
    kind: FileKind,
) -> Result<(), JobError> {
    let dir = &deps.uploads.dir;
    let stored =
        dir.keep(incoming, kind).await.map_err(|e| JobError::Retry { reason: e.to_string(), retry_after: None })?;
    let kept = record(deps, conversation_id, item, kind, &stored).await;
    if !matches!(kept, Ok(true))
        && let Err(removed) = dir.remove(&stored.name).await
    {
        warn!(error = %removed, "a media file not kept could not be removed");
    }
    if kept? {
        deps.queue.wake();
    }
    Ok(())
}

/// Records a kept file; `false` when it is not needed: the conversation had taken its files (the item is
/// refused), was erased, or another attempt kept the item first.
async fn record(
    deps: &WorkerDeps,
    conversation_id: Uuid,
    item: &Pending,
    kind: FileKind,
    stored: &Stored,
) -> Result<bool, JobError> {
    let pool: &PgPool = &deps.pool;
    let mut tx = pool.begin().await?;
    if !uploads::lock(&mut *tx, conversation_id).await? {
        return Ok(false);
    }
    let kept_already = uploads::counts(&mut *tx, conversation_id, Utc::now(), None).await?.in_conversation;
    if kept_already >= upload::MAX_FILES_PER_CONVERSATION {
        let reason = format!("the conversation keeps at most {} files", upload::MAX_FILES_PER_CONVERSATION);
        media::mark_not_kept(&mut *tx, item.id, false, &reason).await?;
        tx.commit().await?;
        return Ok(false);
    }
    let size_bytes = i64::try_from(stored.size).unwrap_or(i64::MAX);
    let kept = Kept { kind, size_bytes, sha256: stored.sha256, stored_name: &stored.name };
    if !media::mark_stored(&mut *tx, item.id, &kept).await? {
        return Ok(false);
    }
    if let Some(target) = uploads::target(&mut *tx, conversation_id).await?
        && target.id_photos > 0
        && uploads::photos_awaited(&mut *tx, conversation_id).await?
        && let Some(side) = target.sides().iter().copied().find(|s| !target.received.contains(s))
    {
        let quiet = TimeDelta::seconds(upload::RECEIPT_QUIET_SECONDS);
        // (No link: the count through one does not matter here.)
        let last = uploads::counts(&mut *tx, conversation_id, Utc::now(), Some(side)).await?.side_last_at;
        let upload = NewUpload {
            conversation_id,
            link_expires_at: None,
            contact: &target.contact,
            side,
            kind,
            size_bytes,
            sha256: stored.sha256,
            stored_name: &stored.name,
        };
        let upload_id = uploads::insert(&mut *tx, &upload).await?;
        media::counted_as(&mut *tx, item.id, upload_id).await?;
        let missing: Vec<Side> =
            target.sides().iter().copied().filter(|s| *s != side && !target.received.contains(s)).collect();
        let receipt = receipt_text(side, &missing, target.language.unwrap_or_default());
        if last.is_none_or(|at| Utc::now() - at >= quiet) {
            crate::uploads::queue_receipt(&mut tx, &deps.queue, conversation_id, &receipt).await?;
        }
        info!(%conversation_id, side = side.as_str(), "a texted photo counts as the ID photo");
    }
    tx.commit().await?;
    info!(media_id = %item.id, kind = kind.as_str(), size = stored.size, "media kept");
    Ok(true)
}
