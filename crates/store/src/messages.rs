//! `sms_messages`: every text in and out, and the delivery reports about them (`sms_status_event`).

use chrono::{DateTime, Utc};
use smsagent_domain::intent;
use smsagent_domain::keywords::Keyword;
use smsagent_domain::segments::Encoding;
use smsagent_domain::{Channel, Contact, Direction, MessageStatus, PhoneNumber, Provider, Purpose, SendReceipt};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// A text that arrived.
#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    pub provider: Provider,
    pub message_sid: &'a str,
    pub from: &'a Contact,
    pub to: &'a PhoneNumber,
    pub body: &'a str,
    pub num_segments: Option<i32>,
    /// How it came, and so how the reply goes.
    pub channel: Channel,
    /// The provider's id for the conversation, where the channel has one.
    pub external_id: Option<&'a str>,
    /// The media that came with it (MMS), recorded with it.
    pub media: &'a [smsagent_domain::media::InboundMedia],
}

/// Stores a text that arrived. Returns `None` when the provider's id is already stored: the webhook was
/// retried, and the caller must not act on it again.
pub async fn insert_inbound(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
    message: &NewInbound<'_>,
    keyword: Option<Keyword>,
) -> Result<Option<Uuid>, StoreError> {
    let id = sqlx::query_scalar!(
        r#"
        INSERT INTO sms_messages (id, provider, message_sid, conversation_id, direction, to_number, from_number,
                                  body, status, num_segments, date_created, channel, external_conversation_id,
                                  keyword, intent)
        VALUES ($1, $2, $3, $4, 'inbound', $5, $6, $7, 'received', $8, now(), $9, $10, $11, $12)
        ON CONFLICT (provider, message_sid) DO NOTHING
        RETURNING id
        "#,
        Uuid::now_v7(),
        message.provider.as_str(),
        message.message_sid,
        conversation_id,
        message.to.as_str(),
        message.from.as_str(),
        message.body,
        message.num_segments,
        message.channel.as_str(),
        message.external_id,
        keyword.map(Keyword::as_str),
        intent::label(message.body, keyword).as_str(),
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// A text the business is about to send.
#[derive(Debug, Clone)]
pub struct NewOutbound<'a> {
    pub provider: Provider,
    pub conversation_id: Uuid,
    pub reply_to_message_id: Option<Uuid>,
    pub from: &'a PhoneNumber,
    pub to: &'a Contact,
    pub body: &'a str,
    pub num_segments: i32,
    pub encoding: Encoding,
    pub purpose: Purpose,
}

fn encoding_name(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Gsm7 => "gsm7",
        Encoding::Ucs2 => "ucs2",
    }
}

/// Stores an outbound text as `queued`, before it is handed to the provider, so delivery reports always
/// find it. It goes out on the channel the conversation is on now: where the contact last wrote.
pub async fn insert_outbound(db: impl PgExecutor<'_>, message: &NewOutbound<'_>) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let inserted = sqlx::query!(
        r#"
        INSERT INTO sms_messages (id, provider, conversation_id, reply_to_message_id, direction, to_number,
                                  from_number, body, status, num_segments, encoding, purpose, channel,
                                  external_conversation_id)
        SELECT $1, $2, $3, $4, 'outbound', $5, $6, $7, 'queued', $8, $9, $10, c.channel, c.external_id
        FROM conversation c WHERE c.id = $3
        "#,
        id,
        message.provider.as_str(),
        message.conversation_id,
        message.reply_to_message_id,
        message.to.as_str(),
        message.from.as_str(),
        message.body,
        message.num_segments,
        encoding_name(message.encoding),
        message.purpose.as_str(),
    )
    .execute(db)
    .await?;
    if inserted.rows_affected() == 0 {
        // As the foreign key would say, had the row been inserted.
        return Err(sqlx::Error::RowNotFound.into());
    }
    Ok(id)
}

