//! ID photos: the link texted to applicants (`token`), and the files under UPLOAD_DIR (`storage`), where
//! photos texted in are kept too. The page behind the link is the HTTP crate's.

pub mod storage;
pub mod token;

use chrono::{DateTime, Utc};
use smsagent_domain::upload::link_text;
use smsagent_domain::{Purpose, segments};
use smsagent_store::messages::{self, NewOutbound};
use smsagent_store::uploads::UploadTarget;
use smsagent_store::{StoreError, Tx};

pub use storage::UploadDir;
pub use token::UploadLinks;

use crate::queue::{Job, Queue};

/// The links, UPLOAD_DIR and its limit.
#[derive(Debug, Clone)]
pub struct Uploads {
    pub links: UploadLinks,
    pub dir: UploadDir,
    /// UPLOAD_MAX_BYTES.
    pub max_bytes: u64,
}

/// Texts the upload link for the conversation, in the caller's transaction, sent at `send_at` (now when
/// `None`). Returns the link and when it stops working.
pub async fn queue_link(
    tx: &mut Tx,
    queue: &Queue,
    links: &UploadLinks,
    target: &UploadTarget,
    send_at: Option<DateTime<Utc>>,
) -> Result<(String, DateTime<Utc>), StoreError> {
    let now = Utc::now();
    let (link, expires_at) = links.link(target.conversation_id, now);
    let text = link_text(&link, target.sides(), links.lifetime.num_hours(), target.language.unwrap_or_default());
    let delay = send_at.and_then(|at| (at - now).to_std().ok()).unwrap_or_default();
    queue_text(tx, queue, target, &text, Purpose::UploadLink, delay).await?;
    Ok((link, expires_at))
}

/// Stores a text to the applicant and queues its send, due after `delay`.
pub async fn queue_text(
    tx: &mut Tx,
    queue: &Queue,
    target: &UploadTarget,
    text: &str,
    purpose: Purpose,
    delay: std::time::Duration,
) -> Result<(), StoreError> {
    let count = segments::count(text);
    let message = NewOutbound {
        provider: target.provider,
        conversation_id: target.conversation_id,
        reply_to_message_id: None,
        from: &target.business,
        to: &target.contact,
        body: text,
        num_segments: i32::try_from(count.segments).unwrap_or(i32::MAX),
        encoding: count.encoding,
        purpose,
    };
    let message_id = messages::insert_outbound(&mut **tx, &message).await?;
    queue
        .push_after(&mut **tx, &Job::SendMessage { conversation_id: target.conversation_id, message_id }, delay)
        .await?;
    Ok(())
}
