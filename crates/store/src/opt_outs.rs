//! Opt-outs: (business number, contact) pairs that must not be texted, and `consent_event`, the record of
//! every opt-out and opt-in that made them so. Every change goes through here, and each writes its event
//! in the same statement, so none can be made without its record.

use smsagent_domain::{Contact, PhoneNumber};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// Who changed a contact's consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentSource {
    /// The contact texted STOP, START or a phrase meaning one of them.
    Keyword,
    /// The provider refused to send because the contact had opted out with it (Twilio 21610).
    Provider,
    /// A person set it.
    Operator,
}

impl ConsentSource {
    fn as_str(self) -> &'static str {
        match self {
            ConsentSource::Keyword => "keyword",
            ConsentSource::Provider => "provider",
            ConsentSource::Operator => "operator",
        }
    }
}

/// How a consent change came about, as its event records it.
#[derive(Debug, Clone, Copy)]
pub struct ConsentChange<'a> {
    pub source: ConsentSource,
    /// Why: the contact's words, or the provider's error.
    pub detail: Option<&'a str>,
    /// The text that carried it (the contact's keyword, or our text the provider refused); its provider
    /// and channel are copied onto the event.
    pub message_id: Option<Uuid>,
}

/// Records an opt-out for the two parties of a stored message, the message being the reason.
pub async fn record_for_message(
    db: impl PgExecutor<'_>,
    message_id: Uuid,
    source: ConsentSource,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query!(
        r#"
        WITH parties AS (
            SELECT c.business_number, c.contact_number FROM sms_messages m JOIN conversation c ON c.id = m.conversation_id
            WHERE m.id = $1
        ), inserted AS (
            INSERT INTO opt_out (business_number, contact_number, source, detail)
            SELECT business_number, contact_number, $2, $3 FROM parties
            ON CONFLICT (business_number, contact_number) DO NOTHING
            RETURNING 1
        )
        INSERT INTO consent_event (id, business_number, contact_number, action, source, detail, changed, message_id,
                                   provider, channel)
        SELECT $4, p.business_number, p.contact_number, 'opt_out', $2, $3, EXISTS (SELECT 1 FROM inserted), $1,
               m.provider, m.channel
        FROM parties p, sms_messages m WHERE m.id = $1
        "#,
        message_id,
        source.as_str(),
        detail,
        Uuid::now_v7(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records an opt-out. An existing one is kept as it was: the first reason is the one that counts (the
/// event is recorded all the same, unchanged). Returns whether this call opted them out (false: they
/// already were), decided under the row's lock, so of two STOPs arriving at once exactly one is the
/// opt-out.
pub async fn record(
    db: impl PgExecutor<'_>,
    business: &PhoneNumber,
    contact: &Contact,
    change: &ConsentChange<'_>,
) -> Result<bool, StoreError> {
    let changed = sqlx::query_scalar!(
        r#"
        WITH inserted AS (
            INSERT INTO opt_out (business_number, contact_number, source, detail) VALUES ($1, $2, $3, $4)
            ON CONFLICT (business_number, contact_number) DO NOTHING
            RETURNING 1
        )
        INSERT INTO consent_event (id, business_number, contact_number, action, source, detail, changed, message_id,
                                   provider, channel)
        SELECT $5, $1, $2, 'opt_out', $3, $4, EXISTS (SELECT 1 FROM inserted), $6,
               (SELECT provider FROM sms_messages WHERE id = $6), (SELECT channel FROM sms_messages WHERE id = $6)
        RETURNING changed
        "#,
        business.as_str(),
        contact.as_str(),
        change.source.as_str(),
        change.detail,
        Uuid::now_v7(),
        change.message_id,
    )
    .fetch_one(db)
    .await?;
    Ok(changed)
}

/// Lets texts through again (the contact texted START). Returns whether they had opted out.
pub async fn remove(
    db: impl PgExecutor<'_>,
    business: &PhoneNumber,
    contact: &Contact,
    change: &ConsentChange<'_>,
) -> Result<bool, StoreError> {
    let changed = sqlx::query_scalar!(
        r#"
        WITH removed AS (
            DELETE FROM opt_out WHERE business_number = $1 AND contact_number = $2 RETURNING 1
        )
        INSERT INTO consent_event (id, business_number, contact_number, action, source, detail, changed, message_id,
                                   provider, channel)
        SELECT $5, $1, $2, 'opt_in', $3, $4, EXISTS (SELECT 1 FROM removed), $6,
               (SELECT provider FROM sms_messages WHERE id = $6), (SELECT channel FROM sms_messages WHERE id = $6)
        RETURNING changed
        "#,
        business.as_str(),
        contact.as_str(),
        change.source.as_str(),
        change.detail,
        Uuid::now_v7(),
        change.message_id,
    )
    .fetch_one(db)
    .await?;
    Ok(changed)
}
