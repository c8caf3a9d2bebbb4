//! An ID photo received through the upload page: its row and its confirming text, counted against the
//! caps under the conversation's lock.

use chrono::{TimeDelta, Utc};
use smsagent_domain::upload::{self, FileKind, Side};
use smsagent_store::uploads::{self, NewUpload, UploadTarget};
use smsagent_store::{PgPool, StoreError};

use super::queue_receipt;
use super::storage::Stored;
use super::token::Link;
use crate::queue::Queue;

/// A file received whole, through `link`.
#[derive(Debug)]
pub struct Received<'a> {
    pub link: Link,
    pub side: Side,
    pub kind: FileKind,
    pub stored: &'a Stored,
}

/// What became of a received file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Kept, with its confirming text unless one went for the same side a moment ago.
    Kept { texted: bool },
    /// The link or the conversation had taken its files meanwhile.
    Full,
}

/// Whether a link or its conversation has taken all the files it takes.
pub fn full(counts: &uploads::UploadCounts) -> bool {
    counts.through_link >= upload::MAX_FILES_PER_LINK || counts.in_conversation >= upload::MAX_FILES_PER_CONVERSATION
}

/// The row, the confirming text and its send, all or nothing; counted under the conversation's lock, so
/// uploads arriving together are capped and confirmed one after another.
pub async fn record(
    pool: &PgPool,
    queue: &Queue,
    target: &UploadTarget,
    received: &Received<'_>,
    receipt: &str,
) -> Result<Recorded, StoreError> {
    let mut tx = pool.begin().await?;
    uploads::lock(&mut *tx, target.conversation_id).await?;
    let counts =
        uploads::counts(&mut *tx, target.conversation_id, received.link.expires_at, Some(received.side)).await?;
    if full(&counts) {
        return Ok(Recorded::Full);
    }
    let upload = NewUpload {
        conversation_id: target.conversation_id,
        link_expires_at: Some(received.link.expires_at),
        contact: &target.contact,
        side: received.side,
        kind: received.kind,
        size_bytes: i64::try_from(received.stored.size).unwrap_or(i64::MAX),
        sha256: received.stored.sha256,
        stored_name: &received.stored.name,
    };
    uploads::insert(&mut *tx, &upload).await?;
    let quiet = TimeDelta::seconds(upload::RECEIPT_QUIET_SECONDS);
    let texted = counts.side_last_at.is_none_or(|at| Utc::now() - at >= quiet);
    if texted {
        queue_receipt(&mut tx, queue, target.conversation_id, receipt).await?;
    }
    tx.commit().await?;
    queue.wake();
    Ok(Recorded::Kept { texted })
}
