//! A worker process killed after Twilio took a text, before it learned the text's id.

use std::time::Duration;

use smsagent_store::PgPool;

use super::{WorkerProcess, assert_sent_once, database_url, next_arrival, settled};
use crate::helpers::{Options, TestApp, sid, wait_for};
use crate::twilio_account::{Create, TwilioAccount};

const LEASE_SECONDS: u64 = 2;

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_worker_killed_mid_send_leaves_each_text_at_twilio_once(pool: PgPool) {
    // This process only takes texts in; the replies are written and sent by `smsagent worker` processes.
    let app =
        TestApp::spawn_with(pool.clone(), Options { workers: 0, lease_seconds: LEASE_SECONDS, ..Options::default() })
            .await;
    app.general_assistant().await;
    let twilio = TwilioAccount::mount(&app.twilio).await;
    let mut arrivals = twilio.arrivals();
    let contacts = ["+15552000001", "+15552000002"];

    for contact in contacts {
        // Twilio takes the text and would answer in half a minute; the worker dies first.
        twilio.script([Create::AcceptSlowly(Duration::from_secs(30))]);
        let worker = WorkerProcess::start(&app, &database_url(&pool), LEASE_SECONDS);
        app.text(&sid(), contact, "Hi").await;
        next_arrival(&mut arrivals).await;
        worker.kill().await;
    }

    // Whoever takes the sends over once their leases run out asks Twilio before sending.
    let survivor = WorkerProcess::start(&app, &database_url(&pool), LEASE_SECONDS);
    wait_for("the abandoned sends to be taken over", || async {
        app.outbound().await.iter().filter(|m| m.message_sid.is_some()).count() == contacts.len()
    })
    .await;
    settled(&app).await;
    drop(survivor);

    assert_eq!(assert_sent_once(&app, &twilio).await, contacts.len());
    assert_eq!(twilio.creates(), contacts.len(), "nothing was sent again");
    assert!(twilio.lists() >= contacts.len(), "each takeover asked Twilio first");
}
