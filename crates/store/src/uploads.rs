//! ID photos applicants uploaded (`id_upload`); the files themselves are under UPLOAD_DIR.

use chrono::{DateTime, Utc};
use smsagent_domain::upload::{FileKind, Side};
use smsagent_domain::{Contact, Language, PhoneNumber, Provider};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// What an upload link's page and its uploads need to know about the conversation.
#[derive(Debug, Clone)]
pub struct UploadTarget {
    pub conversation_id: Uuid,
    pub contact: Contact,
    pub business: PhoneNumber,
    /// Who carries the business number: texts to the applicant go through it.
    pub provider: Provider,
    /// Shown on the page: the assistant's name (its program name), else the tenant's.
    pub business_name: String,
    /// How many photos the assistant asks for (1 or 2; 0 when it asks for none).
    pub id_photos: i16,
    pub language: Option<Language>,
    /// Sides with at least one upload.
    pub received: Vec<Side>,
}

impl UploadTarget {
    /// The sides asked for: at least the front, as a link was sent (even if the assistant asks for none now).
    pub fn sides(&self) -> &'static [Side] {
        Side::asked(self.id_photos.max(1))
    }
}

/// The conversation an upload link points at; `None` once it was erased.
pub async fn target(db: impl PgExecutor<'_>, conversation_id: Uuid) -> Result<Option<UploadTarget>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT c.id, c.contact_number, c.business_number, c.language, p.provider, coalesce(a.name, t.name) AS "business_name!",
               coalesce(a.id_photos, 0::smallint) AS "id_photos!",
               ARRAY(SELECT DISTINCT u.side FROM id_upload u WHERE u.conversation_id = c.id) AS "received!"
        FROM conversation c
        JOIN phone_number p ON p.number = c.business_number
        JOIN tenant t ON t.id = p.tenant_id
        LEFT JOIN assistant a ON a.id = c.assistant_id
        WHERE c.id = $1
        "#,
        conversation_id,
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(UploadTarget {
            conversation_id: r.id,
            contact: Contact::parse(&r.contact_number).map_err(StoreError::corrupt)?,
            business: PhoneNumber::parse(&r.business_number).map_err(StoreError::corrupt)?,
            provider: Provider::parse(&r.provider).map_err(StoreError::corrupt)?,
            business_name: r.business_name,
            id_photos: r.id_photos,
            language: r.language.as_deref().and_then(Language::parse),
            received: r.received.iter().filter_map(|s| Side::parse(s)).collect(),
        })
    })
    .transpose()
}

/// Whether the conversation is waiting for ID photos: its form was submitted, or a link to upload them was
/// texted. A photo texted before that (of the flat, say) is not taken for an ID.
pub async fn photos_awaited(db: impl PgExecutor<'_>, conversation_id: Uuid) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"
        SELECT EXISTS (SELECT 1 FROM form_submission WHERE conversation_id = $1)
            OR EXISTS (SELECT 1 FROM sms_messages WHERE conversation_id = $1 AND purpose = 'upload_link')
            AS "awaited!"
        "#,
        conversation_id,
    )
    .fetch_one(db)
    .await?)
}

/// What a conversation's uploads come to, for the caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadCounts {
    /// Through the link in hand.
    pub through_link: i64,
    /// Kept in the conversation: through every link, and texted in (MMS).
    pub in_conversation: i64,
    /// The newest upload of the side asked about, if any.
    pub side_last_at: Option<DateTime<Utc>>,
}

/// Counts the conversation's uploads (see [`lock`] to count uploads arriving together one after another).
pub async fn counts(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
    link_expires_at: DateTime<Utc>,
    side: Option<Side>,
) -> Result<UploadCounts, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT count(*) FILTER (WHERE link_expires_at = $2) AS "through_link!",
               count(*) + (SELECT count(*) FROM message_media m
                           WHERE m.conversation_id = $1 AND m.status = 'stored' AND m.upload_id IS NULL)
                 AS "in_conversation!",
               max(created_at) FILTER (WHERE side = $3) AS side_last_at
        FROM id_upload
        WHERE conversation_id = $1
        "#,
        conversation_id,
        link_expires_at,
        side.map(Side::as_str),
    )
    .fetch_one(db)
    .await?;
    Ok(UploadCounts {
        through_link: row.through_link,
        in_conversation: row.in_conversation,
        side_last_at: row.side_last_at,
    })
}

