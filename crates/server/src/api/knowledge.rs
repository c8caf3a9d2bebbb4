//! `/api/v1/knowledge`: the tenant's knowledge base (documents uploaded as plain text, Markdown or PDF,
//! searched by passage), and `/api/v1/assistants/{id}/builtin-tools`, which assistants answer from it.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use smsagent_domain::Language;
use smsagent_store::knowledge::{self, NewDocument, Stored};
use smsagent_tools::knowledge::extract::{MediaType, Unreadable, language_of, text_of};
use smsagent_tools::knowledge::passages;
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// The largest document taken (a long PDF manual fits).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// The most text a document may hold once read (a PDF's compressed pages can hold far more than its size).
const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;
/// The most passages one document may make.
const MAX_PASSAGES: usize = 5_000;
/// The longest a document is read for before it is refused.
const READING_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// One document read at a time: reading a PDF is a core's work, and this machine has few.
static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    /// How answers name the document: 1 to 200 characters.
    title: String,
    /// `en` or `es`: the stemming its passages are searched with. Told from the text when left out.
    #[serde(default)]
    language: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    id: Uuid,
    title: String,
    media_type: String,
    language: String,
    size_bytes: i32,
    /// How many passages it was split into.
    passages: i64,
    created_at: DateTime<Utc>,
}

impl From<knowledge::Document> for DocumentView {
    fn from(d: knowledge::Document) -> Self {
        DocumentView {
            id: d.id,
            title: d.title,
            media_type: d.media_type,
            language: d.language,
            size_bytes: d.size_bytes,
            passages: d.passages,
            created_at: d.created_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentList {
    documents: Vec<DocumentView>,
}

/// Adds a document to the tenant's knowledge base: the body is the file, its `Content-Type` says which kind
/// (`text/plain`, `text/markdown` or `application/pdf`). 409 `duplicate_document` for the same bytes twice.
#[utoipa::path(post, path = "/api/v1/knowledge/documents", tag = "knowledge", security(("api_key" = [])),
    params(Upload),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The document's bytes"),
    responses((status = 201, body = DocumentView), (status = 400, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload(
    operator: Operator,
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<Upload>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Upload { title, language } = query.into_inner();
    let title = title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 || title.contains('\0') {
        return Err(ApiError::bad_request("invalid_title", "title must be 1 to 200 characters"));
    }
    let declared = request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media_type = MediaType::parse(declared).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the document as text/plain, text/markdown or application/pdf",
        )
    })?;
    let body = read_limited(payload).await?;
    if body.is_empty() {
        return Err(ApiError::bad_request("empty_document", "the body is the document, and it is empty"));
    }
    let language = match language.as_deref() {
        Some(l) => Some(
            Language::parse(l).ok_or_else(|| ApiError::bad_request("invalid_language", "language must be en or es"))?,
        ),
        None => None,
    };
    // Reading a document is work for a blocking thread, one at a time, and for a while at most.
    let _reading = READING.acquire().await.map_err(ApiError::internal)?;
    let bytes = body.clone();
    let markdown = media_type == MediaType::Markdown;
    let read = web::block(move || -> Result<(String, Vec<passages::Passage>), Unreadable> {
        let text = text_of(media_type, &bytes)?;
        if text.len() > MAX_TEXT_BYTES {
            return Err(Unreadable::Pdf(format!("it holds more than {} MB of text", MAX_TEXT_BYTES / 1024 / 1024)));
        }
        let split = passages::split(&text, markdown);
        Ok((text, split))
    });
    let (text, split) = tokio::time::timeout(READING_TIME, read)
        .await
        .map_err(|_| unreadable(Unreadable::Pdf("reading it took too long".into())))?
        .map_err(|_| ApiError::internal(anyhow::anyhow!("the document reader stopped")))?
        .map_err(unreadable)?;
    if split.is_empty() || split.len() > MAX_PASSAGES {
        let why = if split.is_empty() {
            "it holds headings and no text".to_owned()
        } else {
            format!("it makes more than {MAX_PASSAGES} passages: split it")
        };
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_document", why));
    }
    let language = language.unwrap_or_else(|| language_of(&text));
    let passages: Vec<(Option<String>, String)> = split.into_iter().map(|p| (p.heading, p.body)).collect();
    let sha256: String = Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect();
    let new = NewDocument {
        tenant_id: operator.tenant_id(),
        title: &title,
        media_type: media_type.as_str(),
        language: language.as_str(),
        size_bytes: i32::try_from(body.len()).unwrap_or(i32::MAX),
        sha256: &sha256,
        passages: &passages,
    };
    let mut conn = state.pool.acquire().await?;
    match knowledge::insert(&mut conn, &new).await? {
        Stored::Created(id) => {
            let stored = knowledge::list(&mut *conn, operator.tenant_id(), Some(id)).await?;
            let document =
                stored.into_iter().next().ok_or_else(|| ApiError::internal(anyhow::anyhow!("stored, then gone")))?;
            Ok(HttpResponse::Created().json(DocumentView::from(document)))
        }
        Stored::Duplicate(id) => Err(ApiError::conflict(
            "duplicate_document",
            format!("this document is in the knowledge base already, as {id}"),
        )),
    }
}

/// The body, refused with a 413 as soon as it passes [`MAX_DOCUMENT_BYTES`].
async fn read_limited(mut payload: web::Payload) -> Result<web::Bytes, ApiError> {
    use futures_util::StreamExt;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "document_too_large",
                format!("a document may be {} MB at most", MAX_DOCUMENT_BYTES / 1024 / 1024),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn unreadable(error: Unreadable) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_document", error.to_string())
}

/// The tenant's documents, newest first.
#[utoipa::path(get, path = "/api/v1/knowledge/documents", tag = "knowledge", security(("api_key" = [])),
    responses((status = 200, body = DocumentList)))]