/// Who a conversation's texts go to, and what decides whether one may go now.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub conversation_id: Uuid,
    /// Who carries the business number.
    pub provider: Provider,
    pub business: PhoneNumber,
    pub contact: Contact,
    /// Where the contact last wrote from.
    pub channel: Channel,
    pub opted_out: bool,
    /// When the contact last wrote, if ever.
    pub last_inbound_at: Option<DateTime<Utc>>,
}

/// The recipient of a conversation's texts; `None` when the conversation (or its number) is gone.
pub async fn recipient(db: impl PgExecutor<'_>, conversation_id: Uuid) -> Result<Option<Recipient>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT c.business_number, c.contact_number, c.channel, p.provider,
               is_opted_out(c.business_number, c.contact_number) AS "opted_out!",
               (SELECT max(m.created_at) FROM sms_messages m
                WHERE m.conversation_id = c.id AND m.direction = 'inbound') AS last_inbound_at
        FROM conversation c JOIN phone_number p ON p.number = c.business_number
        WHERE c.id = $1
        "#,
        conversation_id,
    )
    .fetch_optional(db)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Recipient {
        conversation_id,
        provider: Provider::parse(&r.provider).map_err(StoreError::corrupt)?,
        business: PhoneNumber::parse(&r.business_number).map_err(StoreError::corrupt)?,
        contact: Contact::parse(&r.contact_number).map_err(StoreError::corrupt)?,
        channel: Channel::parse(&r.channel).ok_or_else(|| StoreError::corrupt(format!("channel {:?}", r.channel)))?,
        opted_out: r.opted_out,
        last_inbound_at: r.last_inbound_at,
    }))
}

/// A message as the model and the session rules see it.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub id: Uuid,
    pub direction: Direction,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// What an outbound text was for; `None` for inbound texts.
    pub purpose: Option<Purpose>,
    /// The keyword an inbound text is, as decided when it arrived.
    pub keyword: Option<Keyword>,
}

/// The newest `limit` messages of a conversation, oldest first.
pub async fn recent(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
    limit: i64,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let rows = sqlx::query!(
        r#"
        SELECT id AS "id!", direction AS "direction!", body AS "body!", created_at AS "created_at!", purpose, keyword
        FROM (SELECT id, direction, body, created_at, purpose, keyword FROM sms_messages
              WHERE conversation_id = $1
              ORDER BY created_at DESC, id DESC
              LIMIT $2) newest
        ORDER BY created_at, id
        "#,
        conversation_id,
        limit,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(HistoryEntry {
                id: r.id,
                direction: Direction::parse(&r.direction)
                    .ok_or_else(|| StoreError::corrupt(format!("direction {:?}", r.direction)))?,
                body: r.body,
                created_at: r.created_at,
                purpose: r.purpose.as_deref().and_then(Purpose::parse),
                keyword: r.keyword.as_deref().and_then(Keyword::parse),
            })
        })
        .collect()
}

/// The first text the business wrote in the conversation after the message `after` (the answer to it, or
/// to a burst it was part of).
pub async fn first_outbound_after(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
    after: Uuid,
) -> Result<Option<String>, StoreError> {
    let body = sqlx::query_scalar!(
        r#"
        SELECT m.body FROM sms_messages m, sms_messages a
        WHERE a.id = $2 AND m.conversation_id = $1 AND m.direction = 'outbound'
          AND (m.created_at, m.id) > (a.created_at, a.id)
        ORDER BY m.created_at, m.id
        LIMIT 1
        "#,
        conversation_id,
        after,
    )
    .fetch_optional(db)
    .await?;
    Ok(body)
}

/// An outbound message as the sender needs it.
#[derive(Debug, Clone)]
pub struct OutboundMessage {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub provider: Provider,
    pub from: PhoneNumber,
    /// A phone, or a web chat session whose replies are kept for it, not sent.
    pub to: Contact,
    pub body: String,
    pub status: MessageStatus,
    /// Set once the provider accepted the message.
    pub message_sid: Option<String>,
    pub purpose: Option<Purpose>,
    pub created_at: DateTime<Utc>,
    /// The conversation's channel and the provider's id for it: where the text goes.
    pub channel: Channel,
    pub external_id: Option<String>,
    /// The recipient has opted out of texts from the sender, as of this read.
    pub recipient_opted_out: bool,
    /// Attempts to hand the text over so far, and when the first began.
    pub send_attempts: i32,
    pub first_send_attempt_at: Option<DateTime<Utc>>,
    /// When the contact last texted in this conversation (WhatsApp takes free text for 24 hours after).
    pub last_inbound_at: Option<DateTime<Utc>>,
}

