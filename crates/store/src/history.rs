//! What operators read and erase: a tenant's conversations (through the numbers it owns) and their
//! messages. Every query is scoped by tenant, so a key never reaches another tenant's data.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::StoreError;

/// A conversation in a list: who, with which number, and the newest message.
#[derive(Debug, Clone)]
pub struct ConversationSummary {
    pub id: Uuid,
    pub business_number: String,
    pub contact_number: String,
    pub status: String,
    /// sms, whatsapp, twilio_conversations or api (chat sessions and test texts: replies kept, never sent).
    pub channel: String,
    pub started_at: DateTime<Utc>,
    pub last_message_at: DateTime<Utc>,
    pub message_count: i64,
    pub last_message: Option<MessageView>,
}

/// A message as operators see it.
#[derive(Debug, Clone)]
pub struct MessageView {
    pub id: Uuid,
    pub direction: String,
    pub body: String,
    pub status: String,
    pub error_code: Option<String>,
    pub num_segments: Option<i32>,
    pub created_at: DateTime<Utc>,
}

/// A conversation with everything in it, oldest message first.
#[derive(Debug, Clone)]
pub struct ConversationHistory {
    pub summary: ConversationSummary,
    pub messages: Vec<MessageView>,
    /// The media that came with its texts, in order (each names its message).
    pub media: Vec<crate::media::MediaView>,
    /// The form in play or completed (the engine's state as JSON), if any.
    pub form: Option<serde_json::Value>,
    pub form_status: Option<String>,
}