/// Holds the conversation's row until the transaction ends: uploads to it are recorded one at a time.
/// `false` when the conversation is gone (erased).
pub async fn lock(db: impl PgExecutor<'_>, conversation_id: Uuid) -> Result<bool, StoreError> {
    let found = sqlx::query!("SELECT id FROM conversation WHERE id = $1 FOR UPDATE", conversation_id)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

/// A file stored and ready to record.
#[derive(Debug, Clone)]
pub struct NewUpload<'a> {
    pub conversation_id: Uuid,
    /// When the link it came through expires: which link it was (`None`: texted in, through no link).
    pub link_expires_at: Option<DateTime<Utc>>,
    pub contact: &'a Contact,
    pub side: Side,
    pub kind: FileKind,
    pub size_bytes: i64,
    pub sha256: [u8; 32],
    pub stored_name: &'a str,
}

pub async fn insert(db: impl PgExecutor<'_>, new: &NewUpload<'_>) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"
        INSERT INTO id_upload (id, conversation_id, contact_number, side, content_type, size_bytes, sha256, stored_name,
                               link_expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        "#,
        id,
        new.conversation_id,
        new.contact.as_str(),
        new.side.as_str(),
        new.kind.as_str(),
        new.size_bytes,
        new.sha256.as_slice(),
        new.stored_name,
        new.link_expires_at,
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// An upload as operators see it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub side: Side,
    pub kind: FileKind,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub stored_name: String,
    pub created_at: DateTime<Utc>,
    /// The newest upload of its side in its conversation.
    pub current: bool,
}

/// The uploads of one of the tenant's conversations, newest first; `None` when the tenant has no such
/// conversation.
pub async fn list(
    db: &mut sqlx::PgConnection,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Option<Vec<Upload>>, StoreError> {
    if !conversation_owned(&mut *db, tenant_id, conversation_id).await? {
        return Ok(None);
    }
    let rows = sqlx::query_as!(
        Row,
        r#"
        SELECT id, conversation_id, side, content_type, size_bytes, sha256, stored_name, created_at,
               created_at = max(created_at) OVER (PARTITION BY side) AS "current!"
        FROM id_upload WHERE conversation_id = $1
        ORDER BY created_at DESC, id DESC
        "#,
        conversation_id,
    )
    .fetch_all(&mut *db)
    .await?;
    rows.into_iter().map(Upload::try_from).collect::<Result<_, _>>().map(Some)
}

/// Whether the conversation is one of the tenant's (through its number).
pub async fn conversation_owned(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<bool, StoreError> {
    let owned = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM conversation c
                          JOIN phone_number p ON p.number = c.business_number AND p.tenant_id = $1
                          WHERE c.id = $2) AS "owned!""#,
        tenant_id,
        conversation_id,
    )
    .fetch_one(db)
    .await?;
    Ok(owned)
}

/// One of the tenant's uploads, for download.
pub async fn find(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<Option<Upload>, StoreError> {
    let row = sqlx::query_as!(
        Row,
        r#"
        SELECT u.id, u.conversation_id, u.side, u.content_type, u.size_bytes, u.sha256, u.stored_name, u.created_at,
               NOT EXISTS (SELECT 1 FROM id_upload n WHERE n.conversation_id = u.conversation_id
                           AND n.side = u.side AND n.created_at > u.created_at) AS "current!"
        FROM id_upload u
        JOIN conversation c ON c.id = u.conversation_id
        JOIN phone_number p ON p.number = c.business_number AND p.tenant_id = $1
        WHERE u.id = $2
        "#,
        tenant_id,
        id,
    )
    .fetch_optional(db)
    .await?;
    row.map(Upload::try_from).transpose()
}

/// `id_upload` as selected.
struct Row {
    id: Uuid,
    conversation_id: Uuid,
    side: String,
    content_type: String,
    size_bytes: i64,
    sha256: Vec<u8>,
    stored_name: String,
    created_at: DateTime<Utc>,
    current: bool,
}

impl TryFrom<Row> for Upload {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(Upload {
            id: r.id,
            conversation_id: r.conversation_id,
            side: Side::parse(&r.side).ok_or_else(|| StoreError::corrupt(format!("side {:?}", r.side)))?,
            kind: FileKind::parse(&r.content_type)
                .ok_or_else(|| StoreError::corrupt(format!("type {:?}", r.content_type)))?,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            stored_name: r.stored_name,
            created_at: r.created_at,
            current: r.current,
        })
    }
}
