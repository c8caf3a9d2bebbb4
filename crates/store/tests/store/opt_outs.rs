//! Opt-outs: recorded and cleared once each with their consent history, decided per (business number,
//! contact), and read the same way by every query that asks (`is_opted_out`).

use smsagent_domain::{Contact, PhoneNumber, Provider};
use smsagent_store::messages;
use smsagent_store::opt_outs::{self, ConsentChange, ConsentSource};
use smsagent_store::{PgPool, conversations, phone_numbers};
use uuid::Uuid;

fn number(n: &str) -> PhoneNumber {
    PhoneNumber::parse(n).unwrap()
}

fn keyword(text: &str) -> ConsentChange<'_> {
    ConsentChange { source: ConsentSource::Keyword, detail: Some(text), message_id: None }
}

async fn is_opted_out(pool: &PgPool, business: &PhoneNumber, contact: &Contact) -> bool {
    sqlx::query_scalar("SELECT is_opted_out($1, $2)")
        .bind(business.as_str())
        .bind(contact.as_str())
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A conversation between the two, its business number registered, with one text from the contact.
async fn conversation(pool: &PgPool, business: &PhoneNumber, contact: &Contact) -> (Uuid, Uuid) {
    phone_numbers::insert(pool, business, Provider::Twilio, None).await.unwrap();
    let text = crate::messages::arrival(business, contact, "SM11111111111111111111111111111111");
    let conversation = conversations::touch_for_inbound(pool, &text).await.unwrap();
    let message_id = messages::insert_inbound(pool, conversation.id, &text, None).await.unwrap().unwrap();
    (conversation.id, message_id)
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_opt_out_holds_until_the_contact_opts_back_in_each_change_on_record(pool: PgPool) {
    let (business, contact) = (number("+15557654321"), Contact::from(number("+15551234567")));

    assert!(opt_outs::record(&pool, &business, &contact, &keyword("STOP")).await.unwrap(), "opted out");
    assert!(!opt_outs::record(&pool, &business, &contact, &keyword("stop please")).await.unwrap(), "already");
    assert!(is_opted_out(&pool, &business, &contact).await);
    assert!(opt_outs::remove(&pool, &business, &contact, &keyword("START")).await.unwrap(), "back in");
    assert!(!opt_outs::remove(&pool, &business, &contact, &keyword("START")).await.unwrap(), "already in");
    assert!(!is_opted_out(&pool, &business, &contact).await);

    let history: Vec<(String, bool, Option<String>)> =
        sqlx::query_as("SELECT action, changed, detail FROM consent_event ORDER BY created_at, id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let expected = [
        ("opt_out", true, "STOP"),
        ("opt_out", false, "stop please"),
        ("opt_in", true, "START"),
        ("opt_in", false, "START"),
    ];
    let expected: Vec<(String, bool, Option<String>)> =
        expected.iter().map(|(a, c, d)| ((*a).to_owned(), *c, Some((*d).to_owned()))).collect();
    assert_eq!(history, expected);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_opt_out_is_from_one_business_number_only(pool: PgPool) {
    let (ours, theirs) = (number("+15557654321"), number("+15557650000"));
    let contact = Contact::from(number("+15551234567"));
    opt_outs::record(&pool, &ours, &contact, &keyword("STOP")).await.unwrap();

    assert!(is_opted_out(&pool, &ours, &contact).await);
    assert!(!is_opted_out(&pool, &theirs, &contact).await, "another number may still text them");
    assert!(!is_opted_out(&pool, &ours, &Contact::from(number("+15551230000"))).await, "and ours, others");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn every_read_of_a_conversation_sees_the_opt_out(pool: PgPool) {
    let (business, contact) = (number("+15557654321"), Contact::from(number("+15551234567")));
    let (conversation_id, message_id) = conversation(&pool, &business, &contact).await;
    let seen = |pool: PgPool| async move {
        let context = conversations::reply_context(&pool, conversation_id).await.unwrap().unwrap();
        let recipient = messages::recipient(&pool, conversation_id).await.unwrap().unwrap();
        (context.opted_out, recipient.opted_out)
    };
    assert_eq!(seen(pool.clone()).await, (false, false));

    // The provider said they opted out with it (Twilio's 21610), about a text of theirs.
    opt_outs::record_for_message(&pool, message_id, ConsentSource::Provider, Some("21610")).await.unwrap();

    assert_eq!(seen(pool.clone()).await, (true, true));
    let source: String = sqlx::query_scalar("SELECT source FROM opt_out").fetch_one(&pool).await.unwrap();
    assert_eq!(source, "provider");
}