/// The tenant's conversations, most recently active first.
pub async fn conversations(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Vec<ConversationSummary>, StoreError> {
    summaries(db, tenant_id, None, None, limit, offset).await
}

/// `limit` conversations of the tenant from `offset`, optionally only those with `contact` or only `id`.
async fn summaries(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    contact: Option<&str>,
    id: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ConversationSummary>, StoreError> {
    let rows = sqlx::query!(
        r#"
        SELECT c.id, c.business_number, c.contact_number, c.status, c.channel, c.started_at, c.last_message_at,
               (SELECT count(*) FROM sms_messages m WHERE m.conversation_id = c.id) AS "message_count!",
               last.id AS "last_id?", last.direction AS "last_direction?", last.body AS "last_body?",
               last.status AS "last_status?", last.error_code AS "last_error_code?",
               last.num_segments AS "last_num_segments?", last.created_at AS "last_created_at?"
        FROM conversation c
        JOIN phone_number p ON p.number = c.business_number AND p.tenant_id = $1
        LEFT JOIN LATERAL (
            SELECT id, direction, body, status, error_code, num_segments, created_at FROM sms_messages m
            WHERE m.conversation_id = c.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1
        ) last ON true
        WHERE ($2::text IS NULL OR c.contact_number = $2) AND ($3::uuid IS NULL OR c.id = $3)
        ORDER BY c.last_message_at DESC, c.id DESC
        LIMIT $4 OFFSET $5
        "#,
        tenant_id,
        contact,
        id,
        limit,
        offset,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ConversationSummary {
            id: r.id,
            business_number: r.business_number,
            contact_number: r.contact_number,
            status: r.status,
            channel: r.channel,
            started_at: r.started_at,
            last_message_at: r.last_message_at,
            message_count: r.message_count,
            last_message: match (r.last_id, r.last_direction, r.last_body, r.last_status, r.last_created_at) {
                (Some(id), Some(direction), Some(body), Some(status), Some(created_at)) => Some(MessageView {
                    id,
                    direction,
                    body,
                    status,
                    error_code: r.last_error_code,
                    num_segments: r.last_num_segments,
                    created_at,
                }),
                _ => None,
            },
        })
        .collect())
}

/// Every conversation the tenant's numbers have with `contact`, each with its messages.
pub async fn with_contact(
    db: &mut PgConnection,
    tenant_id: Uuid,
    contact: &str,
) -> Result<Vec<ConversationHistory>, StoreError> {
    let found = summaries(&mut *db, tenant_id, Some(contact), None, i64::MAX, 0).await?;
    let mut histories = Vec::with_capacity(found.len());
    for summary in found {
        histories.push(history(&mut *db, summary).await?);
    }
    Ok(histories)
}

/// One of the tenant's conversations, by id.
pub async fn conversation(
    db: &mut PgConnection,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<ConversationHistory>, StoreError> {
    let found = summaries(&mut *db, tenant_id, None, Some(id), 1, 0).await?;
    match found.into_iter().next() {
        Some(summary) => Ok(Some(history(db, summary).await?)),
        None => Ok(None),
    }
}

async fn history(db: &mut PgConnection, summary: ConversationSummary) -> Result<ConversationHistory, StoreError> {
    let messages = sqlx::query_as!(
        MessageView,
        r#"
        SELECT id, direction, body, status, error_code, num_segments, created_at FROM sms_messages
        WHERE conversation_id = $1 ORDER BY created_at, id
        "#,
        summary.id,
    )
    .fetch_all(&mut *db)
    .await?;
    let form = sqlx::query!(
        r#"
        SELECT state, status FROM form_session WHERE conversation_id = $1
        ORDER BY (status <> 'abandoned') DESC, started_at DESC LIMIT 1
        "#,
        summary.id,
    )
    .fetch_optional(&mut *db)
    .await?;
    let (form, form_status) = form.map(|f| (Some(f.state), Some(f.status))).unwrap_or_default();
    let media = crate::media::of_conversation(&mut *db, summary.id).await?;
    Ok(ConversationHistory { summary, messages, media, form, form_status })
}

/// What erasing a contact took with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    pub conversation_ids: Vec<Uuid>,
    pub messages: i64,
    pub form_submissions: i64,
    /// The appointments the contact booked (the person's name, email and phone go with them).
    pub appointments: i64,
    /// The files under UPLOAD_DIR (ID photos, texted media), to remove once the deletion is committed.
    pub upload_files: Vec<String>,
}

/// Deletes every conversation the tenant's numbers have with `contacts` (one person's addresses): messages, delivery reports, form
/// state and submissions (by cascade), the appointments they booked, ID photo rows (whose files the caller removes after committing), and the replies still waiting to be written or sent. Opt-outs stay:
/// a contact who said STOP must not be texted again because their history was erased.
pub async fn erase_contact(db: &mut PgConnection, tenant_id: Uuid, contacts: &[String]) -> Result<Erased, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar!(
        r#"
        SELECT c.id FROM conversation c
        JOIN phone_number p ON p.number = c.business_number AND p.tenant_id = $1
        WHERE c.contact_number = ANY($2)
        FOR UPDATE OF c
        "#,
        tenant_id,
        contacts,
    )
    .fetch_all(&mut *db)
    .await?;
    if ids.is_empty() {
        return Ok(Erased::default());
    }
    let counts = sqlx::query!(
        r#"
        SELECT (SELECT count(*) FROM sms_messages WHERE conversation_id = ANY($1)) AS "messages!",
               (SELECT count(*) FROM form_submission WHERE conversation_id = ANY($1)) AS "form_submissions!"
        "#,
        &ids,
    )
    .fetch_one(&mut *db)
    .await?;
    let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    // Every job names its conversation; one already running finds the conversation gone and ends.
    sqlx::query!("DELETE FROM job WHERE payload->>'conversation_id' = ANY($1) AND status <> 'running'", &keys)
        .execute(&mut *db)
        .await?;
    let mut upload_files =
        sqlx::query_scalar!("DELETE FROM id_upload WHERE conversation_id = ANY($1) RETURNING stored_name", &ids)
            .fetch_all(&mut *db)
            .await?;
    // Texted media are kept the same way (one that counted as an ID photo shares the upload's file).
    let media_files = sqlx::query_scalar!(
        r#"SELECT stored_name AS "stored_name!" FROM message_media WHERE conversation_id = ANY($1) AND stored_name IS NOT NULL"#,
        &ids
    )
    .fetch_all(&mut *db)
    .await?;
    upload_files.extend(media_files);
    upload_files.sort();
    upload_files.dedup();
    sqlx::query!("DELETE FROM conversation WHERE id = ANY($1)", &ids).execute(&mut *db).await?;
    let appointments =
        sqlx::query!("DELETE FROM appointment WHERE tenant_id = $1 AND contact_number = ANY($2)", tenant_id, contacts,)
            .execute(&mut *db)
            .await?
            .rows_affected();
    Ok(Erased {
        conversation_ids: ids,
        messages: counts.messages,
        form_submissions: counts.form_submissions,
        appointments: i64::try_from(appointments).unwrap_or(i64::MAX),
        upload_files,
    })
}

/// Messages of one of the tenant's numbers with one direction and status over a period: the rows of the
/// stats endpoint.
#[derive(Debug, Clone)]
pub struct TrafficRow {
    pub business_number: String,
    pub direction: String,
    pub status: String,
    /// For inbound texts, what they were about.
    pub intent: Option<String>,
    pub messages: i64,
    pub segments: i64,
    /// What the provider charged, as reported (Twilio reports costs as negative prices).
    pub price: Option<f64>,
    pub price_unit: Option<String>,
}

/// The tenant's messages from `since` until `until`, by number, direction, status and intent.
pub async fn traffic(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    number: Option<&str>,
) -> Result<Vec<TrafficRow>, StoreError> {
    Ok(sqlx::query_as!(
        TrafficRow,
        r#"
        SELECT c.business_number, m.direction, m.status, m.intent, count(*) AS "messages!",
               coalesce(sum(m.num_segments), 0)::bigint AS "segments!",
               sum(m.price)::float8 AS price, max(m.price_unit) AS price_unit
        FROM sms_messages m
        JOIN conversation c ON c.id = m.conversation_id
        JOIN phone_number p ON p.number = c.business_number AND p.tenant_id = $1
        WHERE m.created_at >= $2 AND m.created_at < $3 AND ($4::text IS NULL OR c.business_number = $4)
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        "#,
        tenant_id,
        since,
        until,
        number,
    )
    .fetch_all(db)
    .await?)
}
