//! Opt-outs: (business number, contact) pairs that must not be texted.

use smsagent_domain::{Contact, PhoneNumber};
use sqlx::PgExecutor;

use crate::StoreError;

/// Why a contact is opted out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptOutSource {
    /// The contact texted STOP or a phrase meaning it.
    Keyword,
    /// The provider refused to send because the contact had opted out (Twilio 21610).
    Provider,
    /// A person set it.
    Operator,
}

impl OptOutSource {
    fn as_str(self) -> &'static str {
        match self {
            OptOutSource::Keyword => "keyword",
            OptOutSource::Provider => "provider",
            OptOutSource::Operator => "operator",
        }
    }
}

/// Records an opt-out for the two parties of a stored message.
pub async fn record_for_message(
    db: impl PgExecutor<'_>,
    message_id: uuid::Uuid,
    source: OptOutSource,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query!(
        r#"
        INSERT INTO opt_out (business_number, contact_number, source, detail)
        SELECT c.business_number, c.contact_number, $2, $3
        FROM sms_messages m JOIN conversation c ON c.id = m.conversation_id
        WHERE m.id = $1
        ON CONFLICT (business_number, contact_number) DO NOTHING
        "#,
        message_id,
        source.as_str(),
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records an opt-out. An existing one is kept as it was: the first reason is the one that counts.
/// Returns whether this call opted them out (false: they already were), decided under the row's lock, so
/// of two STOPs arriving at once exactly one is the opt-out.
pub async fn record(
    db: impl PgExecutor<'_>,
    business: &PhoneNumber,
    contact: &Contact,
    source: OptOutSource,
    detail: Option<&str>,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query!(
        r#"
        INSERT INTO opt_out (business_number, contact_number, source, detail) VALUES ($1, $2, $3, $4)
        ON CONFLICT (business_number, contact_number) DO NOTHING
        "#,
        business.as_str(),
        contact.as_str(),
        source.as_str(),
        detail,
    )
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Lets texts through again (the contact texted START). Returns whether they had opted out.
pub async fn remove(db: impl PgExecutor<'_>, business: &PhoneNumber, contact: &Contact) -> Result<bool, StoreError> {
    let removed = sqlx::query!(
        "DELETE FROM opt_out WHERE business_number = $1 AND contact_number = $2",
        business.as_str(),
        contact.as_str(),
    )
    .execute(db)
    .await?;
    Ok(removed.rows_affected() > 0)
}
