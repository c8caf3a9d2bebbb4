//! The tenants' knowledge bases: documents and their passages, found by Postgres's full-text search, and
//! which assistants use them.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use crate::StoreError;

/// A document to store, with its passages (heading, body) in order.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub tenant_id: Uuid,
    pub title: &'a str,
    pub media_type: &'a str,
    /// `en` or `es`: which stemming its passages are searched with.
    pub language: &'a str,
    pub size_bytes: i32,
    pub sha256: &'a str,
    pub passages: &'a [(Option<String>, String)],
}

/// What storing a document came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Created(Uuid),
    /// The tenant has these very bytes already, under this id.
    Duplicate(Uuid),
}

/// Stores the document and every passage of it, or nothing.
pub async fn insert(conn: &mut PgConnection, new: &NewDocument<'_>) -> Result<Stored, StoreError> {
    let id = Uuid::now_v7();
    let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
    let inserted = sqlx::query_scalar!(
        r#"
        INSERT INTO knowledge_document (id, tenant_id, title, media_type, language, size_bytes, sha256)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (tenant_id, sha256) DO NOTHING
        RETURNING id
        "#,
        id,
        new.tenant_id,
        new.title,
        new.media_type,
        new.language,
        new.size_bytes,
        new.sha256,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        let existing = sqlx::query_scalar!(
            "SELECT id FROM knowledge_document WHERE tenant_id = $1 AND sha256 = $2",
            new.tenant_id,
            new.sha256
        )
        .fetch_one(&mut *tx)
        .await?;
        return Ok(Stored::Duplicate(existing));
    }
    let config = if new.language == "es" { "spanish" } else { "english" };
    let headings: Vec<Option<String>> = new.passages.iter().map(|(h, _)| h.clone()).collect();
    let bodies: Vec<String> = new.passages.iter().map(|(_, b)| b.clone()).collect();
    sqlx::query!(
        r#"
        INSERT INTO knowledge_passage (id, document_id, tenant_id, position, heading, body, config)
        SELECT gen_random_uuid(), $1, $2, ord - 1, heading, body, $5::text::regconfig
        FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS p(heading, body, ord)
        "#,
        id,
        new.tenant_id,
        &headings as &[Option<String>],
        &bodies,
        config,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Stored::Created(id))
}

/// A document as operators list it.
#[derive(Debug, Clone)]
pub struct Document {
    pub id: Uuid,
    pub title: String,
    pub media_type: String,
    pub language: String,
    pub size_bytes: i32,
    pub passages: i64,
    pub created_at: DateTime<Utc>,
}

/// The tenant's documents, newest first; only `only` when it is given.
pub async fn list(db: impl PgExecutor<'_>, tenant_id: Uuid, only: Option<Uuid>) -> Result<Vec<Document>, StoreError> {
    Ok(sqlx::query_as!(
        Document,
        r#"
        SELECT d.id, d.title, d.media_type, d.language, d.size_bytes, d.created_at,
               (SELECT count(*) FROM knowledge_passage p WHERE p.document_id = d.id) AS "passages!"
        FROM knowledge_document d WHERE d.tenant_id = $1 AND ($2::uuid IS NULL OR d.id = $2)
        ORDER BY d.created_at DESC, d.id
        "#,
        tenant_id,
        only,
    )
    .fetch_all(db)
    .await?)
}

/// Removes one of the tenant's documents with its passages; false when there is none.
pub async fn delete(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query!("DELETE FROM knowledge_document WHERE id = $1 AND tenant_id = $2", id, tenant_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A passage a search found.
#[derive(Debug, Clone)]
pub struct Hit {
    pub document_id: Uuid,
    pub title: String,
    pub heading: Option<String>,
    pub body: String,
    pub rank: f32,
}

/// The tenant's `limit` passages that best meet `query`, best first, each passage searched in its own
/// language's stemming and ranked by `ts_rank_cd`. First as written (`websearch_to_tsquery`: every word,
/// "a phrase", -not); when that finds nothing, as any of its words (a question seldom holds every word of
/// its answer).
pub async fn search(db: &PgPool, tenant_id: Uuid, query: &str, limit: i64) -> Result<Vec<Hit>, StoreError> {
    let precise = matching(db, tenant_id, query, limit, false).await?;
    if !precise.is_empty() {
        return Ok(precise);
    }
    matching(db, tenant_id, query, limit, true).await
}

async fn matching(
    db: &PgPool,
    tenant_id: Uuid,
    query: &str,
    limit: i64,
    any_word: bool,
) -> Result<Vec<Hit>, StoreError> {
    Ok(sqlx::query_as!(
        Hit,
        r#"
        WITH q AS (
            -- Any word: the query's own lexemes, each quoted, joined with OR (nothing of the web-search syntax).
            SELECT CASE WHEN $4 THEN (SELECT NULLIF(string_agg(quote_literal(l), ' | '), '')::tsquery
                                      FROM unnest(tsvector_to_array(to_tsvector('english', $2))) l)
                        ELSE websearch_to_tsquery('english', $2) END AS en,
                   CASE WHEN $4 THEN (SELECT NULLIF(string_agg(quote_literal(l), ' | '), '')::tsquery
                                      FROM unnest(tsvector_to_array(to_tsvector('spanish', $2))) l)
                        ELSE websearch_to_tsquery('spanish', $2) END AS es
        ), hits AS (
            SELECT p.document_id, p.heading, p.body, p.position, ts_rank_cd(p.search, q.en) AS rank
            FROM knowledge_passage p, q
            WHERE p.tenant_id = $1 AND p.config = 'english'::regconfig AND p.search @@ q.en
            UNION ALL
            SELECT p.document_id, p.heading, p.body, p.position, ts_rank_cd(p.search, q.es) AS rank
            FROM knowledge_passage p, q
            WHERE p.tenant_id = $1 AND p.config = 'spanish'::regconfig AND p.search @@ q.es
        )
        SELECT h.document_id AS "document_id!", d.title, h.heading, h.body AS "body!", h.rank AS "rank!"
        FROM hits h JOIN knowledge_document d ON d.id = h.document_id
        WHERE h.rank > 0
        ORDER BY h.rank DESC, h.document_id, h.position
        LIMIT $3
        "#,
        tenant_id,
        query,
        limit,
        any_word,
    )
    .fetch_all(db)
    .await?)
}

/// The built-in tools the assistant uses.
pub async fn builtin_tools(db: impl PgExecutor<'_>, assistant_id: Uuid) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar!(
        "SELECT tool FROM assistant_builtin_tool WHERE assistant_id = $1 ORDER BY tool",
        assistant_id
    )
    .fetch_all(db)
    .await?)
}

/// Sets the built-in tools one of the tenant's assistants uses; false when the tenant has no such assistant.
pub async fn set_builtin_tools(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    assistant_id: Uuid,
    tools: &[String],
) -> Result<bool, StoreError> {
    let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
    let owned = sqlx::query_scalar!(
        "SELECT id FROM assistant WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
        assistant_id,
        tenant_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if owned.is_none() {
        return Ok(false);
    }
    sqlx::query!("DELETE FROM assistant_builtin_tool WHERE assistant_id = $1", assistant_id).execute(&mut *tx).await?;
    sqlx::query!(
        "INSERT INTO assistant_builtin_tool (assistant_id, tool) SELECT $1, unnest($2::text[])",
        assistant_id,
        tools
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}
