//! Conversations: one thread per (business number, contact number).

use smsagent_domain::{Channel, Contact, Language, PhoneNumber, Provider};

use crate::messages::NewInbound;
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
    pub language: Option<Language>,
    /// Whether the contact has opted out of texts from this number.
    pub opted_out: bool,
}

/// Where a conversation's replies stand: how many texts arrived, and how many the last reply answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyProgress {
    pub inbound_count: i64,
    pub answered_count: i64,
}

impl ReplyProgress {
    /// Whether texts arrived that no reply has taken into account yet.
    pub fn has_unanswered(&self) -> bool {
        self.inbound_count > self.answered_count
    }
}

/// Creates the conversation for a text that arrived, or marks the existing one as just active, takes the
/// answering assistant from the business number and the channel from how the text came. One statement;
/// call it inside the transaction that stores the text.
pub async fn touch_for_inbound(
    db: impl PgExecutor<'_>,
    text: &NewInbound<'_>,
) -> Result<InboundConversation, StoreError> {
    let (business, contact) = (text.to, text.from);
    let row = sqlx::query!(
        r#"
        INSERT INTO conversation (id, business_number, contact_number, assistant_id, inbound_count, channel, external_id)
        VALUES ($1, $2, $3, (SELECT inbound_assistant_id FROM phone_number WHERE number = $2), 1, $4, $5)
        ON CONFLICT (business_number, contact_number) DO UPDATE
        SET assistant_id = EXCLUDED.assistant_id, inbound_count = conversation.inbound_count + 1,
            channel = EXCLUDED.channel, external_id = COALESCE(EXCLUDED.external_id, conversation.external_id),
            last_message_at = now(), updated_at = now()
        RETURNING id, assistant_id, status, language,
                  is_opted_out($2, $3) AS "opted_out!"
        
        "#,
        Uuid::now_v7(),
        business.as_str(),
        contact.as_str(),
        text.channel.as_str(),
        text.external_id,
    )
    .fetch_one(db)
    .await?;
    Ok(InboundConversation {
        id: row.id,
        assistant_id: row.assistant_id,
        paused: row.status == "paused",
        language: row.language.as_deref().and_then(Language::parse),
        opted_out: row.opted_out,
    })
}

/// What a reply in a conversation depends on.
#[derive(Debug, Clone)]
pub struct ReplyContext {
    pub conversation_id: Uuid,
    pub business: PhoneNumber,
    pub contact: Contact,
    pub assistant_id: Option<Uuid>,
    pub paused: bool,
    /// Who carries the business number; `None` when the number is not registered.
    pub provider: Option<Provider>,
    pub opted_out: bool,
    pub language: Option<Language>,
    /// Read before the history, so a text arriving in between is noticed when the reply is recorded.
    pub progress: ReplyProgress,
    /// How the contact writes, and so how replies are shaped (WhatsApp has no segments).
    pub channel: Channel,
}

pub async fn reply_context(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<ReplyContext>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT c.id, c.business_number, c.contact_number, c.assistant_id, c.status, c.inbound_count, c.answered_count,
               c.language, c.channel, p.provider AS "provider?",
               is_opted_out(c.business_number, c.contact_number) AS "opted_out!"
        FROM conversation c
        LEFT JOIN phone_number p ON p.number = c.business_number
        WHERE c.id = $1
        "#,
        id,
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(ReplyContext {
            conversation_id: r.id,
            business: PhoneNumber::parse(&r.business_number).map_err(StoreError::corrupt)?,
            contact: Contact::parse(&r.contact_number).map_err(StoreError::corrupt)?,
            assistant_id: r.assistant_id,
            paused: r.status == "paused",
            provider: r.provider.as_deref().map(Provider::parse).transpose().map_err(StoreError::corrupt)?,
            opted_out: r.opted_out,
            language: r.language.as_deref().and_then(Language::parse),
            progress: ReplyProgress { inbound_count: r.inbound_count, answered_count: r.answered_count },
            channel: Channel::parse(&r.channel)
                .ok_or_else(|| StoreError::corrupt(format!("channel {:?}", r.channel)))?,
        })
    })
    .transpose()
}

/// Records that a reply answering the first `answered_count` texts is being sent, unless more texts
/// arrived since: then it returns `false`, and the reply, written without them, must not go out. Takes the
/// conversation's row lock, so it is decided in order with arriving texts.
pub async fn record_reply(db: impl PgExecutor<'_>, id: Uuid, answered_count: i64) -> Result<bool, StoreError> {
    let recorded = sqlx::query!(
        r#"
        UPDATE conversation SET answered_count = $2, last_message_at = now(), updated_at = now()
        WHERE id = $1 AND inbound_count = $2
        "#,
        id,
        answered_count,
    )
    .execute(db)
    .await?;
    Ok(recorded.rows_affected() == 1)
}

/// Marks every text so far as answered: a keyword reply answers the whole burst it ends.
pub async fn mark_answered(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE conversation SET answered_count = inbound_count, last_message_at = now(), updated_at = now() WHERE id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_language(db: impl PgExecutor<'_>, id: Uuid, language: Language) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE conversation SET language = $2, updated_at = now() WHERE id = $1 AND language IS DISTINCT FROM $2",
        id,
        language.as_str(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The conversation between `business` and `contact`, if they have one.
pub async fn find(
    db: impl PgExecutor<'_>,
    business: &PhoneNumber,
    contact: &Contact,
) -> Result<Option<Uuid>, StoreError> {
    let id = sqlx::query_scalar!(
        "SELECT id FROM conversation WHERE business_number = $1 AND contact_number = $2",
        business.as_str(),
        contact.as_str(),
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}
