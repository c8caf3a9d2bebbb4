//! What operators do to a conversation by hand: open it to send a text, take it over from the assistant,
//! hand it back.

use std::time::Duration;

use smsagent_domain::{Channel, Contact, PhoneNumber};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// Opens (or finds) the conversation between `business` and `contact` for a text an operator sends. A
/// conversation an operator has taken over stays theirs for another idle period. Returns its id; whether the
/// text may go is the outbox's to decide.
pub async fn open_for_send(
    db: impl PgExecutor<'_>,
    business: &PhoneNumber,
    contact: &Contact,
    channel: Channel,
) -> Result<Uuid, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"
        INSERT INTO conversation (id, business_number, contact_number, assistant_id, channel)
        VALUES ($1, $2, $3, (SELECT inbound_assistant_id FROM phone_number WHERE number = $2), $4)
        ON CONFLICT (business_number, contact_number) DO UPDATE
        SET last_message_at = now(), updated_at = now(),
            paused_at = CASE WHEN conversation.status = 'paused' THEN now() ELSE conversation.paused_at END
        RETURNING id
        "#,
        Uuid::now_v7(),
        business.as_str(),
        contact.as_str(),
        channel.as_str(),
    )
    .fetch_one(db)
    .await?)
}

/// Pauses (a person takes over: nothing automatic is sent) or resumes one of the tenant's conversations.
/// Resuming counts the texts that arrived meanwhile as answered: the person handled them, and the
/// assistant takes up from the contact's next text. Returns the status it now has, or `None` when the
/// tenant has no such conversation.
pub async fn set_paused(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    paused: bool,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"
        UPDATE conversation c
        SET status = CASE WHEN $3 THEN 'paused' ELSE 'active' END,
            paused_at = CASE WHEN $3 THEN now() END, updated_at = now(),
            answered_count = CASE WHEN $3 THEN c.answered_count ELSE c.inbound_count END
        FROM phone_number p
        WHERE c.id = $1 AND p.number = c.business_number AND p.tenant_id = $2
        RETURNING c.status
        "#,
        conversation_id,
        tenant_id,
        paused,
    )
    .fetch_optional(db)
    .await?)
}

/// Hands a conversation to a person: the assistant could not get an answer through and said someone
/// will follow up. Paused as an operator's takeover is, it shows among the conversations a person must
/// answer, and is handed back like one after the idle period.
pub async fn hand_to_person(db: impl PgExecutor<'_>, conversation_id: Uuid) -> Result<(), StoreError> {
    sqlx::query!(
        r#"
        UPDATE conversation SET status = 'paused', paused_at = now(), updated_at = now()
        WHERE id = $1 AND status <> 'paused'
        "#,
        conversation_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Hands back to the assistant every conversation whose operator has been idle for `idle`, counting what
/// arrived meanwhile as answered (as [`set_paused`] does). Returns how many. The assistant answers from
/// the contact's next text on.
pub async fn resume_idle(db: impl PgExecutor<'_>, idle: Duration) -> Result<u64, StoreError> {
    let idle_seconds = idle.as_secs_f64();
    let done = sqlx::query!(
        r#"
        UPDATE conversation SET status = 'active', paused_at = NULL, updated_at = now(), answered_count = inbound_count
        WHERE status = 'paused' AND paused_at < now() - make_interval(secs => $1)
        "#,
        idle_seconds,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