pub async fn outbound(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<OutboundMessage>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT id, conversation_id, provider, from_number, to_number, body, status, message_sid, purpose,
               created_at, channel, external_conversation_id, send_attempts, first_send_attempt_at,
               is_opted_out(m.from_number, m.to_number) AS "recipient_opted_out!",
               (SELECT max(i.created_at) FROM sms_messages i
                WHERE i.conversation_id = m.conversation_id AND i.direction = 'inbound') AS last_inbound_at
        FROM sms_messages m
        WHERE id = $1 AND direction = 'outbound'
        "#,
        id,
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(OutboundMessage {
            id: r.id,
            conversation_id: r.conversation_id,
            provider: Provider::parse(&r.provider).map_err(StoreError::corrupt)?,
            from: PhoneNumber::parse(&r.from_number).map_err(StoreError::corrupt)?,
            to: Contact::parse(&r.to_number).map_err(StoreError::corrupt)?,
            body: r.body,
            status: MessageStatus::parse(&r.status).map_err(StoreError::corrupt)?,
            message_sid: r.message_sid,
            purpose: r.purpose.as_deref().and_then(Purpose::parse),
            created_at: r.created_at,
            channel: Channel::parse(&r.channel)
                .ok_or_else(|| StoreError::corrupt(format!("channel {:?}", r.channel)))?,
            external_id: r.external_conversation_id,
            recipient_opted_out: r.recipient_opted_out,
            send_attempts: r.send_attempts,
            first_send_attempt_at: r.first_send_attempt_at,
            last_inbound_at: r.last_inbound_at,
        })
    })
    .transpose()
}

/// An attempt to hand a text to its provider, on record before the provider is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendAttempt {
    /// The attempt before this one may have left the text at the provider: its outcome was never learned.
    pub after_unknown_outcome: bool,
    /// When the first attempt began.
    pub first_at: DateTime<Utc>,
}

/// Records that `job` is about to hand message `id` to its provider, its outcome unknown until it is
/// recorded, and says whether an earlier attempt's outcome is unknown. Call it outside any transaction, so
/// it is on disk before the provider hears of the text. `None` when the job is no longer this worker's
/// (send nothing then), or the message is gone.
pub async fn begin_send_attempt(
    db: impl PgExecutor<'_>,
    id: Uuid,
    job: &crate::jobs::ClaimedJob,
) -> Result<Option<SendAttempt>, StoreError> {
    let row = sqlx::query!(
        r#"
        WITH before AS (
            SELECT id, send_outcome_unknown FROM sms_messages
            WHERE id = $1
              AND EXISTS (SELECT 1 FROM job WHERE id = $2 AND claim_token = $3 AND status = 'running')
            FOR UPDATE
        )
        UPDATE sms_messages m
        SET send_attempts = m.send_attempts + 1,
            first_send_attempt_at = COALESCE(m.first_send_attempt_at, clock_timestamp()),
            send_outcome_unknown = true,
            updated_at = now()
        FROM before
        WHERE m.id = before.id
        RETURNING before.send_outcome_unknown AS "after_unknown!", m.first_send_attempt_at AS "first_at!"
        "#,
        id,
        job.id,
        job.token,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| SendAttempt { after_unknown_outcome: r.after_unknown, first_at: r.first_at }))
}

