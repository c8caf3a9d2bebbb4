//! Media that came with inbound texts (`message_media`); the kept files are under UPLOAD_DIR.

use chrono::{DateTime, Utc};
use smsagent_domain::media::InboundMedia;
use smsagent_domain::upload::FileKind;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// Records a text's media, in order: to fetch where the provider gave an address, `not_fetched` where not.
/// Returns how many are to fetch. Recording them again (a retried webhook) changes nothing.
pub async fn record(
    db: impl PgExecutor<'_>,
    message_id: Uuid,
    conversation_id: Uuid,
    media: &[InboundMedia],
) -> Result<usize, StoreError> {
    let ids: Vec<Uuid> = media.iter().map(|_| Uuid::now_v7()).collect();
    let positions: Vec<i16> = (0..media.len()).filter_map(|n| i16::try_from(n).ok()).collect();
    let urls: Vec<Option<String>> = media.iter().map(|m| m.url.clone()).collect();
    let types: Vec<String> = media.iter().map(|m| m.content_type.chars().take(100).collect()).collect();
    sqlx::query!(
        r#"
        INSERT INTO message_media (id, message_id, conversation_id, position, provider_url, declared_type, status)
        SELECT id, $2, $3, position, url, declared_type, CASE WHEN url IS NULL THEN 'not_fetched' ELSE 'pending' END
        FROM UNNEST($1::uuid[], $4::smallint[], $5::text[], $6::text[]) AS m (id, position, url, declared_type)
        ON CONFLICT (message_id, position) DO NOTHING
        "#,
        &ids,
        message_id,
        conversation_id,
        &positions,
        &urls as &[Option<String>],
        &types,
    )
    .execute(db)
    .await?;
    Ok(media.iter().filter(|m| m.url.is_some()).count())
}

/// A media item still to fetch.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: Uuid,
    pub url: String,
    pub declared_type: String,
}

/// The text's media still to fetch, in order.
pub async fn pending(db: impl PgExecutor<'_>, message_id: Uuid) -> Result<Vec<Pending>, StoreError> {
    Ok(sqlx::query_as!(
        Pending,
        r#"
        SELECT id, provider_url AS "url!", declared_type FROM message_media
        WHERE message_id = $1 AND status = 'pending' AND provider_url IS NOT NULL
        ORDER BY position
        "#,
        message_id,
    )
    .fetch_all(db)
    .await?)
}

/// A fetched file, kept.
#[derive(Debug, Clone)]
pub struct Kept<'a> {
    pub kind: FileKind,
    pub size_bytes: i64,
    pub sha256: [u8; 32],
    pub stored_name: &'a str,
}

/// Records an item as kept, if it is still waiting to be: `false` when another attempt kept it first (or
/// the conversation was erased), and this file is not needed.
pub async fn mark_stored(db: impl PgExecutor<'_>, id: Uuid, kept: &Kept<'_>) -> Result<bool, StoreError> {
    let done = sqlx::query!(
        r#"
        UPDATE message_media
        SET status = 'stored', content_type = $2, size_bytes = $3, sha256 = $4, stored_name = $5, stored_at = now(),
            reason = NULL
        WHERE id = $1 AND status = 'pending'
        "#,
        id,
        kept.kind.as_str(),
        kept.size_bytes,
        kept.sha256.as_slice(),
        kept.stored_name,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes that a kept item counts as this ID photo upload (whose row holds the same file).
pub async fn counted_as(db: impl PgExecutor<'_>, id: Uuid, upload_id: Uuid) -> Result<(), StoreError> {
    sqlx::query!("UPDATE message_media SET upload_id = $2 WHERE id = $1", id, upload_id).execute(db).await?;
    Ok(())
}

/// Not kept, and why: `refused` (its kind, its size, the limit) or `failed` (it could not be fetched). An
/// item another attempt kept meanwhile stays kept.
pub async fn mark_not_kept(db: impl PgExecutor<'_>, id: Uuid, failed: bool, reason: &str) -> Result<(), StoreError> {
    let status = if failed { "failed" } else { "refused" };
    sqlx::query!(
        "UPDATE message_media SET status = $2, reason = $3 WHERE id = $1 AND status = 'pending'",
        id,
        status,
        reason
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A media item as operators see it.
#[derive(Debug, Clone)]
pub struct MediaView {
    pub id: Uuid,
    pub message_id: Uuid,
    pub status: String,
    /// The kept file's type when stored, else the type the provider declared.
    pub content_type: String,
    pub reason: Option<String>,
}

/// The media of a conversation's texts, in order.
pub async fn of_conversation(db: impl PgExecutor<'_>, conversation_id: Uuid) -> Result<Vec<MediaView>, StoreError> {
    Ok(sqlx::query_as!(
        MediaView,
        r#"
        SELECT id, message_id, status, coalesce(content_type, declared_type) AS "content_type!", reason
        FROM message_media WHERE conversation_id = $1
        ORDER BY created_at, position
        "#,
        conversation_id,
    )
    .fetch_all(db)
    .await?)
}

/// A kept file, for download.
#[derive(Debug, Clone)]
pub struct MediaFile {
    pub stored_name: String,
    pub kind: FileKind,
    pub created_at: DateTime<Utc>,
}

/// One of the tenant's kept media files.
pub async fn find(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<Option<MediaFile>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT m.stored_name AS "stored_name!", m.content_type AS "content_type!", m.created_at
        FROM message_media m
        JOIN conversation c ON c.id = m.conversation_id
        JOIN phone_number p ON p.number = c.business_number AND p.tenant_id = $1
        WHERE m.id = $2 AND m.status = 'stored'
        "#,
        tenant_id,
        id,
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        let kind = FileKind::parse(&r.content_type)
            .ok_or_else(|| StoreError::corrupt(format!("type {:?}", r.content_type)))?;
        Ok(MediaFile { stored_name: r.stored_name, kind, created_at: r.created_at })
    })
    .transpose()
}

/// A media item of a text, as a reply needs to know it.
#[derive(Debug, Clone)]
pub struct OfText {
    pub declared_type: String,
    pub status: String,
    /// It counted as an ID photo (whose receipt answers the text).
    pub counted_as_id_photo: bool,
}

/// The media of these texts.
pub async fn of_texts(db: impl PgExecutor<'_>, message_ids: &[Uuid]) -> Result<Vec<OfText>, StoreError> {
    Ok(sqlx::query_as!(
        OfText,
        r#"
        SELECT declared_type, status, upload_id IS NOT NULL AS "counted_as_id_photo!"
        FROM message_media WHERE message_id = ANY($1)
        "#,
        message_ids,
    )
    .fetch_all(db)
    .await?)
}
