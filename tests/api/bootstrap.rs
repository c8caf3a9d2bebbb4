//! PHONE_NUMBER: a single-number deployment that needs no set-up calls.

use smsagent_server::bootstrap::{DEFAULT_FIRST_SMS, DEFAULT_SMS_PROMPT};
use smsagent_store::PgPool;

use crate::helpers::{BUSINESS, Options, TestApp};

async fn registered(pool: &PgPool) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT p.number, p.provider, a.first_sms FROM phone_number p LEFT JOIN assistant a ON a.id = p.inbound_assistant_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn without_credentials_the_number_is_served_by_the_simulator_and_a_default_assistant(pool: PgPool) {
    TestApp::spawn_with(pool.clone(), Options { twilio: false, workers: 0, ..Options::default() }).await;

    assert_eq!(
        registered(&pool).await,
        [(BUSINESS.to_owned(), "simulator".to_owned(), Some(DEFAULT_FIRST_SMS.to_owned()))]
    );
    let prompt: String = sqlx::query_scalar("SELECT sms_prompt FROM assistant").fetch_one(&pool).await.unwrap();
    assert_eq!(prompt, DEFAULT_SMS_PROMPT);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn restarting_with_twilio_moves_the_number_to_twilio_and_keeps_its_assistant(pool: PgPool) {
    TestApp::spawn_with(pool.clone(), Options { twilio: false, workers: 0, ..Options::default() }).await;
    sqlx::query("UPDATE assistant SET first_sms = 'Edited by the operator'").execute(&pool).await.unwrap();

    TestApp::spawn_with(pool.clone(), Options { twilio: true, workers: 0, ..Options::default() }).await;
    TestApp::spawn_with(pool.clone(), Options { twilio: true, workers: 0, ..Options::default() }).await;

    assert_eq!(
        registered(&pool).await,
        [(BUSINESS.to_owned(), "twilio".to_owned(), Some("Edited by the operator".to_owned()))]
    );
    let assistants: i64 = sqlx::query_scalar("SELECT count(*) FROM assistant").fetch_one(&pool).await.unwrap();
    assert_eq!(assistants, 1, "no duplicate assistant on restart");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_twilio_number_is_never_moved_to_the_simulator(pool: PgPool) {
    TestApp::spawn_with(pool.clone(), Options { twilio: true, workers: 0, ..Options::default() }).await;
    // Restarted with the credentials missing: its replies must not be quietly "sent" by the simulator.
    TestApp::spawn_with(pool.clone(), Options { twilio: false, workers: 0, ..Options::default() }).await;
    assert_eq!(registered(&pool).await[0].1, "twilio");
}
