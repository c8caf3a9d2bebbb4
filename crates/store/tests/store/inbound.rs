//! The one-statement intake of ordinary texts: stored once however it arrives, with its reply queued only
//! when someone may answer.

use std::time::Duration;

use smsagent_domain::assistant::AssistantDraft;
use smsagent_domain::{Channel, Contact, PhoneNumber, Provider};
use smsagent_store::inbound::{TakenIn, reply_dedupe_key, take_in};
use smsagent_store::messages::NewInbound;
use smsagent_store::{PgPool, assistants, phone_numbers, tenants};
use uuid::Uuid;

const BUSINESS: &str = "+15557654321";
const CONTACT: &str = "+15551234567";

/// Our number, answered by an assistant.
async fn answered_number(pool: &PgPool) {
    let settings = AssistantDraft::new("a", "Be brief").check().unwrap();
    let assistant = assistants::create(pool, tenants::DEFAULT_TENANT, &settings).await.unwrap();
    let business = PhoneNumber::parse(BUSINESS).unwrap();
    phone_numbers::insert(pool, &business, Provider::Twilio, Some(assistant)).await.unwrap();
}

async fn text(pool: &PgPool, sid: &str) -> TakenIn {
    let (business, contact) = (PhoneNumber::parse(BUSINESS).unwrap(), PhoneNumber::parse(CONTACT).unwrap().into());
    let text = NewInbound {
        provider: Provider::Twilio,
        message_sid: sid,
        from: &contact,
        to: &business,
        body: "Is the flat still available?",
        num_segments: Some(1),
        channel: Channel::Sms,
        external_id: None,
        media: &[],
    };
    take_in(pool, &text, 8, Duration::ZERO).await.unwrap()
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_is_stored_with_its_conversation_and_its_reply_queued(pool: PgPool) {
    answered_number(&pool).await;

    let TakenIn::Stored { message_id, conversation_id, answered, reply_due } = text(&pool, "SM1").await else {
        panic!("stored")
    };

    assert!(answered && reply_due);
    let (from, conversation): (String, Uuid) =
        sqlx::query_as("SELECT from_number, conversation_id FROM sms_messages WHERE id = $1")
            .bind(message_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((from.as_str(), conversation), (CONTACT, conversation_id));
    let (kind, payload, dedupe, key): (String, serde_json::Value, String, String) =
        sqlx::query_as("SELECT kind, payload, dedupe_key, concurrency_key FROM job").fetch_one(&pool).await.unwrap();
    assert_eq!(kind, "generate_reply");
    assert_eq!(payload, serde_json::json!({"conversation_id": conversation_id}));
    assert_eq!((dedupe, key), (reply_dedupe_key(conversation_id), conversation_id.to_string()));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_delivered_again_writes_nothing(pool: PgPool) {
    answered_number(&pool).await;
    assert!(matches!(text(&pool, "SM1").await, TakenIn::Stored { .. }));

    assert_eq!(text(&pool, "SM1").await, TakenIn::Duplicate);

    assert_eq!(count(&pool, "SELECT count(*) FROM sms_messages").await, 1);
    assert_eq!(count(&pool, "SELECT inbound_count FROM conversation").await, 1, "the conversation is not touched");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn deliveries_racing_each_other_store_the_text_once(pool: PgPool) {
    answered_number(&pool).await;

    let racers: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn({
                let pool = pool.clone();
                async move { text(&pool, "SM-race").await }
            })
        })
        .collect();
    let mut stored = 0;
    for racer in racers {
        if matches!(racer.await.unwrap(), TakenIn::Stored { .. }) {
            stored += 1;
        }
    }

    assert_eq!(stored, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM sms_messages").await, 1);
    assert_eq!(count(&pool, "SELECT inbound_count FROM conversation").await, 1, "the losers' updates were undone");
    assert_eq!(count(&pool, "SELECT count(*) FROM job").await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_waiting_reply_answers_the_next_text_too(pool: PgPool) {
    answered_number(&pool).await;
    text(&pool, "SM1").await;

    let second = text(&pool, "SM2").await;

    assert!(matches!(second, TakenIn::Stored { reply_due: true, .. }));
    assert_eq!(count(&pool, "SELECT count(*) FROM job").await, 1);
    assert_eq!(count(&pool, "SELECT inbound_count FROM conversation").await, 2);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn nothing_is_queued_when_nobody_may_answer(pool: PgPool) {
    // A number nobody answers.
    assert!(matches!(text(&pool, "SM1").await, TakenIn::Stored { answered: false, reply_due: false, .. }));
    sqlx::query("DELETE FROM conversation").execute(&pool).await.unwrap();

    answered_number(&pool).await;
    // A contact who opted out.
    sqlx::query("INSERT INTO opt_out (business_number, contact_number, source) VALUES ($1, $2, 'keyword')")
        .bind(BUSINESS)
        .bind(CONTACT)
        .execute(&pool)
        .await
        .unwrap();
    assert!(matches!(text(&pool, "SM2").await, TakenIn::Stored { answered: true, reply_due: false, .. }));
    sqlx::query("DELETE FROM opt_out").execute(&pool).await.unwrap();
    // A conversation a person has taken over.
    sqlx::query("UPDATE conversation SET status = 'paused'").execute(&pool).await.unwrap();
    assert!(matches!(text(&pool, "SM3").await, TakenIn::Stored { reply_due: false, .. }));

    assert_eq!(count(&pool, "SELECT count(*) FROM job").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM sms_messages WHERE direction = 'inbound'").await, 2);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_batch_is_taken_in_at_once_each_conversation_touched_once_and_duplicates_left_out(pool: PgPool) {
    answered_number(&pool).await;
    assert!(matches!(text(&pool, "SM-before").await, TakenIn::Stored { .. }));
    let business = PhoneNumber::parse(BUSINESS).unwrap();
    let maria: Contact = PhoneNumber::parse(CONTACT).unwrap().into();
    let juan: Contact = PhoneNumber::parse("+15559870000").unwrap().into();
    let mut batch = vec![
        arrival("a1", &maria, &business, "Hi"),
        arrival("b1", &juan, &business, "Hola"),
        arrival("a2", &maria, &business, "Is it free?"),
        arrival("a1", &maria, &business, "Hi"),
    ];
    // One already stored: as Twilio's, under its own provider.
    let before = arrival("SM-before", &maria, &business, "Is the flat still available?");
    batch.push(NewInbound { provider: Provider::Twilio, ..before });

    let taken = smsagent_store::inbound::take_in_batch(&pool, &batch, 8, Duration::ZERO).await.unwrap();

    let stored: Vec<bool> = taken.iter().map(|t| matches!(t.taken, TakenIn::Stored { .. })).collect();
    assert_eq!(stored, [true, true, true, false, false], "repeats and texts stored before are duplicates");
    assert_eq!(taken.iter().map(|t| t.index).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert_eq!(count(&pool, "SELECT count(*) FROM sms_messages").await, 4);
    assert_eq!(count(&pool, "SELECT inbound_count FROM conversation WHERE contact_number = '+15551234567'").await, 3);
    assert_eq!(count(&pool, "SELECT inbound_count FROM conversation WHERE contact_number = '+15559870000'").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM job WHERE kind = 'generate_reply'").await, 2, "one reply each");
    let again = smsagent_store::inbound::take_in_batch(&pool, &batch, 8, Duration::ZERO).await.unwrap();
    assert!(again.iter().all(|t| t.taken == TakenIn::Duplicate), "a redelivered batch stores nothing");
}

fn arrival<'a>(sid: &'a str, from: &'a Contact, to: &'a PhoneNumber, body: &'a str) -> NewInbound<'a> {
    NewInbound {
        provider: Provider::Acs,
        message_sid: sid,
        from,
        to,
        body,
        num_segments: Some(1),
        channel: Channel::Sms,
        external_id: None,
        media: &[],
    }
}