pub async fn list(operator: Operator, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let documents = knowledge::list(&state.pool, operator.tenant_id(), None).await?;
    let documents = documents.into_iter().map(DocumentView::from).collect();
    Ok(HttpResponse::Ok().json(DocumentList { documents }))
}

/// Removes a document and its passages.
#[utoipa::path(delete, path = "/api/v1/knowledge/documents/{id}", tag = "knowledge", security(("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    if !knowledge::delete(&state.pool, operator.tenant_id(), *id).await? {
        return Err(ApiError::not_found("no such document"));
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Search {
    /// What to look for, as people write it (web-search syntax: words, "a phrase", -not).
    q: String,
    /// 1 to 20 passages, 5 by default.
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    document_id: Uuid,
    title: String,
    heading: Option<String>,
    body: String,
    rank: f32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    passages: Vec<SearchHit>,
}

/// The passages of the tenant's documents that best meet `q`, best first: what an assistant would answer from.
#[utoipa::path(get, path = "/api/v1/knowledge/search", tag = "knowledge", security(("api_key" = [])),
    params(Search), responses((status = 200, body = SearchResults), (status = 400, body = crate::error::ErrorBody)))]
pub async fn search(
    operator: Operator,
    state: web::Data<AppState>,
    query: web::Query<Search>,
) -> Result<HttpResponse, ApiError> {
    let Search { q, limit } = query.into_inner();
    let limit = limit.unwrap_or(5);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::bad_request("invalid_limit", "limit must be 1 to 20"));
    }
    if q.trim().is_empty() || q.chars().count() > 500 || q.contains('\0') {
        return Err(ApiError::bad_request("invalid_query", "q must be 1 to 500 characters"));
    }
    let hits = knowledge::search(&state.pool, operator.tenant_id(), &q, limit).await?;
    let passages = hits
        .into_iter()
        .map(|h| SearchHit {
            document_id: h.document_id,
            title: h.title,
            heading: h.heading,
            body: h.body,
            rank: h.rank,
        })
        .collect();
    Ok(HttpResponse::Ok().json(SearchResults { passages }))
}

/// The built-in tools an assistant uses.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuiltinTools {
    /// `knowledge_base`: answer questions from the tenant's documents (and say so when they hold no answer);
    /// `handoff_to_human`: when the contact asks for a person, pause and tell the business;
    /// `business_hours`: answer when the business is open, from its booking hours.
    #[schema(example = json!(["knowledge_base", "handoff_to_human"]))]
    tools: Vec<String>,
}

/// Which built-in tools an assistant uses.
#[utoipa::path(get, path = "/api/v1/assistants/{id}/builtin-tools", tag = "knowledge", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = BuiltinTools), (status = 404, body = crate::error::ErrorBody)))]
pub async fn tools(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    smsagent_store::assistants::get(&state.pool, operator.tenant_id(), *id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such assistant"))?;
    let tools = knowledge::builtin_tools(&state.pool, *id).await?;
    Ok(HttpResponse::Ok().json(BuiltinTools { tools }))
}

/// Sets which built-in tools an assistant uses (the whole list).
#[utoipa::path(put, path = "/api/v1/assistants/{id}/builtin-tools", tag = "knowledge", security(("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = BuiltinTools,
    responses((status = 200, body = BuiltinTools), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn set_tools(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<BuiltinTools>,
) -> Result<HttpResponse, ApiError> {
    let mut tools = body.into_inner().tools;
    tools.sort();
    tools.dedup();
    let known = |t: &String| matches!(t.as_str(), "knowledge_base" | "handoff_to_human" | "business_hours");
    if let Some(unknown) = tools.iter().find(|t| !known(t)) {
        return Err(ApiError::bad_request(
            "unknown_tool",
            format!("{unknown:?} is not a built-in tool (knowledge_base, handoff_to_human and business_hours are)"),
        ));
    }
    let mut conn = state.pool.acquire().await?;
    if !knowledge::set_builtin_tools(&mut conn, operator.tenant_id(), *id, &tools).await? {
        return Err(ApiError::not_found("no such assistant"));
    }
    Ok(HttpResponse::Ok().json(BuiltinTools { tools }))
}
