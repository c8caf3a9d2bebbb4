//! The outbox against a real Postgres: the one way a text to a contact is written, with its checks.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use chrono::Utc;
use smsagent_domain::{Channel, Contact, PhoneNumber, Provider, Purpose, WhatsAppContact, quiet_hours};
use smsagent_engine::outbox::{self, Dispatch, OutboxError, Refused, Text};
use smsagent_engine::queue::Queue;
use smsagent_store::messages::{self, NewInbound};
use smsagent_store::opt_outs::{self, ConsentChange, ConsentSource};
use smsagent_store::{PgPool, conversations, phone_numbers};
use uuid::Uuid;

fn business() -> PhoneNumber {
    PhoneNumber::parse("+15557654321").unwrap()
}

fn number() -> PhoneNumber {
    // New York: quiet hours by the area code.
    PhoneNumber::parse("+12125550123").unwrap()
}

/// A conversation on `channel` in which `contact` texted once, `ago`.
async fn conversation(pool: &PgPool, provider: Provider, contact: &Contact, channel: Channel, ago: Duration) -> Uuid {
    phone_numbers::insert(pool, &business(), provider, None).await.unwrap();
    let business = business();
    let text = NewInbound {
        provider,
        message_sid: "SM11111111111111111111111111111111",
        from: contact,
        to: &business,
        body: "Hi",
        num_segments: Some(1),
        channel,
        external_id: None,
        media: &[],
    };
    let conversation = conversations::touch_for_inbound(pool, &text).await.unwrap();
    messages::insert_inbound(pool, conversation.id, &text, None).await.unwrap().unwrap();
    sqlx::query("UPDATE sms_messages SET created_at = now() - make_interval(secs => $1)")
        .bind(ago.as_secs_f64())
        .execute(pool)
        .await
        .unwrap();
    conversation.id
}

async fn queue(
    pool: &PgPool,
    conversation_id: Uuid,
    body: &str,
    purpose: Purpose,
    dispatch: Dispatch,
) -> Result<outbox::Queued, OutboxError> {
    let mut tx = pool.begin().await.unwrap();
    let queued =
        outbox::queue(&mut tx, &Queue::new(3), conversation_id, Text { body, purpose, reply_to: None }, dispatch)
            .await?;
    tx.commit().await.unwrap();
    Ok(queued)
}

fn refusal(result: Result<outbox::Queued, OutboxError>) -> Refused {
    match result {
        Err(OutboxError::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_is_one_row_with_its_segments_and_one_send(pool: PgPool) {
    let contact = Contact::Phone(number());
    let id = conversation(&pool, Provider::Twilio, &contact, Channel::Sms, Duration::ZERO).await;
    let body = "Thanks! ".repeat(30);

    let queued = queue(&pool, id, &body, Purpose::Reply, Dispatch::Queued).await.unwrap();

    assert_eq!((queued.segments, queued.send_at), (2, None));
    let (to, from, segments, status): (String, String, i32, String) =
        sqlx::query_as("SELECT to_number, from_number, num_segments, status FROM sms_messages WHERE id = $1")
            .bind(queued.message_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((to.as_str(), from.as_str(), segments, status.as_str()), ("+12125550123", "+15557654321", 2, "queued"));
    let jobs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM job WHERE kind = 'send_message'").fetch_one(&pool).await.unwrap();
    assert_eq!(jobs, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_send_claimed_for_the_caller_has_its_first_attempt_on_record(pool: PgPool) {
    let contact = Contact::Phone(number());
    let id = conversation(&pool, Provider::Twilio, &contact, Channel::Sms, Duration::ZERO).await;

    let queued = queue(&pool, id, "Hi!", Purpose::Reply, Dispatch::ClaimedFor(Duration::from_secs(30))).await.unwrap();

    assert!(queued.claimed.is_some());
    let attempts: i32 = sqlx::query_scalar("SELECT send_attempts FROM sms_messages WHERE id = $1")
        .bind(queued.message_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_opted_out_contact_gets_the_confirmation_and_nothing_else(pool: PgPool) {
    let contact = Contact::Phone(number());
    let id = conversation(&pool, Provider::Twilio, &contact, Channel::Sms, Duration::ZERO).await;
    let change = ConsentChange { source: ConsentSource::Keyword, detail: Some("STOP"), message_id: None };
    opt_outs::record(&pool, &business(), &contact, &change).await.unwrap();

    assert!(queue(&pool, id, "You're unsubscribed.", Purpose::OptOutConfirmation, Dispatch::Queued).await.is_ok());
    for purpose in [Purpose::Reply, Purpose::Operator, Purpose::UploadLink, Purpose::UploadReceipt, Purpose::Help] {
        assert_eq!(refusal(queue(&pool, id, "Hello", purpose, Dispatch::Queued).await), Refused::OptedOut, "{purpose}");
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_messages WHERE direction = 'outbound'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1, "a refused text writes nothing");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_business_text_is_due_when_quiet_hours_allow_a_reply_at_once(pool: PgPool) {
    let contact = Contact::Phone(number());
    let two_days = Duration::from_secs(48 * 3600);
    let id = conversation(&pool, Provider::Twilio, &contact, Channel::Sms, two_days).await;

    let operator = queue(&pool, id, "Your viewing is at 10.", Purpose::Operator, Dispatch::Queued).await.unwrap();
    let reply = queue(&pool, id, "Thanks!", Purpose::Reply, Dispatch::Queued).await.unwrap();

    // Whether New York sleeps depends on when the test runs (the rule itself is tested at fixed hours in
    // the domain and in the outbox's checks): the text is due when the rule says, now or in the morning.
    let last_texted = Utc::now() - chrono::TimeDelta::hours(48);
    let expected = quiet_hours::text_due_at(Purpose::Operator, &contact, Some(last_texted), Utc::now());
    assert_eq!(operator.send_at.is_some(), expected.is_some(), "held exactly when New York sleeps");
    assert_eq!(reply.send_at, None, "a reply is never held");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn whatsapp_takes_free_text_from_twilio_within_a_day_of_the_contacts_text(pool: PgPool) {
    let contact = Contact::WhatsApp(WhatsAppContact::new(number()));
    let id = conversation(&pool, Provider::Twilio, &contact, Channel::WhatsApp, Duration::from_secs(3600)).await;
    let long = "word ".repeat(100);
    let within = queue(&pool, id, &long, Purpose::Reply, Dispatch::Queued).await.unwrap();
    assert_eq!(within.segments, 1, "WhatsApp has no segments");

    sqlx::query("UPDATE sms_messages SET created_at = now() - interval '25 hours' WHERE direction = 'inbound'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        refusal(queue(&pool, id, "Still there?", Purpose::Operator, Dispatch::Queued).await),
        Refused::OutsideWhatsAppWindow
    );
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn whatsapp_goes_through_twilio_only(pool: PgPool) {
    let contact = Contact::WhatsApp(WhatsAppContact::new(number()));
    let id = conversation(&pool, Provider::Acs, &contact, Channel::WhatsApp, Duration::ZERO).await;
    assert_eq!(
        refusal(queue(&pool, id, "Hi", Purpose::Operator, Dispatch::Queued).await),
        Refused::WhatsAppNeedsTwilio
    );
}