/// Records the first attempt to hand message `id` over as about to begin, in the transaction that queues
/// its send already claimed (a reply's): on disk with it, one flush fewer than [`begin_send_attempt`] after.
pub async fn begin_first_send_attempt(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), StoreError> {
    sqlx::query!(
        r#"
        UPDATE sms_messages
        SET send_attempts = 1, first_send_attempt_at = clock_timestamp(), send_outcome_unknown = true
        WHERE id = $1 AND send_attempts = 0
        "#,
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records that the provider said it did not take message `id` on `job`'s attempt: the next attempt need
/// not look for it there. Only while `job` is still this worker's: a worker whose lease ran out must not
/// clear the mark another worker's attempt has set.
pub async fn record_not_taken(
    db: impl PgExecutor<'_>,
    id: Uuid,
    job: &crate::jobs::ClaimedJob,
) -> Result<(), StoreError> {
    sqlx::query!(
        r#"
        UPDATE sms_messages SET send_outcome_unknown = false
        WHERE id = $1 AND EXISTS (SELECT 1 FROM job WHERE id = $2 AND claim_token = $3 AND status = 'running')
        "#,
        id,
        job.id,
        job.token,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records why sending message `id` stopped when the provider may have it all the same (the last attempt
/// got no answer): the message stays `queued`, not `failed`, so a delivery report can still move it on.
pub async fn record_outcome_unknown(db: impl PgExecutor<'_>, id: Uuid, reason: &str) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE sms_messages SET error_message = $2, date_updated = now(), updated_at = now() WHERE id = $1 AND status = 'queued'",
        id,
        reason,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The first of `sids` (the provider's ids, in the order given) that no stored message carries: of the
/// texts a provider holds that look like ours, the one no other row has claimed.
pub async fn first_unrecorded(
    db: impl PgExecutor<'_>,
    provider: Provider,
    sids: &[String],
) -> Result<Option<String>, StoreError> {
    let sid = sqlx::query_scalar!(
        r#"
        SELECT candidate.sid AS "sid!"
        FROM unnest($2::text[]) WITH ORDINALITY AS candidate (sid, n)
        WHERE NOT EXISTS (SELECT 1 FROM sms_messages m WHERE m.provider = $1 AND m.message_sid = candidate.sid)
        ORDER BY candidate.n
        LIMIT 1
        "#,
        provider.as_str(),
        sids,
    )
    .fetch_optional(db)
    .await?;
    Ok(sid)
}

/// Records what the provider said on taking the text (its id, status, segments, price), and finishes `job`
/// (the send) in the same statement. A status only moves forward, so a delivery report that came first is
/// kept, and the first provider id recorded is the one kept. The receipt is recorded whatever became of
/// the job; returns whether the job was still this worker's to finish.
pub async fn record_accepted(
    db: impl PgExecutor<'_>,
    id: Uuid,
    accepted: &SendReceipt,
    job: &crate::jobs::ClaimedJob,
) -> Result<bool, StoreError> {
    let before: Vec<&str> = predecessor_names(accepted.status);
    let finished = sqlx::query_scalar!(
        r#"
        WITH finished AS (
            DELETE FROM job WHERE id = $11 AND claim_token = $12 AND status = 'running' RETURNING id
        ), recorded AS (
            UPDATE sms_messages
            SET message_sid = COALESCE(message_sid, $2),
                send_outcome_unknown = false,
                status = CASE WHEN status = ANY($3) THEN $4 ELSE status END,
                num_segments = COALESCE($5, num_segments),
                price = COALESCE(CASE WHEN $6 ~ '^-?[0-9]+(\.[0-9]+)?$' THEN $6::text::numeric END, price),
                price_unit = COALESCE($7, price_unit),
                date_created = COALESCE($8, date_created),
                date_sent = COALESCE($9, date_sent),
                date_updated = COALESCE($10, date_updated),
                updated_at = now()
            WHERE id = $1
            RETURNING id
        )
        SELECT EXISTS (SELECT 1 FROM finished) AS "finished!" FROM (SELECT count(*) FROM recorded) AS r
        "#,
        id,
        accepted.message_sid,
        &before as &[&str],
        accepted.status.as_str(),
        accepted.num_segments,
        accepted.price,
        accepted.price_unit,
        accepted.date_created,
        accepted.date_sent,
        accepted.date_updated,
        job.id,
        job.token,
    )
    .fetch_one(db)
    .await?;
    Ok(finished)
}

/// Records that an outbound message could not be handed to its provider. Only a message still waiting
/// (`queued`) is marked: one the provider took is reported on by the provider.
pub async fn record_failed(
    db: impl PgExecutor<'_>,
    id: Uuid,
    error_code: Option<&str>,
    error_message: &str,
) -> Result<(), StoreError> {
    sqlx::query!(
        r#"
        UPDATE sms_messages
        SET status = 'failed', error_code = $2, error_message = $3, date_updated = now(), updated_at = now()
        WHERE id = $1 AND status = 'queued'
        "#,
        id,
        error_code,
        error_message,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A delivery report from a provider.
#[derive(Debug, Clone)]
pub struct StatusReport<'a> {
    pub provider: Provider,
    pub message_sid: &'a str,
    /// Our id for the message when the report carries it (we put it in the callback URL); found by
    /// `message_sid` otherwise.
    pub message_id: Option<Uuid>,
    pub status: MessageStatus,
    pub error_code: Option<&'a str>,
    pub error_message: Option<&'a str>,
    /// The delivering service's id for the report, when it has one: a redelivery is recorded once.
    pub event_id: Option<&'a str>,
    /// The provider's account of its delivery attempts, kept as reported (ACS's `deliveryAttempts`).
    pub attempts: Option<&'a serde_json::Value>,
}

/// What became of a delivery report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOutcome {
    /// The message reported on, if it is stored.
    pub message_id: Option<Uuid>,
    /// Whether the report moved the message's status; a late or repeated report does not.
    pub applied: bool,
    /// The same report (by event id) was received before.
    pub duplicate: bool,
}

/// Applies a delivery report, never moving a status backwards, and logs it in `sms_status_event`.
pub async fn apply_status_report(
    db: impl PgExecutor<'_>,
    report: &StatusReport<'_>,
) -> Result<ReportOutcome, StoreError> {
    let before: Vec<&str> = predecessor_names(report.status);
    let row = sqlx::query!(
        r#"
        WITH target AS (
            SELECT id FROM sms_messages
            WHERE provider = $1 AND direction = 'outbound' AND (id = $3 OR message_sid = $2)
              -- A redelivered report changes nothing; the insert below then records nothing either.
              AND NOT EXISTS (SELECT 1 FROM sms_status_event e WHERE e.provider = $1 AND e.event_id = $8)
            ORDER BY id = $3 DESC NULLS LAST
            LIMIT 1
            FOR UPDATE
        ), moved AS (
            UPDATE sms_messages m
            SET status = $5,
                message_sid = COALESCE(m.message_sid, $2),
                error_code = COALESCE($6, m.error_code),
                error_message = COALESCE($7, m.error_message),
                date_sent = CASE WHEN $5 IN ('sent', 'delivered', 'undelivered', 'read', 'partially_delivered')
                                 THEN COALESCE(m.date_sent, now()) ELSE m.date_sent END,
                date_updated = now(),
                updated_at = now()
            FROM target
            WHERE m.id = target.id AND m.status = ANY($4)
            RETURNING m.id
        )
        INSERT INTO sms_status_event (sms_message_id, provider, message_sid, status, error_code, error_message, applied, event_id, attempts)
        SELECT (SELECT id FROM target), $1, $2, $5, $6, $7, EXISTS (SELECT 1 FROM moved), $8, $9
        ON CONFLICT (provider, event_id) WHERE event_id IS NOT NULL DO NOTHING
        RETURNING sms_message_id, applied
        "#,
        report.provider.as_str(),
        report.message_sid,
        report.message_id,
        &before as &[&str],
        report.status.as_str(),
        report.error_code,
        report.error_message,
        report.event_id,
        report.attempts,
    )
    .fetch_optional(db)
    .await?;
    Ok(match row {
        Some(row) => ReportOutcome { message_id: row.sms_message_id, applied: row.applied, duplicate: false },
        None => ReportOutcome { message_id: None, applied: false, duplicate: true },
    })
}

fn predecessor_names(status: MessageStatus) -> Vec<&'static str> {
    MessageStatus::predecessors_of(status).into_iter().map(MessageStatus::as_str).collect()
}
