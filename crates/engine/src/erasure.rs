//! Erasing a contact at an operator's request: their conversations with the tenant's numbers, messages,
//! form data, waiting replies and kept files, gone for good, with a line in the audit trail that says who
//! erased what (counts and ids, never content). Opt-outs stay: a contact who said STOP must not be texted
//! again because their history was erased.

use serde_json::json;
use smsagent_domain::{Contact, WhatsAppContact};
use smsagent_store::history::{self, Erased};
use smsagent_store::tenants::{self, KeyOwner};
use smsagent_store::{PgPool, StoreError};
use tracing::{error, info};

use crate::uploads::UploadDir;

/// Erases `contact` for `by`'s tenant; `None` when the tenant has no conversation with them. The rows go
/// in one transaction with the audit line; the files after it commits (one that cannot be removed is
/// logged, for an operator to remove).
pub async fn erase(
    pool: &PgPool,
    files: &UploadDir,
    by: KeyOwner,
    contact: &Contact,
) -> Result<Option<Erased>, StoreError> {
    // A person erased by their number goes from WhatsApp too: the same number, another channel.
    let mut addresses = vec![contact.as_str().to_owned()];
    if let Contact::Phone(number) = contact {
        addresses.push(Contact::WhatsApp(WhatsAppContact::new(number.clone())).as_str().to_owned());
    }
    let mut tx = pool.begin().await?;
    let erased = history::erase_contact(&mut tx, by.tenant_id, &addresses).await?;
    if erased.conversation_ids.is_empty() {
        return Ok(None);
    }
    let detail = json!({
        "conversation_ids": erased.conversation_ids,
        "messages": erased.messages,
        "form_submissions": erased.form_submissions,
        "appointments": erased.appointments,
        "uploads": erased.upload_files.len(),
    });
    tenants::audit(&mut *tx, by, "conversation.deleted", &contact.masked(), &detail).await?;
    tx.commit().await?;
    for name in &erased.upload_files {
        if let Err(e) = files.remove(name).await {
            error!(file = name.as_str(), error = %e, "an erased conversation's upload could not be removed");
        }
    }
    info!(contact = contact.masked(), conversations = erased.conversation_ids.len(), "conversations erased");
    Ok(Some(erased))
}
