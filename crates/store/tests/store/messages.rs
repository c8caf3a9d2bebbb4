use smsagent_domain::segments::Encoding;
use smsagent_domain::{Channel, Contact, MessageStatus, PhoneNumber, Provider, Purpose, SendReceipt};
use smsagent_store::conversations::ReplyProgress;
use smsagent_store::jobs::{self, NewJob};
use smsagent_store::messages::{self, NewInbound, NewOutbound, StatusReport};
use smsagent_store::{PgPool, conversations};
use uuid::Uuid;

fn business() -> PhoneNumber {
    PhoneNumber::parse("+15557654321").unwrap()
}

fn contact() -> Contact {
    PhoneNumber::parse("+15551234567").unwrap().into()
}

async fn outbound(pool: &PgPool) -> Uuid {
    let conversation =
        conversations::touch_for_inbound(pool, &arrival(&business(), &contact(), "SM-arrival")).await.unwrap();
    messages::insert_outbound(
        pool,
        &NewOutbound {
            provider: Provider::Twilio,
            conversation_id: conversation.id,
            reply_to_message_id: None,
            from: &business(),
            to: &contact(),
            body: "Hello",
            num_segments: 1,
            encoding: Encoding::Gsm7,
            purpose: Purpose::Reply,
        },
    )
    .await
    .unwrap()
}

/// A text from `contact` to `business`, as a webhook delivers it.
pub(crate) fn arrival<'a>(business: &'a PhoneNumber, contact: &'a Contact, sid: &'a str) -> NewInbound<'a> {
    NewInbound {
        provider: Provider::Twilio,
        message_sid: sid,
        from: contact,
        to: business,
        body: "Hi",
        num_segments: Some(1),
        channel: Channel::Sms,
        external_id: None,
        media: &[],
    }
}

fn report(message_id: Option<Uuid>, status: MessageStatus) -> StatusReport<'static> {
    StatusReport {
        provider: Provider::Twilio,
        message_sid: "SM00000000000000000000000000000001",
        message_id,
        status,
        error_code: None,
        error_message: None,
        event_id: None,
        attempts: None,
    }
}

