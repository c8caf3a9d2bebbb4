//! ID photos: the link texted to applicants (`token`), and the files under UPLOAD_DIR (`storage`), where
//! photos texted in are kept too. The page behind the link is the HTTP crate's.

pub mod storage;
pub mod token;

use chrono::{DateTime, Utc};
use smsagent_domain::Purpose;
use smsagent_domain::upload::link_text;
use smsagent_store::uploads::UploadTarget;
use smsagent_store::{StoreError, Tx};
use uuid::Uuid;

pub use storage::UploadDir;
pub use token::UploadLinks;

use crate::outbox::{self, Dispatch, OutboxError, Queued};
use crate::queue::Queue;

/// The links, UPLOAD_DIR and its limit.
#[derive(Debug, Clone)]
pub struct Uploads {
    pub links: UploadLinks,
    pub dir: UploadDir,
    /// UPLOAD_MAX_BYTES.
    pub max_bytes: u64,
}

/// Texts the upload link for the conversation, in the caller's transaction: now when it answers the
/// contact's text of the last day, else when their quiet hours allow. Returns the link, when it stops
/// working, and the text queued.
pub async fn queue_link(
    tx: &mut Tx,
    queue: &Queue,
    links: &UploadLinks,
    target: &UploadTarget,
) -> Result<(String, DateTime<Utc>, Queued), OutboxError> {
    let (link, expires_at) = links.link(target.conversation_id, Utc::now());
    let text = link_text(&link, target.sides(), links.lifetime.num_hours(), target.language.unwrap_or_default());
    let text = outbox::Text { body: &text, purpose: Purpose::UploadLink, reply_to: None };
    let queued = outbox::queue(tx, queue, target.conversation_id, text, Dispatch::Queued).await?;
    Ok((link, expires_at, queued))
}

/// Texts the applicant that a photo arrived, in the caller's transaction. A contact who opted out meanwhile
/// is not texted.
pub async fn queue_receipt(tx: &mut Tx, queue: &Queue, conversation_id: Uuid, receipt: &str) -> Result<(), StoreError> {
    let text = outbox::Text { body: receipt, purpose: Purpose::UploadReceipt, reply_to: None };
    match outbox::queue(tx, queue, conversation_id, text, Dispatch::Queued).await {
        Ok(_) => Ok(()),
        Err(OutboxError::Store(e)) => Err(e),
        Err(OutboxError::Refused(why)) => {
            tracing::info!(%conversation_id, %why, "no receipt for the photo");
            Ok(())
        }
    }
}
