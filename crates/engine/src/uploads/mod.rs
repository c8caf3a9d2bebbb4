//! ID photos: the link texted to applicants (`token`), and the files under UPLOAD_DIR (`storage`), where
//! photos texted in are kept too. The page behind the link is the HTTP crate's.

pub mod received;
pub mod storage;
pub mod token;

use chrono::{DateTime, Utc};
use smsagent_domain::upload::link_text;
use smsagent_domain::{Contact, Purpose};
use smsagent_store::uploads::{self, UploadTarget};
use smsagent_store::{PgPool, StoreError, Tx};
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

/// The upload link an operator sent.
#[derive(Debug)]
pub struct LinkSent {
    pub url: String,
    pub expires_at: DateTime<Utc>,
    /// When the text goes, if not now (the contact's quiet hours).
    pub send_at: Option<DateTime<Utc>>,
}

/// Texts the link to the contact of one of `tenant_id`'s conversations at an operator's request, as any
/// text the business starts: `may_text` (the contact's rate) first, then the outbox's checks, in one
/// transaction. `None` when the tenant has no such conversation.
pub async fn send_link<E>(
    pool: &PgPool,
    queue: &Queue,
    links: &UploadLinks,
    tenant_id: Uuid,
    conversation_id: Uuid,
    may_text: impl FnOnce(&Contact) -> Result<(), E>,
) -> Result<Option<LinkSent>, E>
where
    E: From<OutboxError> + From<StoreError>,
{
    let mut tx = pool.begin().await.map_err(StoreError::from)?;
    if !uploads::conversation_owned(&mut *tx, tenant_id, conversation_id).await? {
        return Ok(None);
    }
    let Some(target) = uploads::target(&mut *tx, conversation_id).await? else { return Ok(None) };
    may_text(&target.contact)?;
    let (url, expires_at, queued) = queue_link(&mut tx, queue, links, &target).await?;
    tx.commit().await.map_err(StoreError::from)?;
    queue.wake();
    Ok(Some(LinkSent { url, expires_at, send_at: queued.send_at }))
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
