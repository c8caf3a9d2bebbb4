//! Operators and ID photos: a conversation's uploads, each one's file, and the link texted on request.
//! Files are only ever served here, to the tenant's key; never at a public address.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use smsagent_domain::Contact;
use smsagent_store::uploads::{self, Upload};
use uuid::Uuid;

use super::auth::Operator;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadView {
    id: Uuid,
    conversation_id: Uuid,
    /// front or back.
    side: String,
    /// As the file's bytes show: image/jpeg, image/png, image/heic, image/webp or application/pdf.
    content_type: String,
    size_bytes: i64,
    /// Hex.
    sha256: String,
    created_at: DateTime<Utc>,
    /// The newest upload of its side: the one that counts.
    current: bool,
}

impl From<Upload> for UploadView {
    fn from(u: Upload) -> Self {
        UploadView {
            id: u.id,
            conversation_id: u.conversation_id,
            side: u.side.as_str().to_owned(),
            content_type: u.kind.as_str().to_owned(),
            size_bytes: u.size_bytes,
            sha256: u.sha256.iter().map(|b| format!("{b:02x}")).collect(),
            created_at: u.created_at,
            current: u.current,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadList {
    uploads: Vec<UploadView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkSent {
    /// The link texted to the contact (also usable by them only: it is theirs).
    url: String,
    expires_at: DateTime<Utc>,
    /// When the text goes: null for now; later when it would wake the contact (quiet hours), unless it
    /// answers their text of the last 24 hours.
    send_at: Option<DateTime<Utc>>,
}

/// A conversation's ID photos, newest first.
#[utoipa::path(get, path = "/api/v1/sms/conversation/{conversation_id}/uploads", tag = "uploads",
    security(("api_key" = [])), params(("conversation_id" = Uuid, Path)),
    responses((status = 200, body = UploadList), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut db = state.pool.acquire().await.map_err(ApiError::internal)?;
    let found = uploads::list(&mut db, operator.tenant_id(), *id).await?;
    let found = found.ok_or_else(|| ApiError::not_found("no such conversation"))?;
    Ok(HttpResponse::Ok().json(UploadList { uploads: found.into_iter().map(UploadView::from).collect() }))
}

/// One upload's file, as an attachment.
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "uploads", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn download(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let upload = uploads::find(&state.pool, operator.tenant_id(), *id).await?;
    let upload = upload.ok_or_else(|| ApiError::not_found("no such upload"))?;
    let path = state.uploads.dir.path(&upload.stored_name).map_err(ApiError::internal)?;
    let bytes = tokio::fs::read(path).await.map_err(ApiError::internal)?;
    let name = format!("id-{}-{}.{}", upload.side.as_str(), upload.id.simple(), upload.kind.extension());
    Ok(HttpResponse::Ok()
        .content_type(upload.kind.as_str())
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

/// A photo or file texted in (MMS), as an attachment.
#[utoipa::path(get, path = "/api/v1/media/{id}", tag = "uploads", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn download_media(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let media = smsagent_store::media::find(&state.pool, operator.tenant_id(), *id).await?;
    let media = media.ok_or_else(|| ApiError::not_found("no such media, or not kept"))?;
    let path = state.uploads.dir.path(&media.stored_name).map_err(ApiError::internal)?;
    let bytes = tokio::fs::read(path).await.map_err(ApiError::internal)?;
    let name = format!("media-{}.{}", id.simple(), media.kind.extension());
    Ok(HttpResponse::Ok()
        .content_type(media.kind.as_str())
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

/// Texts the contact the link to upload their ID photos, as an operator's text goes: within the contact's
/// rate limit, never to a contact who opted out, and not in their quiet hours unless it answers them.
#[utoipa::path(post, path = "/api/v1/sms/conversation/{conversation_id}/upload-link", tag = "uploads",
    security(("api_key" = [])), params(("conversation_id" = Uuid, Path)),
    responses((status = 201, body = LinkSent), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn send_link(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rate = |contact: &Contact| state.limits.text_to(operator.tenant_id(), contact.as_str());
    let links = &state.uploads.links;
    let sent = smsagent_engine::uploads::send_link(&state.pool, &state.queue, links, operator.tenant_id(), *id, rate)
        .await?
        .ok_or_else(|| ApiError::not_found("no such conversation"))?;
    let (url, expires_at, send_at) = (sent.url, sent.expires_at, sent.send_at);
    Ok(HttpResponse::Created().json(LinkSent { url, expires_at, send_at }))
}
