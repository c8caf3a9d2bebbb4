//! Conversations: one thread per (business number, contact number).

use smsagent_domain::PhoneNumber;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// The conversation an inbound text belongs to, as the ingest step needs it.
#[derive(Debug, Clone)]
pub struct InboundConversation {
    pub id: Uuid,
    /// The business number's inbound assistant; `None` when nobody answers the number.
    pub assistant_id: Option<Uuid>,
    /// Whether an operator has paused the assistant on this conversation.
    pub paused: bool,
}

/// Creates the conversation for a text from `contact` to `business`, or marks the existing one as just
/// active, and takes the answering assistant from the business number. One statement; call it inside the
/// transaction that stores the text.
pub async fn touch_for_inbound(
    db: impl PgExecutor<'_>,
    business: &PhoneNumber,
    contact: &PhoneNumber,
) -> Result<InboundConversation, StoreError> {
    let row = sqlx::query!(
        r#"
        INSERT INTO conversation (id, business_number, contact_number, assistant_id)
        VALUES ($1, $2, $3, (SELECT inbound_assistant_id FROM phone_number WHERE number = $2))
        ON CONFLICT (business_number, contact_number) DO UPDATE
        SET assistant_id = EXCLUDED.assistant_id, last_message_at = now(), updated_at = now()
        RETURNING id, assistant_id, status
        "#,
        Uuid::now_v7(),
        business.as_str(),
        contact.as_str(),
    )
    .fetch_one(db)
    .await?;
    Ok(InboundConversation { id: row.id, assistant_id: row.assistant_id, paused: row.status == "paused" })
}

/// Records that the business just wrote in a conversation.
pub async fn touch_for_outbound(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), StoreError> {
    sqlx::query!("UPDATE conversation SET last_message_at = now(), updated_at = now() WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}