async fn status_of(pool: &PgPool, id: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM sms_messages WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_inbound_text_is_stored_once_however_often_it_arrives(pool: PgPool) {
    let conversation =
        conversations::touch_for_inbound(&pool, &arrival(&business(), &contact(), "SM-arrival")).await.unwrap();
    let (business, contact) = (business(), contact());
    let text = arrival(&business, &contact, "SM11111111111111111111111111111111");
    assert!(messages::insert_inbound(&pool, conversation.id, &text, None).await.unwrap().is_some());
    assert!(messages::insert_inbound(&pool, conversation.id, &text, None).await.unwrap().is_none());
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_messages").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn reports_out_of_order_end_at_the_furthest_status(pool: PgPool) {
    let id = outbound(&pool).await;
    let arrivals = [MessageStatus::Delivered, MessageStatus::Sent, MessageStatus::Sending, MessageStatus::Delivered];
    let mut applied = Vec::new();
    for status in arrivals {
        applied.push(messages::apply_status_report(&pool, &report(Some(id), status)).await.unwrap().applied);
    }
    assert_eq!(applied, [true, false, false, false]);
    assert_eq!(status_of(&pool, id).await, "delivered");

    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_status_event WHERE sms_message_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(logged, 4, "every report is kept in the history");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_report_that_beats_the_send_bookkeeping_is_kept(pool: PgPool) {
    let id = outbound(&pool).await;
    messages::apply_status_report(&pool, &report(Some(id), MessageStatus::Sent)).await.unwrap();
    let accepted = SendReceipt {
        message_sid: Some("SM00000000000000000000000000000001".into()),
        status: MessageStatus::Queued,
        num_segments: Some(1),
        price: Some("-0.00790".into()),
        price_unit: Some("USD".into()),
        date_created: None,
        date_sent: None,
        date_updated: None,
    };
    let job = jobs::enqueue_claimed(&pool, &send_job(), std::time::Duration::from_secs(30)).await.unwrap();
    assert!(messages::record_accepted(&pool, id, &accepted, &job).await.unwrap(), "the send is finished");
    assert_eq!(status_of(&pool, id).await, "sent");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM job").fetch_one(&pool).await.unwrap();
    assert_eq!(left, 0);
    // Again, as after a lost connection: the receipt stands, and the job is no longer there to finish.
    assert!(!messages::record_accepted(&pool, id, &accepted, &job).await.unwrap());

    // Later reports find the message by its sid alone.
    let outcome = messages::apply_status_report(&pool, &report(None, MessageStatus::Delivered)).await.unwrap();
    assert_eq!(outcome.message_id, Some(id));
    assert!(outcome.applied);
    let price: String = sqlx::query_scalar("SELECT price::text FROM sms_messages WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(price, "-0.00790");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_report_for_an_unknown_message_is_logged_not_lost(pool: PgPool) {
    let outcome = messages::apply_status_report(&pool, &report(None, MessageStatus::Delivered)).await.unwrap();
    assert_eq!(outcome.message_id, None);
    assert!(!outcome.applied);
    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_status_event WHERE sms_message_id IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(logged, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_failed_message_keeps_its_error_and_ignores_later_delivery(pool: PgPool) {
    let id = outbound(&pool).await;
    messages::record_failed(&pool, id, Some("21610"), "Attempt to send to unsubscribed recipient").await.unwrap();
    messages::apply_status_report(&pool, &report(Some(id), MessageStatus::Delivered)).await.unwrap();
    let (status, code): (String, Option<String>) =
        sqlx::query_as("SELECT status, error_code FROM sms_messages WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), code.as_deref()), ("failed", Some("21610")));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_reply_written_while_a_text_arrived_is_refused(pool: PgPool) {
    let conversation =
        conversations::touch_for_inbound(&pool, &arrival(&business(), &contact(), "SM-arrival")).await.unwrap();
    let read = conversations::reply_context(&pool, conversation.id).await.unwrap().unwrap().progress;
    assert_eq!(read, ReplyProgress { inbound_count: 1, answered_count: 0 });

    // Another text lands while the reply is being written.
    conversations::touch_for_inbound(&pool, &arrival(&business(), &contact(), "SM-arrival")).await.unwrap();
    assert!(!conversations::record_reply(&pool, conversation.id, read.inbound_count).await.unwrap());

    let reread = conversations::reply_context(&pool, conversation.id).await.unwrap().unwrap().progress;
    assert!(conversations::record_reply(&pool, conversation.id, reread.inbound_count).await.unwrap());
    let after = conversations::reply_context(&pool, conversation.id).await.unwrap().unwrap().progress;
    assert!(!after.has_unanswered());
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_message_the_provider_took_is_never_marked_failed_by_us(pool: PgPool) {
    let id = outbound(&pool).await;
    messages::apply_status_report(&pool, &report(Some(id), MessageStatus::Sent)).await.unwrap();
    messages::record_failed(&pool, id, None, "gave up").await.unwrap();
    assert_eq!(status_of(&pool, id).await, "sent");
}

fn send_job() -> NewJob {
    NewJob {
        kind: "send_message",
        payload: serde_json::json!({}),
        concurrency_key: None,
        dedupe_key: None,
        max_attempts: 3,
        run_at: None,
    }
}

fn taken(sid: &str) -> SendReceipt {
    SendReceipt { message_sid: Some(sid.into()), ..SendReceipt::accepted_without_details() }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_first_provider_id_recorded_is_the_one_kept(pool: PgPool) {
    let id = outbound(&pool).await;
    let lease = std::time::Duration::from_secs(30);
    let first = jobs::enqueue_claimed(&pool, &send_job(), lease).await.unwrap();
    let second = jobs::enqueue_claimed(&pool, &send_job(), lease).await.unwrap();
    messages::record_accepted(&pool, id, &taken("SM00000000000000000000000000000001"), &first).await.unwrap();
    messages::record_accepted(&pool, id, &taken("SM00000000000000000000000000000002"), &second).await.unwrap();
    let sid: String = sqlx::query_scalar("SELECT message_sid FROM sms_messages WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sid, "SM00000000000000000000000000000001");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_send_attempt_is_recorded_only_by_its_claim_and_says_whether_the_last_outcome_was_lost(pool: PgPool) {
    let id = outbound(&pool).await;
    let lease = std::time::Duration::from_secs(30);
    let job = jobs::enqueue_claimed(&pool, &send_job(), lease).await.unwrap();

    let first = messages::begin_send_attempt(&pool, id, &job).await.unwrap().expect("the job is held");
    let second = messages::begin_send_attempt(&pool, id, &job).await.unwrap().expect("the job is held");
    assert!(!first.after_unknown_outcome && second.after_unknown_outcome, "the first never learned its outcome");
    assert_eq!(first.first_at, second.first_at, "the window starts at the first attempt");
    messages::record_not_taken(&pool, id, &job).await.unwrap();
    let third = messages::begin_send_attempt(&pool, id, &job).await.unwrap().expect("the job is held");
    assert!(!third.after_unknown_outcome, "the provider said the second was not taken");

    // A worker whose claim is gone cannot clear the mark another's attempt set.
    let stale = jobs::ClaimedJob { token: uuid::Uuid::now_v7(), ..job.clone() };
    messages::record_not_taken(&pool, id, &stale).await.unwrap();
    let fourth = messages::begin_send_attempt(&pool, id, &job).await.unwrap().expect("the job is held");
    assert!(fourth.after_unknown_outcome, "the third's outcome is still unknown");

    jobs::complete(&pool, &job).await.unwrap();
    assert_eq!(
        messages::begin_send_attempt(&pool, id, &job).await.unwrap(),
        None,
        "a claim no longer held sends nothing"
    );
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn of_the_providers_lookalikes_the_first_no_row_claims_is_chosen(pool: PgPool) {
    let id = outbound(&pool).await;
    let job = jobs::enqueue_claimed(&pool, &send_job(), std::time::Duration::from_secs(30)).await.unwrap();
    messages::record_accepted(&pool, id, &taken("SM00000000000000000000000000000002"), &job).await.unwrap();
    let candidates = ["SM00000000000000000000000000000002".to_owned(), "SM00000000000000000000000000000003".to_owned()];

    let free = messages::first_unrecorded(&pool, Provider::Twilio, &candidates).await.unwrap();
    assert_eq!(free.as_deref(), Some("SM00000000000000000000000000000003"));
    assert_eq!(messages::first_unrecorded(&pool, Provider::Twilio, &candidates[..1]).await.unwrap(), None);
    assert_eq!(
        messages::first_unrecorded(&pool, Provider::Acs, &candidates[..1]).await.unwrap().as_deref(),
        Some(candidates[0].as_str())
    );
}
