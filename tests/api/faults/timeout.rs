//! Twilio takes a text but answers only after the worker stopped waiting.

use std::time::Duration;

use smsagent_store::PgPool;

use super::{assert_sent_once, settled};
use crate::helpers::{CONTACT, Options, TestApp, sid};
use crate::twilio_account::{Create, TwilioAccount};

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_twilio_took_after_the_wait_ran_out_is_recorded_not_sent_again(pool: PgPool) {
    // With a 2 s lease, a send waits at most about a second for Twilio's answer.
    let app = TestApp::spawn_with(pool, Options { lease_seconds: 2, ..Options::default() }).await;
    app.general_assistant().await;
    let twilio = TwilioAccount::mount(&app.twilio).await;
    twilio.script([Create::AcceptSlowly(Duration::from_secs(3))]);

    app.text(&sid(), CONTACT, "Hi").await;
    settled(&app).await;

    assert_eq!(assert_sent_once(&app, &twilio).await, 1);
    assert_eq!(twilio.creates(), 1, "the retry found the text at Twilio and did not send it");
    let reply = &app.outbound().await[0];
    assert_eq!(reply.message_sid.as_deref(), Some(twilio.held()[0].sid.as_str()));
}
